"""The per-report pipeline: named steps over one typed :class:`Draft`, as spaCy's ``Language``.

    read → normalise → sections → metadata → tables → recovery → checks → paragraphs → themes → counts

Each step is an object with ``__call__(draft)`` and ``pipe(drafts)``; a :class:`Pipeline` lists
them, disables them (``--no-themes`` is the themes step disabled) and takes new ones
(:meth:`Pipeline.add_step`). A batch worker runs each step over its whole chunk of drafts before
the next (``pipe``): the same result as report by report, and faster, because each step's code
and data stay in the processor's caches and the themes step scores all paragraphs of the chunk
in one call of the model. A step that fails a draft raises :class:`PipelineError` (or anything
else: it is turned into one); the draft's report then carries ``error: {type, message}`` and no
later step runs on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from gknlp import __version__
from gknlp.read import Document, ReadError, read_bytes, read_file
from gknlp.report.meta import (
    clean_page_title,
    find_title,
    issuer_from_signature,
    issuer_from_title,
    level_of,
    published_date,
    split_crawler_header,
    year_of,
)
from gknlp.report.sections import SECTION_KEYS, Section, find_sections, sections_with_role, split_paragraphs
from gknlp.tables.checks import check_narrative, check_tables
from gknlp.tables.parse import TableResult, extract_appeals, extract_proactive, extract_requests
from gknlp.text.normalize import NormalizedText, normalize
from gknlp.types import Report, ReportWarning, Where

__all__ = ["Draft", "Step", "FunctionStep", "Pipeline", "PipelineError", "ThemesStep", "CountsStep",
           "STEP_NAMES", "NARRATIVE_SECTIONS", "THEMED_SECTIONS", "default_pipeline", "extract",
           "extract_text", "extract_document", "tag", "load_theme_model"]

MAX_CHARS = 2_000_000
"""Text beyond this is not analysed (a real report is under 200,000 characters)."""

NARRATIVE_SECTIONS = sections_with_role("narrative")

#: The sections whose paragraphs get themes (the issue's narrative sections). Paragraphs of
#: ``other`` (fees, notes, and on web pages the footer links) keep their text and counts but
#: get ``themes``/``scores`` = None, so they do not dilute theme prevalence.
THEMED_SECTIONS = sections_with_role("themed")


class PipelineError(Exception):
    """The one error shape: a report that failed carries ``error: {type, message}``."""

    def __init__(self, type: str, message: str) -> None:
        super().__init__(message)
        self.type = type
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"type": self.type, "message": self.message}

    @classmethod
    def of(cls, exc: BaseException) -> "PipelineError":
        """Any exception raised by a step, as the error of its report."""
        if isinstance(exc, PipelineError):
            return exc
        if isinstance(exc, ReadError):
            return cls(exc.kind, str(exc))
        if isinstance(exc, MemoryError):
            return cls("too_large", "the file needed more memory than a worker may use")
        return cls(type(exc).__name__, str(exc)[:500])


@dataclass(slots=True)
class Draft:
    """A report in the making, handed from one step to the next."""

    report: Report
    path: str | None = None
    data: bytes | None = None  # the file's bytes when the caller already has them
    doc: Document | None = None
    recover: bool = True
    header: dict[str, str] = field(default_factory=dict)
    norm: NormalizedText | None = None
    text: str = ""
    body_start: int = 0
    sections: dict[str, Section | None] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    tables: tuple[TableResult, ...] = ()
    error: PipelineError | None = None

    @classmethod
    def of_path(cls, path: str | Path, data: bytes | None = None) -> "Draft":
        """A draft the read step fills from a file (or from `data`, its bytes)."""
        return cls(report=_new_report(str(path), None, None), path=str(path), data=data)

    @classmethod
    def of_document(cls, doc: Document) -> "Draft":
        draft = cls(report=_new_report(doc.path, doc.sha256, doc.format), path=doc.path)
        _take_document(draft, doc)
        return draft

    def finish(self) -> Report:
        """The report, with the error set when a step failed."""
        if self.error is not None:
            self.report.error = self.error.to_dict()
        return self.report


def _new_report(path: str | None, sha256: str | None, fmt: str | None) -> Report:
    return Report(source={"path": path, "sha256": sha256, "format": fmt},
                  versions={"gknlp_version": __version__})


def _take_document(draft: Draft, doc: Document) -> None:
    draft.doc = doc
    draft.report.source = {"path": doc.path, "sha256": doc.sha256, "format": doc.format}
    draft.report.warnings.extend(w if isinstance(w, ReportWarning) else ReportWarning(**w)
                                 for w in doc.warnings)


class Step(Protocol):
    """What a pipeline step is: a call on one draft, and the same over many."""

    def __call__(self, draft: Draft) -> None: ...

    def pipe(self, drafts: Sequence[Draft]) -> None: ...


def run_guarded(step: Callable[[Draft], None], draft: Draft) -> None:
    """``step(draft)``; an exception becomes the draft's error (one bad file never stops a batch)."""
    try:
        step(draft)
    except Exception as exc:  # noqa: BLE001 - every failure becomes the report's error
        draft.error = PipelineError.of(exc)


