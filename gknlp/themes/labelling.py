"""The labelling round trip: paragraphs out to Label Studio, doccano, Prodigy or spaCy, labels back.

Why: researchers label in the tool they know. Each exported item carries the paragraph's
place (report file, sha256, character offsets, section, heading) so that the labels that come
back point into the report again; the model's predictions go out as pre-annotations, and the
labelling configuration (Label Studio XML, doccano label list, Prodigy label list) is generated
from the codebook. ``suggest`` picks the paragraphs worth labelling next.

Offsets of paragraphs taken from ``gknlp extract`` results index the text gknlp reads from the
file (``"offsets": "gknlp.read"`` in the label records). Label Studio and doccano count span
offsets in UTF-16 code units (JavaScript strings); every span read back is checked against the
text and converted to Python ``str`` indices.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gknlp.themes.codebook import Codebook

__all__ = ["FORMATS", "Paragraph", "read_paragraphs", "read_jsonl", "with_predictions", "export_paragraphs", "labelling_config",
           "import_labels", "suggest", "utf16_to_str_offsets", "THEMED_SECTIONS"]

FORMATS = ("label-studio", "doccano", "prodigy", "spacy")
THEMED_SECTIONS = ("overall", "problems")
FROM_NAME = "themes"  # the Label Studio control that holds the theme choices
TO_NAME = "text"
META_KEYS = ("gknlp_id", "source", "sha256", "start", "end", "section", "heading", "offsets")


@dataclass(frozen=True)
class Paragraph:
    """One paragraph to label: its text, where it is, and the model's view of it."""

    id: str
    text: str
    source: str | None = None
    sha256: str | None = None
    start: int | None = None
    end: int | None = None
    section: str | None = None
    heading: str | None = None
    themes: tuple[str, ...] = ()
    scores: Mapping[str, float] | None = None
    offsets: str | None = None

    def meta(self) -> dict[str, Any]:
        return {"gknlp_id": self.id, "source": self.source, "sha256": self.sha256,
                "start": self.start, "end": self.end, "section": self.section,
                "heading": self.heading, "offsets": self.offsets}


# --------------------------------------------------------------------------- reading results


def read_jsonl(path: str | os.PathLike) -> Iterator[dict]:
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{n}: not JSON ({exc})") from None


def read_paragraphs(path: str | os.PathLike, sections: Sequence[str] = THEMED_SECTIONS
                    ) -> list[Paragraph]:
    """Paragraphs of ``gknlp extract`` results (one report a line), or of a JSONL of paragraph
    records (``text`` plus optional ``id``, ``source``, ``start``…, as ``suggest`` writes)."""
    out: list[Paragraph] = []
    for n, rec in enumerate(read_jsonl(path)):
        if "paragraphs" in rec:
            src = rec.get("source") or {}
            source = src.get("path") if isinstance(src, dict) else str(src)
            sha = src.get("sha256") if isinstance(src, dict) else None
            for p in rec.get("paragraphs") or []:
                if p.get("section") not in sections:
                    continue
                out.append(Paragraph(
                    id=f"{source}:{p.get('start')}-{p.get('end')}", text=p["text"], source=source,
                    sha256=sha, start=p.get("start"), end=p.get("end"), section=p.get("section"),
                    heading=p.get("heading"), themes=tuple(p.get("themes") or ()),
                    scores=p.get("scores"), offsets="gknlp.read"))
        elif isinstance(rec.get("text"), str):
            out.append(Paragraph(
                id=str(rec.get("id") or rec.get("gknlp_id") or f"{Path(path).name}#{n + 1}"),
                text=rec["text"], source=rec.get("source"), sha256=rec.get("sha256"),
                start=rec.get("start"), end=rec.get("end"), section=rec.get("section"),
                heading=rec.get("heading"), themes=tuple(rec.get("themes") or ()),
                scores=rec.get("scores"), offsets=rec.get("offsets")))
        elif "error" in rec:
            continue  # a report gknlp could not read
        else:
            raise ValueError(f"{path}: line {n + 1} is neither a report nor a paragraph record")
    return out


def with_predictions(paragraphs: list[Paragraph], model: Any) -> list[Paragraph]:
    """Paragraphs without scores get them from ``model`` (a ThemeModel), once."""
    missing = [i for i, p in enumerate(paragraphs) if p.scores is None]
    if not missing or model is None:
        return paragraphs
    preds = model.predict([paragraphs[i].text for i in missing])
    out = list(paragraphs)
    for i, pred in zip(missing, preds):
        p = out[i]
        out[i] = Paragraph(**{**p.__dict__, "themes": tuple(pred["themes"]),
                              "scores": pred["scores"]})
    return out


