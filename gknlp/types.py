"""The output types of gknlp and their JSON form (the public contract, see the JSON Schema)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, overload

__all__ = ["Report", "ReportWarning", "Where", "to_json_number", "PARAGRAPH_ANNOTATIONS"]


@overload
def to_json_number(value: Decimal) -> int | float: ...
@overload
def to_json_number(value: None) -> None: ...


def to_json_number(value: Decimal | None) -> int | float | None:
    """Decimal → int when integral (exact), else float; the one JSON form of every figure
    (table cells, check sums, counts). The printed text is kept beside it where it matters."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


@dataclass(frozen=True, slots=True)
class Where:
    """Where a warning points: a table cell or row, a section, or a span of the normalised text."""

    table: str | None = None
    row: str | None = None
    column: str | None = None
    section: str | None = None
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True, slots=True)
class ReportWarning:
    """A warning as a value: code it by ``code`` and ``where``, never by its message text."""

    code: str
    message: str
    raw: str | None = None
    where: Where | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "raw": self.raw}


def _warning_dict(w: ReportWarning | dict[str, Any]) -> dict[str, Any]:
    return w.to_dict() if isinstance(w, ReportWarning) else w


#: A paragraph's annotation keys, null when their step did not run (or, for themes, outside
#: the themed sections).
PARAGRAPH_ANNOTATIONS = ("themes", "scores", "kind", "counts")


def _paragraph_dict(p: dict[str, Any]) -> dict[str, Any]:
    """The paragraph with its annotation keys last, in one order, null when not set (a copy as
    it is when they are last already: the themes and counts steps leave them so)."""
    if tuple(p)[-len(PARAGRAPH_ANNOTATIONS):] == PARAGRAPH_ANNOTATIONS:
        return p.copy()
    return {**{k: v for k, v in p.items() if k not in PARAGRAPH_ANNOTATIONS},
            **{k: p.get(k) for k in PARAGRAPH_ANNOTATIONS}}


@dataclass
class Report:
    """Everything extracted from one report file; `to_dict()` is the JSON document."""

    source: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)
    sections: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Any] = field(default_factory=dict)
    table_info: dict[str, Any] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)
    paragraphs: list[dict[str, Any]] = field(default_factory=list)
    counts: list[dict[str, Any]] | None = None  # None until the counts step runs (null in the JSON)
    warnings: list[ReportWarning | dict[str, Any]] = field(default_factory=list)  # ReportWarning (dicts from older code)
    error: dict[str, str] | None = None
    versions: dict[str, Any] = field(default_factory=dict)
    text: str | None = field(default=None, repr=False)
    table_results: tuple = field(default=(), repr=False)  # the TableResult objects, for audit and benches

    @property
    def ok(self) -> bool:
        return self.error is None

    def failed_checks(self) -> list[dict[str, Any]]:
        return [c for c in self.checks if c["status"] == "fail"]

    def to_dict(self, with_text: bool = False) -> dict[str, Any]:
        """The JSON document. Keys are stable: a step that did not run leaves its keys null
        (``--no-themes``: ``model_version`` and every paragraph's ``themes``/``scores``/``kind``;
        ``--no-counts``: ``counts`` and every paragraph's ``counts``), never absent.
        ``with_text`` adds ``text``, the normalised text every ``start``/``end`` indexes."""
        versions = {"gknlp_version": self.versions.get("gknlp_version"),
                    "model_version": self.versions.get("model_version")}
        if self.error is not None:
            return {"source": self.source, **versions, "error": self.error,
                    "warnings": [_warning_dict(w) for w in self.warnings]}
        out = {
            "source": self.source,
            **versions,
            "meta": self.meta,
            "sections": self.sections,
            "tables": self.tables,
            "table_info": self.table_info,
            "checks": self.checks,
            "paragraphs": [_paragraph_dict(p) for p in self.paragraphs],
            "counts": self.counts,
            "warnings": [_warning_dict(w) for w in self.warnings],
        }
        if with_text:
            out["text"] = self.text
        return out