class FunctionStep:
    """A step made of a function of one draft; ``pipe`` calls it on each draft in turn."""

    def __init__(self, fn: Callable[[Draft], None]) -> None:
        self.fn = fn
        self.__doc__ = fn.__doc__

    def __call__(self, draft: Draft) -> None:
        self.fn(draft)

    def pipe(self, drafts: Sequence[Draft]) -> None:
        fn = self.fn
        for draft in drafts:
            if draft.error is None:
                run_guarded(fn, draft)


# --- the steps ---------------------------------------------------------------------------


def read(d: Draft) -> None:
    """The file's bytes into a Document (a draft made from a Document is already read)."""
    if d.doc is not None:
        return
    assert d.path is not None
    doc = read_bytes(d.data, d.path) if d.data is not None else read_file(d.path)
    d.data = None
    _take_document(d, doc)


def normalise(d: Draft) -> None:
    """The text normalised, with its crawler header (title, date) split off."""
    doc, report = d.doc, d.report
    assert doc is not None
    raw_text = doc.text
    if len(raw_text) > MAX_CHARS:
        report.warnings.append(ReportWarning(
            "text_truncated", f"text of {len(raw_text)} characters analysed up to {MAX_CHARS}"))
        raw_text = raw_text[:MAX_CHARS]
    if doc.format in ("txt", "md"):
        d.header, body_offset = split_crawler_header(raw_text)
    else:
        body_offset = 0
    d.norm = norm = normalize(raw_text)
    report.text = d.text = norm.text
    d.body_start = norm.from_source(body_offset) if body_offset > 0 else 0


def sections(d: Draft) -> None:
    d.sections = find_sections(d.text, d.body_start)


_HEADER_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def metadata(d: Draft) -> None:
    """Title, issuer and its level of government, year, publication date (the template comes
    with the tables)."""
    text, body_start, header = d.text, d.body_start, d.header
    assert d.doc is not None and d.norm is not None
    title = clean_page_title(header.get("标题")) or clean_page_title(d.doc.title) or find_title(text[body_start:])
    if title and d.norm.script == "traditional":
        from gknlp.text.normalize import to_simplified
        title = to_simplified(title)
    issuer = issuer_from_title(title) or issuer_from_signature(text)
    published = published_date(text)
    if published is None and header.get("发布时间"):
        m = _HEADER_DATE.match(header["发布时间"])
        published = "-".join(m.groups()) if m else None
    d.meta = {"title": title, "issuer": issuer, "level": level_of(issuer),
              "year": year_of(title, text[body_start:]), "published": published}


def _region(sections: dict[str, Section | None], key: str, body_start: int, text_len: int) -> tuple[int, int]:
    """A table's search region: its section, or the gap where the section should be."""
    sec = sections.get(key)
    if sec is not None:
        return sec.body_start, sec.end
    order = list(SECTION_KEYS)
    i = order.index(key)
    before = [s for k in order[:i] if (s := sections.get(k)) is not None]
    after = [s for k in order[i + 1:] if (s := sections.get(k)) is not None]
    start = before[-1].body_start if before else body_start
    end = after[0].start if after else text_len
    return start, end


