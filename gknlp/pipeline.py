"""The per-report pipeline: read → normalise → sections → tables → checks → paragraphs.

`extract_text` is pure (text in, Report out) so it can run in worker processes or on a
Dask cluster; `extract` adds reading the file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

from gknlp import __version__
from gknlp.read import Document, ReadError, read_bytes, read_file
from gknlp.report.meta import (
    find_title,
    issuer_from_signature,
    issuer_from_title,
    level_of,
    published_date,
    split_crawler_header,
    year_of,
)
from gknlp.report.sections import SECTION_KEYS, Section, find_sections, split_paragraphs
from gknlp.tables.checks import check_narrative, check_tables
from gknlp.tables.parse import (
    TableResult,
    extract_appeals,
    extract_proactive,
    extract_requests,
)
from gknlp.tagging import Annotator, annotate_reports
from gknlp.text.normalize import NormalizedText, normalize
from gknlp.types import Report

__all__ = ["extract", "extract_text", "extract_document", "draft_of", "Draft", "STEPS", "NARRATIVE_SECTIONS"]

MAX_CHARS = 2_000_000
"""Text beyond this is not analysed (a real report is under 200,000 characters)."""

NARRATIVE_SECTIONS = ("overall", "problems", "other")



def _body_start_in(norm: NormalizedText, source_offset: int) -> int:
    """The first normalised character at or after a source offset."""
    return norm.from_source(source_offset) if source_offset > 0 else 0


_TITLE_SEPARATOR = re.compile(r"[_|｜]| - ")
_REPORT_WORD = re.compile(r"年度报告|年报|工作报告")
_HEADER_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _clean_title(title: str | None) -> str | None:
    """The part of a page title that names the report (site names and separators dropped)."""
    if not title:
        return None
    parts = [p.strip() for p in _TITLE_SEPARATOR.split(title) if p.strip()]
    for p in parts:
        if _REPORT_WORD.search(p):
            return p
    return parts[0] if parts else None


def _region(sections: dict[str, Section | None], key: str, body_start: int, text_len: int) -> tuple[int, int]:
    """A table's search region: its section, or the gap where the section should be."""
    sec = sections.get(key)
    if sec is not None:
        return sec.body_start, sec.end
    order = list(SECTION_KEYS)
    i = order.index(key)
    before = [sections[k] for k in order[:i] if sections.get(k) is not None]
    after = [sections[k] for k in order[i + 1:] if sections.get(k) is not None]
    start = before[-1].body_start if before else body_start
    end = after[0].start if after else text_len
    return start, end


class Draft:
    """A report in the making, handed from one step of the pipeline to the next."""

    __slots__ = ("doc", "report", "recover", "header", "norm", "text", "body_start", "sections",
                 "tables")

    def __init__(self, doc: Document, recover: Callable[..., None] | None) -> None:
        self.doc = doc
        self.recover = recover
        self.report = Report(source={"path": doc.path, "sha256": doc.sha256, "format": doc.format},
                             versions={"gknlp_version": __version__})
        self.report.warnings.extend(doc.warnings)


def _normalise(d: Draft) -> None:
    """The text normalised, with its crawler header (title, date) split off."""
    doc, report = d.doc, d.report
    raw_text = doc.text
    if len(raw_text) > MAX_CHARS:
        report.warnings.append({"code": "text_truncated",
                                "message": f"text of {len(raw_text)} characters analysed up to {MAX_CHARS}",
                                "raw": None})
        raw_text = raw_text[:MAX_CHARS]
    d.header, body_offset = split_crawler_header(raw_text) if doc.format in ("txt", "md") else ({}, 0)
    d.norm = normalize(raw_text)
    report.text = d.text = d.norm.text
    d.body_start = _body_start_in(d.norm, body_offset)


def _sections(d: Draft) -> None:
    d.sections = find_sections(d.text, d.body_start)


def _meta(d: Draft) -> None:
    """Title, issuer and its level of government, year, publication date, script."""
    text, body_start, header = d.text, d.body_start, d.header
    title = _clean_title(header.get("标题")) or _clean_title(d.doc.title) or find_title(text[body_start:])
    if title and d.norm.script == "traditional":
        from gknlp.text.normalize import to_simplified
        title = to_simplified(title)
    issuer = issuer_from_title(title) or issuer_from_signature(text)
    published = published_date(text)
    if published is None and header.get("发布时间"):
        m = _HEADER_DATE.match(header["发布时间"])
        published = "-".join(m.groups()) if m else None
    d.report.meta = {"title": title, "issuer": issuer, "level": level_of(issuer),
                     "year": year_of(title, text[body_start:]), "published": published,
                     "template": None,  # known once the tables are read
                     "script": d.norm.script}


def _tables(d: Draft) -> None:
    """The three standard tables, each read from its own section."""
    text, sections = d.text, d.sections
    regions = {k: _region(sections, k, d.body_start, len(text)) for k in ("proactive", "requests", "appeals")}
    layout = "html" if d.doc.format == "html" else "delimited"  # recovery may later set "recovered"
    d.tables = (extract_proactive(text, *regions["proactive"], year=d.report.meta["year"], layout=layout),
                extract_requests(text, *regions["requests"], layout=layout),
                extract_appeals(text, *regions["appeals"], layout=layout))
    d.report.table_results = d.tables


