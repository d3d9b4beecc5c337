"""Paragraph annotators (themes, problem/measure kind, counts) and `tag` for free texts.

The pipeline calls annotators on a finished Report; each loads its model or data
once per process, lazily.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Callable, Sequence

from gknlp.types import Report

__all__ = ["ThemesAnnotator", "annotate_counts", "annotate_reports", "tag", "default_annotators",
           "THEMED_SECTIONS", "Annotator"]

#: The sections whose paragraphs get themes (the issue's narrative sections). Paragraphs of
#: ``other`` (fees, notes, and on web pages the footer links) keep their text and counts but
#: get ``themes``/``scores`` = None, so they do not dilute theme prevalence.
THEMED_SECTIONS = ("overall", "problems")

Annotator = Callable[[Report], None]


def _paragraph_input(p: dict[str, Any]) -> str:
    return p["text"]


class ThemesAnnotator:
    """Adds `themes`, `scores` (and `kind` in the problems section) to each paragraph."""

    def __init__(self, model_path: str | Path | None = None) -> None:
        self.model_path = str(model_path) if model_path else None

    @property
    def model(self):
        return load_theme_model(self.model_path)

    def __call__(self, report: Report) -> None:
        self.annotate_many([report])

    def annotate_many(self, reports: Sequence[Report]) -> None:
        """All themed paragraphs of several reports in one call of the model: a batch worker
        passes a chunk of reports, which spends far less per report on the scorer's fixed
        costs than one call each. A paragraph's scores do not depend on the others scored
        with it (tests/test_scale.py checks a chunk against report by report)."""
        from gknlp.themes.features import normalize_text
        from gknlp.themes.kind import paragraph_kind

        try:
            model = self.model
        except FileNotFoundError as exc:
            for report in reports:
                report.warnings.append({"code": "no_theme_model", "message": str(exc), "raw": None})
            return
        version = model.meta.get("name") or model.meta.get("model_sha256", "")[:12]
        themed = []
        for report in reports:
            report.versions["model_version"] = version
            for p in report.paragraphs:
                p["themes"] = p["scores"] = p["kind"] = None
                if p["section"] in THEMED_SECTIONS:
                    themed.append(p)
        if not themed:
            return
        # normalised once for both the model and the problem/measure rule
        texts = [normalize_text(_paragraph_input(p)) for p in themed]
        for p, text, pred in zip(themed, texts, model.predict(texts, normalized=True)):
            p["themes"] = pred["themes"]
            p["scores"] = pred["scores"]
            if p["section"] == "problems":
                p["kind"] = paragraph_kind(text, normalized=True)


def annotate_reports(annotators: Sequence[Annotator], reports: Sequence[Report]) -> None:
    """Run each annotator over the reports: at once when it has ``annotate_many``, else one
    report at a time. The result is the same as annotating every report on its own."""
    for annotate in annotators:
        many = getattr(annotate, "annotate_many", None)
        if many is not None:
            many(reports)
        else:
            for report in reports:
                annotate(report)


@cache
def load_theme_model(path: str | None):
    from gknlp.themes.model import load_model

    return load_model(path)


def count_dicts(text: str) -> list[dict[str, Any]]:
    """The counts of one paragraph, offsets into that paragraph's text."""
    from gknlp.counts.grammar import count_dicts as paragraph_counts

    return paragraph_counts(text)


def annotate_counts(report: Report) -> None:
    """Counts per paragraph, and all of them in `report.counts`; every offset indexes the
    report's normalised text (CONTRACT.md: one offset convention), in both places."""
    all_counts: list[dict[str, Any]] = []
    for p in report.paragraphs:
        shift = p["start"]
        local = [{**c, "start": c["start"] + shift, "end": c["end"] + shift} for c in count_dicts(p["text"])]
        p["counts"] = local
        all_counts.extend({**c, "paragraph": p["id"]} for c in local)
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
    preds = load_theme_model(str(model) if model else None).predict(list(texts))
    return [{**pred, "counts": count_dicts(t)} for t, pred in zip(texts, preds)]
