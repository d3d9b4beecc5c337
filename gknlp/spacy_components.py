"""spaCy pipeline components for gknlp: the only module that registers with spaCy.

The components are thin wrappers: the work is done by pure functions elsewhere
(``gknlp.counts.find_counts``), which run on the raw characters of ``doc.text`` and
are aligned back to tokens with ``char_span(..., alignment_mode="expand")``.

Factories are declared both through the ``spacy_factories`` entry point in
``pyproject.toml`` (so ``spacy.blank("zh").add_pipe("gknlp_counts")`` works without
importing gknlp) and through ``Language.factory`` when this module is imported.
"""

from __future__ import annotations

from typing import Any, Callable

from spacy.language import Language
from spacy.tokens import Doc, Span

from gknlp.counts.grammar import find_counts

__all__ = ["CountsComponent", "make_counts_component", "make_themes_component", "COUNT_ATTRS", "COUNTS_SPAN_KEY"]

COUNTS_SPAN_KEY = "counts"
"""``doc.spans`` key written by ``gknlp_counts``."""

COUNT_ATTRS: tuple[str, ...] = (
    "value",
    "value_max",
    "value_text",
    "approx",
    "qualifier",
    "delta",
    "unit",
    "counted",
    "category",
    "count_text",
    "count_start",
    "count_end",
)
"""Span extensions set on each count span (prefix ``gknlp_``); all JSON-serialisable.

``count_start``/``count_end`` are the exact character offsets of the count, since the
span itself is expanded to token boundaries.
"""


def _ensure_extensions() -> None:
    """Register the Span extensions once (idempotent; never overwrite others' ones)."""
    for attr in COUNT_ATTRS:
        name = f"gknlp_{attr}"
        if not Span.has_extension(name):
            Span.set_extension(name, default=None)


class CountsComponent:
    """Writes ``doc.spans["counts"]`` from :func:`gknlp.counts.find_counts`."""

    def __init__(self, nlp: Language, name: str, span_key: str = COUNTS_SPAN_KEY) -> None:
        self.name = name
        self.span_key = span_key
        _ensure_extensions()

    def __call__(self, doc: Doc) -> Doc:
        spans: list[Span] = []
        for count in find_counts(doc.text):
            span = doc.char_span(count.start, count.end, label=count.category, alignment_mode="expand")
            if span is None:
                continue
            data = count.to_dict()
            for attr in COUNT_ATTRS:
                key = {"count_text": "text", "count_start": "start", "count_end": "end"}.get(attr, attr)
                span._.set(f"gknlp_{attr}", data[key])
            spans.append(span)
        doc.spans[self.span_key] = spans
        return doc

    # The component has no state; these keep nlp.to_disk/from_disk working.
    def to_disk(self, path: Any, *, exclude: Any = ()) -> None:  # noqa: D102
        return None

    def from_disk(self, path: Any, *, exclude: Any = ()) -> "CountsComponent":  # noqa: D102
        return self


def make_counts_component(nlp: Language, name: str, span_key: str = COUNTS_SPAN_KEY) -> CountsComponent:
    """Factory for ``gknlp_counts`` (entry point target; keep this name)."""
    return CountsComponent(nlp, name, span_key=span_key)


def _register(factory_name: str, func: Callable[..., Any], default_config: dict[str, Any]) -> None:
    """Register with ``Language.factory`` unless the entry point already did."""
    if not Language.has_factory(factory_name):
        Language.factory(factory_name, default_config=default_config)(func)


_register("gknlp_counts", make_counts_component, {"span_key": COUNTS_SPAN_KEY})


# --------------------------------------------------------------------------- themes


class ThemesComponent:
    """Writes the theme scores of the whole Doc (one paragraph) to ``doc.cats``.

    ``doc._.gknlp_themes`` holds the labels over their per-label thresholds. The model
    (``model`` path, default the bundled one) is loaded once, lazily, on first use.
    """

    def __init__(self, nlp: Language, name: str, model: str | None = None) -> None:
        self.name = name
        self.model_path = model or None
        if not Doc.has_extension("gknlp_themes"):
            Doc.set_extension("gknlp_themes", default=None)

    def __call__(self, doc: Doc) -> Doc:
        from gknlp.pipeline import load_theme_model

        pred = load_theme_model(self.model_path).predict([doc.text])[0]
        doc.cats = dict(pred["scores"])
        doc._.gknlp_themes = list(pred["themes"])
        return doc

    def to_disk(self, path: Any, *, exclude: Any = ()) -> None:  # noqa: D102
        return None

    def from_disk(self, path: Any, *, exclude: Any = ()) -> "ThemesComponent":  # noqa: D102
        return self


def make_themes_component(nlp: Language, name: str, model: str | None = None) -> ThemesComponent:
    """Factory for ``gknlp_themes`` (entry point target; keep this name)."""
    return ThemesComponent(nlp, name, model=model)


_register("gknlp_themes", make_themes_component, {"model": None})