# --------------------------------------------------------------------------- configuration

_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39")


def labelling_config(codebook: Codebook, fmt: str) -> tuple[str, str]:
    """``(file suffix, content)`` of the tool's labelling configuration for ``codebook``:
    Label Studio XML, doccano label list (JSON), Prodigy label list (one label a line), or
    the spaCy textcat labels (JSON)."""
    from xml.sax.saxutils import quoteattr

    if fmt == "label-studio":
        choices = "\n".join(
            f"    <Choice value={quoteattr(t.label)} hint={quoteattr(t.name_zh or t.label)}/>"
            for t in codebook.themes)
        return ".xml", (f'<View>\n  <Text name="{TO_NAME}" value="$text"/>\n'
                        f'  <Header value="Themes (multi-label; see the codebook)"/>\n'
                        f'  <Choices name="{FROM_NAME}" toName="{TO_NAME}" choice="multiple" '
                        f'showInLine="true">\n{choices}\n  </Choices>\n</View>\n')
    if fmt == "doccano":
        keys = "0123456789abcdefghijklmnopqrstuvwxyz"
        labels = [{"text": t.label, "suffix_key": keys[i] if i < len(keys) else None,
                   "background_color": _COLOURS[i % len(_COLOURS)], "text_color": "#ffffff"}
                  for i, t in enumerate(codebook.themes)]
        return ".labels.json", json.dumps(labels, ensure_ascii=False, indent=1) + "\n"
    if fmt == "prodigy":
        return ".labels.txt", "".join(t.label + "\n" for t in codebook.themes)
    if fmt == "spacy":
        return ".labels.json", json.dumps({"textcat_multilabel": codebook.labels},
                                          ensure_ascii=False, indent=1) + "\n"
    raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")


# --------------------------------------------------------------------------- export


def export_paragraphs(paragraphs: Sequence[Paragraph], fmt: str, out: str | os.PathLike,
                      codebook: Codebook, model_version: str = "") -> Path:
    """Write ``paragraphs`` in ``fmt``'s import format with the predictions as pre-annotations
    (labels outside ``codebook`` dropped), and the labelling configuration beside ``out``.
    Returns the configuration's path."""
    out = Path(out)
    labels = set(codebook.labels)
    if fmt == "label-studio":
        tasks = []
        for p in paragraphs:
            pred = [lab for lab in p.themes if lab in labels]
            task: dict[str, Any] = {"data": {"text": p.text, **p.meta()}}
            if p.scores is not None:
                task["predictions"] = [{
                    "model_version": model_version,
                    "score": _confidence(p, codebook),
                    "result": [{"id": "gknlp-0", "from_name": FROM_NAME, "to_name": TO_NAME,
                                "type": "choices", "value": {"choices": pred}}] if pred else []}]
            tasks.append(task)
        out.write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    elif fmt == "doccano":
        with out.open("w", encoding="utf-8") as fh:
            for p in paragraphs:  # keys other than text/label become the example's metadata
                rec = {"text": p.text, "label": [lab for lab in p.themes if lab in labels],
                       **p.meta()}
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    elif fmt == "prodigy":
        options = [{"id": t.label, "text": f"{t.label} {t.name_zh}".strip()}
                   for t in codebook.themes]
        with out.open("w", encoding="utf-8") as fh:
            for p in paragraphs:
                rec = {"text": p.text, "options": options,
                       "accept": [lab for lab in p.themes if lab in labels],
                       "meta": {k: v for k, v in p.meta().items() if v is not None},
                       "config": {"choice_style": "multiple"}}
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    elif fmt == "spacy":
        _write_docbin(paragraphs, out, codebook)
    else:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    suffix, content = labelling_config(codebook, fmt)
    config = out.with_name(out.stem + ".config" + suffix)
    config.write_text(content, encoding="utf-8")
    return config


def _confidence(p: Paragraph, codebook: Codebook) -> float:
    """How sure the model is of the paragraph as a whole: the smallest distance of a score
    from 0.5, doubled (Label Studio sorts tasks by it)."""
    scores = [float(v) for k, v in (p.scores or {}).items() if k in set(codebook.labels)]
    return round(min((abs(s - 0.5) * 2 for s in scores), default=0.0), 4)


def _blank_nlp():
    import spacy

    return spacy.blank("zh")  # the character segmenter: no download, no jieba


def _write_docbin(paragraphs: Sequence[Paragraph], out: Path, codebook: Codebook) -> None:
    from spacy.tokens import DocBin

    nlp = _blank_nlp()
    db = DocBin(store_user_data=True)
    for p in paragraphs:
        doc = nlp.make_doc(p.text)
        doc.cats = {lab: float(lab in p.themes) for lab in codebook.labels}
        doc.user_data["gknlp"] = {k: v for k, v in p.meta().items() if v is not None}
        db.add(doc)
    db.to_disk(out)


