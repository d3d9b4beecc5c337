"""Labelled paragraphs: JSONL lines that point into the corpus by offsets (or carry text).

Why: corpus text never enters the repository, so each line names its source file, its
sha256 and character offsets, and the text is resolved at load time; the split by report
and the grouping by issuing body (reports of one body repeat paragraphs) live here too.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gknlp.data import MODELS_DIR

__all__ = ["Example", "CorpusMissingError", "load_annotations", "make_split", "split_examples",
           "body_group", "default_corpus_dir"]

_REPO = MODELS_DIR.parent  # the source tree (models/ beside gknlp/)

class CorpusMissingError(FileNotFoundError):
    """A labelled line points into the corpus, but the corpus (or the file) is not there."""




@dataclass(frozen=True)
class Example:
    """One labelled paragraph, its text resolved."""

    id: str
    source: str
    text: str
    labels: tuple[str, ...]
    start: int | None = None
    end: int | None = None
    section: str | None = None
    heading: str | None = None
    annotators: tuple[str, ...] = ()
    sha256: str | None = None

    @property
    def group(self) -> str:
        return body_group(self.source or self.id)

    @property
    def key(self) -> tuple:
        if self.start is not None and self.source:
            return (self.source, self.start, self.end)
        return (self.source, self.id)


_REPORT_NAME = re.compile(r"^(?:\d+_)?(?P<slug>.+?)(?:-(?:19|20)\d\d)?$")


def body_group(source: str) -> str:
    """The cross-validation group of a source: the issuing body's slug.

    ``raw/023_pingtan-hzs-2022.txt`` -> ``pingtan-hzs`` (all years of one body together);
    ``seeds/000_f6f8….txt`` -> ``seeds/000_f6f8…`` (each seed is its own group); any
    other source is its own group too.
    """
    p = Path(source)
    if p.parts and p.parts[0] == "raw":
        m = _REPORT_NAME.match(p.stem)
        return m.group("slug") if m else p.stem
    return str(p.with_suffix("")) if p.suffix else str(p)


def default_corpus_dir() -> Path | None:
    """``$GKNLP_CORPUS``, else ``../shared/corpus`` beside the source tree, if it exists."""
    env = os.environ.get("GKNLP_CORPUS")
    if env:
        return Path(env)
    for cand in (_REPO.parent / "shared" / "corpus", Path("../shared/corpus")):
        if cand.is_dir():
            return cand
    return None


def _annotation_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"no annotations at {path}")
    files = sorted(path.glob("labels*.jsonl"))
    if not files:  # a researcher's own directory: every JSONL except the materialised test set
        files = sorted(p for p in path.glob("*.jsonl") if p.name != "test.jsonl")
    if not files:
        raise FileNotFoundError(f"no *.jsonl annotation files in {path}")
    return files


def _annotator_name(path: Path) -> str:
    stem = path.stem
    return stem[len("labels_"):] if stem.startswith("labels_") else stem


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _SourceReader:
    """Reads corpus files once each and checks the recorded sha256."""

    def __init__(self, corpus_dir: Path | None) -> None:
        self.corpus_dir = corpus_dir
        self._cache: dict[str, tuple[str, str]] = {}

    def text(self, source: str, where: str, read: bool = False) -> tuple[str, str]:
        key = f"{source}\0{read}"
        if key not in self._cache:
            path = Path(self.corpus_dir) / source if self.corpus_dir is not None else None
            if (path is None or not path.is_file()) and Path(source).is_file():
                path = Path(source)  # a path as `gknlp extract` wrote it
            if path is None:
                raise CorpusMissingError(
                    f"{where}: needs the corpus to resolve {source!r} (no text inline), "
                    "but no corpus directory was given (use --corpus or $GKNLP_CORPUS; "
                    "expected e.g. ../shared/corpus)")
            if not path.is_file():
                raise CorpusMissingError(
                    f"{where}: corpus file {path} is missing (corpus directory "
                    f"{self.corpus_dir}{'' if Path(str(self.corpus_dir)).is_dir() else ' does not exist'})")
            raw = path.read_bytes()
            if path.suffix.lower() in (".txt", "") and not read:
                text = raw.decode("utf-8")
            else:  # HTML, Markdown, docx: offsets index the text gknlp reads from the file
                from gknlp.read.files import read_bytes

                text = read_bytes(raw, str(path)).text
            self._cache[key] = (text, hashlib.sha256(raw).hexdigest())
        return self._cache[key]


def _read_lines(path: Path) -> Iterable[tuple[str, dict]]:
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield f"{path.name}:{n}", json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path.name}:{n}: not JSON ({exc})") from None


def _resolve(rec: dict, where: str, reader: _SourceReader) -> str:
    text = rec.get("text")
    if isinstance(text, str) and text:
        return text
    source, start, end = rec.get("source"), rec.get("start"), rec.get("end")
    if not source or start is None or end is None:
        raise ValueError(f"{where}: a line needs either 'text' or 'source'+'start'+'end'")
    full, file_hash = reader.text(source, where, rec.get("offsets") == "gknlp.read")
    span = full[int(start):int(end)]
    expected = rec.get("sha256")
    # The recorded hash may be of the whole source file or of the paragraph itself.
    if expected and expected not in (file_hash, _sha256(span)):
        raise ValueError(
            f"{where}: sha256 mismatch for {source}[{start}:{end}] — the corpus file "
            "differs from the one that was annotated")
    return span


def load_annotations(
    path_or_dir: str | os.PathLike | Sequence[str | os.PathLike],
    corpus_dir: str | os.PathLike | None = None,
    *,
    exclude_sources: Iterable[str] = (),
    only_sources: Iterable[str] | None = None,
    merge: str = "union",
) -> list[Example]:
    """Read labelled paragraphs from JSONL files or directories of ``labels*.jsonl``.

    A line is ``{"text", "labels"}`` (optionally ``id``, ``section``, ``heading``…: one example
    each), or points into a corpus file by ``source``, ``sha256``, ``start``, ``end`` (offsets
    into the UTF-8 text of a ``.txt`` file; with ``"offsets": "gknlp.read"``, or for HTML,
    Markdown and docx files, into the text gknlp reads from the file). Lines without inline
    ``text`` are resolved from ``corpus_dir/source[start:end]`` and
    their ``sha256`` is checked; a missing corpus raises :class:`CorpusMissingError`.
    The same paragraph labelled in several files (two annotators) is merged into one
    example: ``merge="union"`` (default) or ``"intersection"`` of their labels.
    The result is sorted by source and offset, so file order does not matter.
    """
    if merge not in ("union", "intersection"):
        raise ValueError("merge must be 'union' or 'intersection'")
    exclude = set(exclude_sources)
    only = None if only_sources is None else set(only_sources)
    reader = _SourceReader(Path(corpus_dir) if corpus_dir is not None else None)
    merged: dict[tuple, Example] = {}
    paths = ([path_or_dir] if isinstance(path_or_dir, (str, os.PathLike)) else list(path_or_dir))
    files = [f for p in paths for f in _annotation_files(Path(p))]
    for path in files:
        who = _annotator_name(path)
        for where, rec in _read_lines(path):
            source = str(rec.get("source") or "")
            if source in exclude or (only is not None and source not in only):
                continue
            labels = rec.get("labels")
            if labels is None:
                continue  # not yet labelled
            if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
                raise ValueError(f"{where}: 'labels' must be a list of theme names")
            located = bool(source) and rec.get("start") is not None
            ex = Example(
                id=str(rec.get("id") or (f"{source}:{rec.get('start')}-{rec.get('end')}"
                                         if located else where)),
                source=source,
                text=_resolve(rec, where, reader),
                labels=tuple(sorted(set(map(str, labels)))),
                start=rec.get("start"),
                end=rec.get("end"),
                section=rec.get("section"),
                heading=rec.get("heading"),
                annotators=tuple(rec.get("annotators")
                                 or ([str(rec["annotator"])] if rec.get("annotator") else [who])),
                sha256=rec.get("sha256"),
            )
            old = merged.get(ex.key)
            if old is None:
                merged[ex.key] = ex
                continue
            a, b = set(old.labels), set(ex.labels)
            both = a | b if merge == "union" else a & b
            merged[ex.key] = Example(**{
                **old.__dict__, "labels": tuple(sorted(both)),
                "annotators": tuple(sorted(set(old.annotators) | set(ex.annotators)))})
    return sorted(merged.values(), key=lambda e: (e.source, e.start or 0, e.end or 0, e.id))


# --------------------------------------------------------------------------- split


def make_split(sources: Iterable[str], fraction: float = 0.2) -> list[str]:
    """Choose test sources deterministically: whole bodies, ordered by sha256 of the slug.

    Bodies are taken in hash order until at least ``fraction`` of the sources are held
    out, so no body has reports on both sides.
    """
    by_group: dict[str, set[str]] = {}
    for s in set(sources):
        by_group.setdefault(body_group(s), set()).add(s)
    total = sum(len(v) for v in by_group.values())
    chosen: list[str] = []
    for g in sorted(by_group, key=lambda g: hashlib.sha256(g.encode("utf-8")).hexdigest()):
        if len(chosen) >= fraction * total:
            break
        chosen.extend(by_group[g])
    return sorted(chosen)


def split_examples(examples: Sequence[Example], test_sources: Iterable[str]
                   ) -> tuple[list[Example], list[Example]]:
    """(train, test) by source; refuses a body on both sides."""
    test_set = set(test_sources)
    train_ = [e for e in examples if e.source not in test_set]
    test_ = [e for e in examples if e.source in test_set]
    shared = {e.group for e in train_} & {e.group for e in test_}
    if shared:
        warnings.warn(f"bodies on both sides of the split: {sorted(shared)}", stacklevel=2)
    return train_, test_