def tables(d: Draft) -> None:
    """The three standard tables, each read from its own section; the report's template.
    A text with no section heading and no standard table is not a report: it stops here."""
    text, secs = d.text, d.sections
    regions = {k: _region(secs, k, d.body_start, len(text)) for k in sections_with_role("table")}
    layout = (d.doc.layout if d.doc is not None else None) or ("html" if d.doc is not None and d.doc.format == "html" else "delimited")  # recovery may set "recovered"
    proactive, requests, appeals = d.tables = (
        extract_proactive(text, *regions["proactive"], year=d.meta["year"], layout=layout),
        extract_requests(text, *regions["requests"], layout=layout),
        extract_appeals(text, *regions["appeals"], layout=layout))
    d.report.table_results = d.tables
    if not any(secs.values()) and not any(t.found for t in d.tables):
        for t in d.tables:
            d.report.warnings.extend(t.warnings)
        raise PipelineError("not_a_report",
                            "no section heading and no standard table found: not an annual report")
    assert d.norm is not None
    template = (proactive.template if proactive.found else
                (requests.template if requests.found and requests.template == "2021" else None))
    d.report.meta = {**d.meta, "template": template, "script": d.norm.script}


def recovery(d: Draft) -> None:
    """Crawled-text recovery of cells run together (it decides itself which rows need it)."""
    if d.recover:
        from gknlp.tables.recover import recover_tables

        recover_tables(*d.tables)


def _assemble(d: Draft) -> None:
    """The tables' warnings (after recovery), sections and table values on the report."""
    report, secs = d.report, d.sections
    views = [t.views() for t in d.tables]
    for t, v in zip(d.tables, views):
        for key in t.unresolved:
            t.warn("unsplit_cells", f"row {key}: cells run together and could not be split",
                   t.row_texts[key].segment.strip()[:200] if key in t.row_texts else None, row=key)
        if blank := v.blank:
            t.warn("blank_cells", f"{len(blank)} cell(s) printed blank, given as null (not 0): "
                   + ", ".join(blank[:8]) + (" …" if len(blank) > 8 else ""))
        report.warnings.extend(t.warnings)
    report.sections = {k: (s.to_dict() if s else None) for k, s in secs.items()}
    for k, s in secs.items():
        if s is None:
            report.warnings.append(ReportWarning("section_missing", f"section {k} not found",
                                                 where=Where(section=k)))
        elif s.inferred:
            report.warnings.append(ReportWarning(
                "section_inferred", f"section {k} has no heading; {s.how}",
                where=Where(section=k, start=s.start, end=s.end)))
    report.tables = {t.key: v.values for t, v in zip(d.tables, views)}
    report.table_info = {t.key: t.info(v) for t, v in zip(d.tables, views)}


def paragraphs(d: Draft) -> None:
    """The narrative split into paragraphs (and the report's sections and tables written)."""
    _assemble(d)
    out: list[dict[str, Any]] = []
    for key in NARRATIVE_SECTIONS:
        sec = d.sections.get(key)
        if sec is not None:
            out.extend(p.to_dict() for p in split_paragraphs(d.text, sec))
    d.report.paragraphs = out


def checks(d: Draft) -> None:
    """The tables' accounting identities, and the narrative's figures against the tables."""
    _, requests, appeals = d.tables
    found = check_tables(*d.tables)
    narrative_spans = [(p["start"], p["end"]) for p in d.report.paragraphs if p["section"] == "overall"]
    found += check_narrative(d.text, narrative_spans, requests, appeals)
    d.report.checks = [c.to_dict() for c in found]


@cache
def load_theme_model(path: str | None) -> Any:
    """The theme model at `path` (None: the shipped one), loaded once per process."""
    from gknlp.themes.model import load_model

    return load_model(path)