def _recover(d: Draft) -> None:
    """Crawled-text recovery of cells run together (it decides itself which rows need it)."""
    if d.recover is not None:
        d.recover(*d.tables)


def _assemble(d: Draft) -> None:
    """Warnings, sections and the tables' values on the report; or not_a_report."""
    report, sections = d.report, d.sections
    proactive, requests, _ = tables = d.tables
    for t in tables:
        for key in t.unresolved:
            t.warn("unsplit_cells", f"row {key}: cells run together and could not be split",
                   t.row_texts[key].segment.strip()[:200] if key in t.row_texts else None, row=key)
        report.warnings.extend(t.warnings)

    if not any(sections.values()) and not any(t.found for t in tables):
        report.meta = {}
        report.error = {"type": "not_a_report",
                        "message": "no section heading and no standard table found: not an annual report"}
        return

    report.meta["template"] = (proactive.template if proactive.found else
                               (requests.template if requests.found and requests.template == "2021" else None))
    report.sections = {k: (s.to_dict() if s else None) for k, s in sections.items()}
    for k, s in sections.items():
        if s is None:
            report.warnings.append({"code": "section_missing", "message": f"section {k} not found", "raw": None})
        elif s.inferred:
            report.warnings.append({"code": "section_inferred",
                                    "message": f"section {k} has no heading; taken as the text before the next section",
                                    "raw": None})
    report.tables = {t.key: t.json_values() for t in tables}
    report.table_info = {t.key: t.info() for t in tables}


def _paragraphs(d: Draft) -> None:
    paragraphs = []
    for key in NARRATIVE_SECTIONS:
        if d.sections.get(key) is not None:
            paragraphs.extend(p.to_dict() for p in split_paragraphs(d.text, d.sections[key]))
    d.report.paragraphs = paragraphs


def _checks(d: Draft) -> None:
    """The tables' accounting identities, and the narrative's figures against the tables."""
    _, requests, appeals = d.tables
    checks = check_tables(*d.tables)
    narrative_spans = [(p["start"], p["end"]) for p in d.report.paragraphs if p["section"] == "overall"]
    checks += check_narrative(d.text, narrative_spans, requests, appeals)
    d.report.checks = [c.to_dict() for c in checks]


STEPS: tuple[Callable[[Draft], None], ...] = (
    _normalise, _sections, _meta, _tables, _recover, _assemble, _paragraphs, _checks)
"""The steps from a document read to a report ready for the annotators, in order; a step
that sets ``report.error`` ends the report's run. A batch worker runs each step over its
whole chunk of reports before the next (:func:`gknlp.batch.process_chunk`): the same
result, and about a tenth faster than report by report, because each step's code and
data stay in the processor's caches."""


def run_steps(d: Draft) -> Report:
    """All of :data:`STEPS` on one draft (stopping at an error); its report."""
    for step in STEPS:
        step(d)
        if d.report.error is not None:
            break
    return d.report


def extract_document(doc: Document, annotators: list[Annotator] | None = None,
                     recover: Callable[..., None] | None = None) -> Report:
    """Run the pipeline on a document already read.

    `annotators` default to themes (bundled model) and counts; pass [] for tables only.
    """
    return _finish(Draft(doc, recover), annotators)


def _finish(draft: Draft, annotators: list[Annotator] | None) -> Report:
    """The steps, then the annotators (default: themes with the bundled model, and counts)."""
    if annotators is None:
        from gknlp.tagging import default_annotators

        annotators = default_annotators()
    report = run_steps(draft)
    if report.error is None:
        annotate_reports(annotators, [report])
    return report


def extract_text(text: str, path: str | None = None, fmt: str = "txt",
                 annotators: list[Annotator] | None = None) -> Report:
    """Extract from text already in memory (pure: no file access)."""
    import hashlib

    doc = Document(text=text, format=fmt, path=path, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
    if fmt == "html":
        from gknlp.read import html_to_text

        doc.text, doc.title = html_to_text(text)
    return extract_document(doc, annotators=annotators, recover=_default_recover())


def _default_recover():
    try:
        from gknlp.tables.recover import recover_tables
    except ImportError:
        return None
    return recover_tables


def extract(path: str | Path, annotators: list[Annotator] | None = None, data: bytes | None = None) -> Report:
    """Extract one report file; a file that cannot be read gives a Report with `error` set."""
    draft = draft_of(path, data)
    if isinstance(draft, Report):
        return draft
    return _finish(draft, annotators)


def draft_of(path: str | Path, data: bytes | None = None) -> Draft | Report:
    """The file read into a draft for :data:`STEPS`, or a Report with `error` when it cannot be read."""
    try:
        doc = read_bytes(data, str(path)) if data is not None else read_file(path)
    except ReadError as exc:
        return Report(source={"path": str(path), "sha256": None, "format": None},
                      versions={"gknlp_version": __version__}, error={"type": exc.kind, "message": str(exc)})
    return Draft(doc, _default_recover())
