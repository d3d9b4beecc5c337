"""Paragraph annotators (themes, problem/measure kind, counts) and `tag` for free texts.

The pipeline calls annotators on a finished Report; each loads its model or data
once per process, lazily.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Sequence

from gknlp.types import Report

__all__ = ["ThemesAnnotator", "annotate_counts", "tag", "default_annotators", "THEMED_SECTIONS"]

#: The sections whose paragraphs get themes (the issue's narrative sections). Paragraphs of
#: ``other`` (fees, notes, and on web pages the footer links) keep their text and counts but
#: get ``themes``/``scores`` = None, so they do not dilute theme prevalence.
THEMED_SECTIONS = ("overall", "problems")


def _paragraph_input(p: dict[str, Any]) -> str:
    return p["text"]


class ThemesAnnotator:
    """Adds `themes`, `scores` (and `kind` in the problems section) to each paragraph."""

    def __init__(self, model_path: str | Path | None = None) -> None:
        self.model_path = str(model_path) if model_path else None

    @property
    def model(self):
        return _load_model(self.model_path)

    def __call__(self, report: Report) -> None:
        from gknlp.paragraph_kind import paragraph_kind
        from gknlp.theme_features import normalize_text

        paragraphs = report.paragraphs
        try:
            model = self.model
        except FileNotFoundError as exc:
            report.warnings.append({"code": "no_theme_model", "message": str(exc), "raw": None})
            return
        report.versions["model_version"] = model.meta.get("name") or model.meta.get("model_sha256", "")[:12]
        themed = [p for p in paragraphs if p["section"] in THEMED_SECTIONS]
        for p in paragraphs:
            p["themes"] = p["scores"] = p["kind"] = None
        if not themed:
            return
        # normalised once for both the model and the problem/measure rule
        texts = [normalize_text(_paragraph_input(p)) for p in themed]
        for p, text, pred in zip(themed, texts, model.predict(texts, normalized=True)):
            p["themes"] = pred["themes"]
            p["scores"] = pred["scores"]
            if p["section"] == "problems":
                p["kind"] = paragraph_kind(text, normalized=True)


@cache
def _load_model(path: str | None):
    from gknlp.themes import load_model

    return load_model(path)


def count_dicts(text: str) -> list[dict[str, Any]]:
    """The counts of one paragraph, offsets into that paragraph's text."""
    from gknlp.counts import count_dicts as paragraph_counts

    return paragraph_counts(text)


def annotate_counts(report: Report) -> None:
    """Counts per paragraph, and all of them in `report.counts` with report offsets."""
    all_counts = []
    for p in report.paragraphs:
        local = count_dicts(p["text"])
        p["counts"] = local
        for c in local:
            all_counts.append({**c, "paragraph": p["id"], "start": c["start"] + p["start"],
                               "end": c["end"] + p["start"]})
    report.counts = all_counts


def default_annotators(model: str | Path | None = None, themes: bool = True, counts: bool = True) -> list:
    out: list = []
    if themes:
        out.append(ThemesAnnotator(model))
    if counts:
        out.append(annotate_counts)
    return out


def tag(texts: Sequence[str], model: str | Path | None = None) -> list[dict[str, Any]]:
    """Themes, scores and counts for paragraphs that come from elsewhere."""
    if isinstance(texts, str):
        raise TypeError("tag() takes a list of texts")
    preds = _load_model(str(model) if model else None).predict(list(texts))
    return [{**pred, "counts": count_dicts(t)} for t, pred in zip(texts, preds)]