class ThemesStep:
    """Adds ``themes``, ``scores`` (and ``kind`` in the problems section) to each paragraph."""

    def __init__(self, model: str | Path | None = None) -> None:
        self.model_path = str(model) if model else None

    def __call__(self, draft: Draft) -> None:
        self._annotate([draft])

    def pipe(self, drafts: Sequence[Draft]) -> None:
        """All themed paragraphs of the drafts in one call of the model (a paragraph's scores do
        not depend on the others scored with it); should that fail, draft by draft, so only a
        culprit gets an error."""
        live = [d for d in drafts if d.error is None]
        try:
            self._annotate(live)
        except Exception:  # noqa: BLE001 - find the draft that causes it
            for d in live:
                run_guarded(self, d)

    def _annotate(self, drafts: Sequence[Draft]) -> None:
        from gknlp.themes.features import normalize_text
        from gknlp.themes.kind import paragraph_kind

        try:
            model = load_theme_model(self.model_path)
        except FileNotFoundError as exc:
            for d in drafts:
                d.report.warnings.append(ReportWarning("no_theme_model", str(exc)))
            return
        version = model.meta.get("name") or model.meta.get("model_sha256", "")[:12]
        themed = []
        for d in drafts:
            d.report.versions["model_version"] = version
            for p in d.report.paragraphs:
                p["themes"] = p["scores"] = p["kind"] = None
                if p["section"] in THEMED_SECTIONS:
                    themed.append(p)
        if not themed:
            return
        texts = [normalize_text(p["text"]) for p in themed]  # once for the model and the kind rule
        for p, text, pred in zip(themed, texts, model.predict(texts, normalized=True)):
            p["themes"] = pred["themes"]
            p["scores"] = pred["scores"]
            if p["section"] == "problems":
                p["kind"] = paragraph_kind(text, normalized=True)


def count_dicts(text: str) -> list[dict[str, Any]]:
    """The quoted counts of one paragraph, offsets into that paragraph's text."""
    from gknlp.counts.grammar import count_dicts as paragraph_counts

    return paragraph_counts(text)


def counts(d: Draft) -> None:
    """Counts per paragraph, and all of them in ``report.counts``; offsets index the report text."""
    report = d.report
    all_counts: list[dict[str, Any]] = []
    for p in report.paragraphs:
        shift = p["start"]  # every offset indexes the report's normalised text (CONTRACT.md)
        local = [{**c, "start": c["start"] + shift, "end": c["end"] + shift} for c in count_dicts(p["text"])]
        p["counts"] = local
        all_counts.extend({**c, "paragraph": p["id"]} for c in local)
    report.counts = all_counts


class CountsStep(FunctionStep):
    """The counts step: :func:`counts` on each draft."""

    def __init__(self) -> None:
        super().__init__(counts)

STEP_NAMES = ("read", "normalise", "sections", "metadata", "tables", "recovery", "paragraphs",
              "checks", "themes", "counts")
"""The default steps, in order (``checks`` after ``paragraphs``: it compares the figures of the
narrative's paragraphs with the tables)."""