# --------------------------------------------------------------------------- import


def utf16_to_str_offsets(text: str, start: int, end: int) -> tuple[int, int]:
    """Python ``str`` indices of the span ``[start, end)`` counted in UTF-16 code units."""
    positions = {0: 0}  # UTF-16 position -> str index, at each character boundary
    units = 0
    for i, ch in enumerate(text, 1):
        units += 2 if ord(ch) > 0xFFFF else 1
        positions[units] = i
    if start not in positions or end not in positions or start > end:
        raise ValueError(f"offsets {start}-{end} do not fall on characters of the text")
    return positions[start], positions[end]


def _span(text: str, start: int, end: int, expected: str | None, where: str) -> tuple[int, int]:
    """Check a tool's span against ``text``; convert from UTF-16 units when that is what fits.

    With the span's own text (Label Studio keeps it) the check is exact; without it (doccano),
    offsets are taken as UTF-16 units, which equal ``str`` indices until the first character
    outside the Basic Multilingual Plane (e.g. a CJK Extension B character).
    """
    if expected is not None and text[start:end] == expected:
        return start, end
    if expected is None and not any(ord(ch) > 0xFFFF for ch in text):
        return start, end
    s, e = utf16_to_str_offsets(text, start, end)
    if expected is not None and text[s:e] != expected:
        raise ValueError(f"{where}: span {start}-{end} matches the text neither as characters "
                         "nor as UTF-16 code units")
    return s, e


def _record(meta: Mapping[str, Any], text: str, labels: Iterable[str], tool: str,
            span: tuple[int, int] | None = None) -> dict[str, Any]:
    """A label record (the shape ``gknlp train`` reads), with report offsets shifted to a span."""
    start, end = meta.get("start"), meta.get("end")
    if span is not None:
        text = text[span[0]:span[1]]
        if isinstance(start, int):
            start, end = start + span[0], start + span[1]
    rid = meta.get("gknlp_id") or meta.get("id")
    if span is not None:
        rid = f"{meta.get('source')}:{start}-{end}" if meta.get("source") else f"{rid}@{span[0]}"
    rec = {"id": rid, "source": meta.get("source"), "sha256": meta.get("sha256"),
           "start": start, "end": end, "section": meta.get("section"),
           "heading": meta.get("heading"), "offsets": meta.get("offsets"),
           "labels": sorted(set(labels)), "text": text, "annotator": tool}
    return {k: v for k, v in rec.items() if v is not None or k == "labels"}


