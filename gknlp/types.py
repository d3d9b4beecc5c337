"""The output types of gknlp and their JSON form (the public contract, see the JSON Schema)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = ["Report", "ReportWarning", "Where", "to_json_number"]


def to_json_number(value: Decimal | None) -> int | float | None:
    """Decimal → int when integral, else float (money keeps its printed digits)."""
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
    counts: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[ReportWarning | dict[str, Any]] = field(default_factory=list)  # dicts: older code
    error: dict[str, str] | None = None
    versions: dict[str, Any] = field(default_factory=dict)
    text: str | None = field(default=None, repr=False)
    table_results: tuple = field(default=(), repr=False)  # the TableResult objects, for audit and benches

    @property
    def ok(self) -> bool:
        return self.error is None

    def failed_checks(self) -> list[dict[str, Any]]:
        return [c for c in self.checks if c["status"] == "fail"]

    def to_dict(self) -> dict[str, Any]:
        if self.error is not None:
            return {"source": self.source, **self.versions, "error": self.error,
                    "warnings": [_warning_dict(w) for w in self.warnings]}
        return {
            "source": self.source,
            **self.versions,
            "meta": self.meta,
            "sections": self.sections,
            "tables": self.tables,
            "table_info": self.table_info,
            "checks": self.checks,
            "paragraphs": self.paragraphs,
            "counts": self.counts,
            "warnings": [_warning_dict(w) for w in self.warnings],
        }