class Pipeline:
    """Named steps run in order over drafts; steps can be listed, disabled and inserted."""

    def __init__(self, steps: Iterable[tuple[str, Step | Callable[[Draft], None]]] = (),
                 disabled: Iterable[str] = ()) -> None:
        self._steps: list[tuple[str, Step]] = []
        for name, step in steps:
            self.add_step(name, step)
        self.disabled: set[str] = set()
        for name in disabled:
            self.disable(name)

    @property
    def step_names(self) -> list[str]:
        """Every step, enabled or not, in order."""
        return [name for name, _ in self._steps]

    @property
    def enabled(self) -> list[str]:
        return [name for name, _ in self._steps if name not in self.disabled]

    def get_step(self, name: str) -> Step:
        for n, step in self._steps:
            if n == name:
                return step
        raise KeyError(f"no step named {name!r}; steps: {self.step_names}")

    def add_step(self, name: str, step: Step | Callable[[Draft], None], *, before: str | None = None,
                 after: str | None = None) -> None:
        """Insert a step (a function of one draft is wrapped in :class:`FunctionStep`)."""
        if name in self.step_names:
            raise ValueError(f"a step named {name!r} is already in the pipeline")
        if before is not None and after is not None:
            raise ValueError("give before= or after=, not both")
        if not hasattr(step, "pipe"):
            step = FunctionStep(step)
        at = len(self._steps)
        if before is not None:
            at = self.step_names.index(self._known(before))
        elif after is not None:
            at = self.step_names.index(self._known(after)) + 1
        self._steps.insert(at, (name, step))  # type: ignore[arg-type]

    def remove_step(self, name: str) -> Step:
        step = self.get_step(name)
        self._steps = [(n, s) for n, s in self._steps if n != name]
        self.disabled.discard(name)
        return step

    def disable(self, name: str) -> None:
        self.disabled.add(self._known(name))

    def enable(self, name: str) -> None:
        self.disabled.discard(self._known(name))

    def _known(self, name: str) -> str:
        if name not in self.step_names:
            raise KeyError(f"no step named {name!r}; steps: {self.step_names}")
        return name

    def __call__(self, draft: Draft | str | Path) -> Report:
        """One report: a draft, or a file path."""
        d = draft if isinstance(draft, Draft) else Draft.of_path(draft)
        for name, step in self._steps:
            if name in self.disabled:
                continue
            run_guarded(step, d)
            if d.error is not None:
                break
        return d.finish()

    def pipe(self, drafts: Iterable[Draft | str | Path]) -> list[Report]:
        """The reports of many drafts, each step run over all of them before the next: the
        same reports as one call each."""
        ds = [d if isinstance(d, Draft) else Draft.of_path(d) for d in drafts]
        for name, step in self._steps:
            if name in self.disabled:
                continue
            live = [d for d in ds if d.error is None]
            if live:
                step.pipe(live)
        return [d.finish() for d in ds]


def default_pipeline(model: str | Path | None = None, *, themes: bool = True, counts: bool = True,
                     recover: bool = True) -> Pipeline:
    """The standard pipeline; ``themes=False`` / ``counts=False`` disable those steps."""
    g = globals()
    steps: list[tuple[str, Step | Callable[[Draft], None]]] = [(name, g[name]) for name in STEP_NAMES[:-2]]
    steps += [("themes", ThemesStep(model)), ("counts", CountsStep())]
    off = [n for n, on in (("themes", themes), ("counts", counts), ("recovery", recover)) if not on]
    return Pipeline(steps, disabled=off)


# --- the public functions ------------------------------------------------------------------


def extract_document(doc: Document, pipeline: Pipeline | None = None, *, themes: bool = True,
                     counts: bool = True) -> Report:
    """Run the pipeline (default: :func:`default_pipeline`) on a document already read."""
    return (pipeline or default_pipeline(themes=themes, counts=counts))(Draft.of_document(doc))


def extract_text(text: str, path: str | None = None, fmt: str = "txt", pipeline: Pipeline | None = None,
                 *, themes: bool = True, counts: bool = True) -> Report:
    """Extract from text already in memory (pure: no file access)."""
    import hashlib

    doc = Document(text=text, format=fmt, path=path, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
    if fmt == "html":
        from gknlp.read import html_to_text

        doc.text, doc.title = html_to_text(text)
    return extract_document(doc, pipeline, themes=themes, counts=counts)


def extract(path: str | Path, pipeline: Pipeline | None = None, data: bytes | None = None, *,
            themes: bool = True, counts: bool = True) -> Report:
    """Extract one report file; a file that cannot be read gives a Report with `error` set.
    ``themes=False, counts=False`` gives the tables, checks and paragraphs only."""
    return (pipeline or default_pipeline(themes=themes, counts=counts))(Draft.of_path(path, data))


def tag(texts: Sequence[str], model: str | Path | None = None) -> list[dict[str, Any]]:
    """Themes, scores and counts for paragraphs that come from elsewhere."""
    if isinstance(texts, str):
        raise TypeError("tag() takes a list of texts")
    preds = load_theme_model(str(model) if model else None).predict(list(texts))
    return [{**pred, "counts": count_dicts(t)} for t, pred in zip(texts, preds)]