def import_labels(path: str | os.PathLike, fmt: str, codebook: Codebook | None = None
                  ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Read a tool's export back: ``(label records, counts)``. Unlabelled, skipped and
    rejected items are counted, not returned; labels outside ``codebook`` are an error."""
    counts = {"labelled": 0, "unlabelled": 0, "skipped": 0}
    if fmt == "label-studio":
        records = _import_label_studio(path, counts)
    elif fmt == "doccano":
        records = _import_doccano(path, counts)
    elif fmt == "prodigy":
        records = _import_prodigy(path, counts)
    elif fmt == "spacy":
        records = _import_docbin(path, counts)
    else:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    if codebook is not None:
        unknown = sorted({lab for r in records for lab in r["labels"]} - set(codebook.labels))
        if unknown:
            raise ValueError(f"{path}: labels not in the codebook: {unknown}")
    counts["labelled"] = len(records)
    return records, counts


def _import_label_studio(path, counts) -> list[dict[str, Any]]:
    tasks = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(tasks, dict):
        tasks = [tasks]
    out = []
    for task in tasks:
        data = task.get("data") or {}
        text = data.get("text")
        if not isinstance(text, str):
            raise ValueError(f"{path}: task {task.get('id')} has no data.text")
        done = [a for a in task.get("annotations") or []
                if not a.get("was_cancelled") and a.get("result") is not None]
        if not done:
            counts["unlabelled"] += 1
            continue
        ann = max(done, key=lambda a: (str(a.get("updated_at") or a.get("created_at") or ""),
                                       str(a.get("id"))))
        where = f"{path}: task {task.get('id')}"
        choices: set[str] = set()
        spans: list[tuple[tuple[int, int], list[str]]] = []
        for r in ann["result"]:
            value = r.get("value") or {}
            if r.get("type") == "choices" and r.get("from_name", FROM_NAME) == FROM_NAME:
                choices |= set(value.get("choices") or [])
            elif r.get("type") == "labels" and "start" in value:
                span = _span(text, int(value["start"]), int(value["end"]), value.get("text"),
                             where)
                spans.append((span, list(value.get("labels") or [])))
        meta = {**data, "id": data.get("gknlp_id") or f"label-studio:{task.get('id')}"}
        if spans:  # the annotator labelled parts of the paragraph
            out += [_record(meta, text, labs, "label-studio", span) for span, labs in spans]
        else:
            out.append(_record(meta, text, choices, "label-studio"))
    return out


def _import_doccano(path, counts) -> list[dict[str, Any]]:
    out = []
    for rec in read_jsonl(path):
        text = rec.get("text", rec.get("data"))
        if not isinstance(text, str):
            raise ValueError(f"{path}: doccano line {rec.get('id')} has no text")
        labels = rec.get("label", rec.get("labels", []))
        meta = {**rec, "id": rec.get("gknlp_id") or f"doccano:{rec.get('id')}"}
        if labels and all(isinstance(x, list) for x in labels):  # spans [start, end, label]
            where = f"{path}: doccano line {rec.get('id')}"
            for start, end, lab in labels:
                span = _span(text, int(start), int(end), None, where)
                out.append(_record(meta, text, [lab], "doccano", span))
        else:
            out.append(_record(meta, text, labels, "doccano"))
    return out


def _import_prodigy(path, counts) -> list[dict[str, Any]]:
    out = []
    for rec in read_jsonl(path):
        if rec.get("answer") != "accept":
            counts["skipped"] += 1
            continue
        meta = {**(rec.get("meta") or {})}
        meta["id"] = meta.get("gknlp_id") or f"prodigy:{rec.get('_task_hash')}"
        out.append(_record(meta, rec["text"], rec.get("accept") or [], "prodigy"))
    return out


def _import_docbin(path, counts) -> list[dict[str, Any]]:
    from spacy.tokens import DocBin

    db = DocBin(store_user_data=True).from_disk(path)
    out = []
    for i, doc in enumerate(db.get_docs(_blank_nlp().vocab)):
        meta = dict(doc.user_data.get("gknlp") or {})
        meta["id"] = meta.get("gknlp_id") or f"spacy:{i}"
        out.append(_record(meta, doc.text, [k for k, v in doc.cats.items() if v >= 0.5],
                           "spacy"))
    return out


# --------------------------------------------------------------------------- suggest


def suggest(paragraphs: Sequence[Paragraph], thresholds: Mapping[str, float], n: int = 200,
            per_report: int | None = None) -> list[tuple[Paragraph, str, float]]:
    """The ``n`` paragraphs whose labels would help the model most: ``(paragraph, theme,
    margin)``, most useful first.

    Uncertainty: a paragraph's margin is the smallest distance of a theme's score from that
    theme's threshold, on the logit scale (so 0.45 vs 0.5 counts as much as 0.05 vs 0.06).
    Spread: themes take turns (each paragraph is filed under its least certain theme), and a
    report gives at most ``per_report`` paragraphs (default: twice its fair share).
    Paragraphs with the same text are offered once.
    """
    def logit(p: float) -> float:
        p = min(max(p, 1e-6), 1 - 1e-6)
        return math.log(p / (1 - p))

    queues: dict[str, list[tuple[float, int]]] = {lab: [] for lab in thresholds}
    seen_texts: set[str] = set()
    for i, p in enumerate(paragraphs):
        if not p.scores or p.text in seen_texts:
            continue
        seen_texts.add(p.text)
        margins = {lab: abs(logit(float(p.scores[lab])) - logit(t))
                   for lab, t in thresholds.items() if lab in p.scores}
        if margins:
            lab = min(margins, key=lambda k: (margins[k], k))
            queues[lab].append((margins[lab], i))
    for q in queues.values():
        q.sort()
    reports = {p.source or p.id for p in paragraphs}
    cap = per_report or max(1, math.ceil(2 * n / max(len(reports), 1)))
    taken: dict[str, int] = {}
    chosen: list[tuple[Paragraph, str, float]] = []
    pos = {lab: 0 for lab in queues}
    while len(chosen) < n and any(pos[lab] < len(q) for lab, q in queues.items()):
        for lab, q in queues.items():
            while pos[lab] < len(q):
                margin, i = q[pos[lab]]
                pos[lab] += 1
                report = paragraphs[i].source or paragraphs[i].id
                if taken.get(report, 0) < cap:
                    taken[report] = taken.get(report, 0) + 1
                    chosen.append((paragraphs[i], lab, round(margin, 4)))
                    break
            if len(chosen) >= n:
                break
    return chosen
