"""Load the table templates (data files) into small frozen structures."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from gknlp.data import load_toml
from gknlp.tables.align import LabelFinder, label_finder

__all__ = [
    "AppealsTemplate",
    "ColumnSpec",
    "ProactiveTemplate",
    "RequestsTemplate",
    "RowSpec",
    "appeals_template",
    "proactive_templates",
    "requests_template",
]


@dataclass(frozen=True)
class RowSpec:
    key: str
    labels: tuple[str, ...]
    columns: tuple[str, ...] = ()
    enum: str | None = None
    templates: tuple[str, ...] = ()
    subtotal_of: tuple[str, ...] = ()
    optional: bool = field(init=False, repr=False, compare=False)
    """Subtotal rows are optional (some reports add them under a group heading)."""
    finder: LabelFinder = field(init=False, repr=False, compare=False)
    """Searches the row's labels (see `align.LabelFinder`); built once, rows are searched per report."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "optional", bool(self.subtotal_of))
        object.__setattr__(self, "finder", label_finder(self.labels, self.enum))


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    labels: tuple[str, ...]
    optional: bool = False


@dataclass(frozen=True)
class ProactiveTemplate:
    name: str
    source: str
    markers: tuple[str, ...]
    rows: tuple[RowSpec, ...]
    column_kinds: dict
    column_labels: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)
    """Column key → the labels of its line when the table is printed transposed."""
    block_headers: tuple[str, ...] = ()
    """What opens each block of the table (第二十条第（一）项, 信息内容): the table begins at the first."""
    money_columns: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    """Row key → its money columns (whose unit, 元 or 万元, is read per report)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "money_columns", {
            r.key: money for r in self.rows if (money := tuple(c for c in r.columns if self.kind(c) == "money"))})

    def kind(self, column: str) -> str:
        return self.column_kinds.get(column, "count")


@dataclass(frozen=True)
class RequestsTemplate:
    columns: tuple[ColumnSpec, ...]
    rows: tuple[RowSpec, ...]
    markers_2021: tuple[str, ...]
    header_words: tuple[str, ...] = ()
    _rows_for: dict[str, tuple[RowSpec, ...]] = field(default_factory=dict, init=False, repr=False,
                                                      compare=False, hash=False)

    def rows_for(self, template: str) -> tuple[RowSpec, ...]:
        """The rows of one template (2019 or 2021), in table order; selected once per template
        (every table 三 asks)."""
        rows = self._rows_for.get(template)
        if rows is None:
            rows = self._rows_for[template] = tuple(r for r in self.rows if not r.templates or template in r.templates)
        return rows


@dataclass(frozen=True)
class AppealsTemplate:
    blocks: tuple[str, ...]
    columns: tuple[str, ...]
    header_labels: tuple[str, ...]
    header_end: str
    header_end_count: int
    stacked_header_words: tuple[str, ...] = ()
    block_labels: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)
    column_labels: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)


def _load(name: str) -> dict:
    return load_toml("templates", name)


def _row(d: dict) -> RowSpec:
    return RowSpec(key=d["key"], labels=tuple(d["labels"]), columns=tuple(d.get("columns", ())),
                   enum=d.get("enum"), templates=tuple(d.get("templates", ())),
                   subtotal_of=tuple(d.get("subtotal_of", ())))


@cache
def proactive_templates() -> tuple[ProactiveTemplate, ...]:
    data = _load("proactive.toml")
    kinds = dict(data.get("columns", {}))
    for t in data["templates"]:   # (the transposed test searches them only up to a row's first digit)
        if any(ch.isdecimal() for labs in t.get("column_labels", {}).values() for lab in labs for ch in lab):
            raise ValueError(f"proactive.toml: template {t['name']}: a column label holds a digit")
    return tuple(ProactiveTemplate(t["name"], t["source"], tuple(t["markers"]),
                                   tuple(_row(r) for r in t["rows"]), kinds,
                                   {k: tuple(v) for k, v in t.get("column_labels", {}).items()},
                                   tuple(data.get("block_headers", ())))
                 for t in data["templates"])


@cache
def requests_template() -> RequestsTemplate:
    data = _load("requests.toml")
    return RequestsTemplate(
        columns=tuple(ColumnSpec(c["key"], tuple(c["labels"]), c.get("optional", False)) for c in data["columns"]),
        rows=tuple(_row(r) for r in data["rows"]),
        markers_2021=tuple(data["markers_2021"]),
        header_words=tuple(data.get("header_words", ())),
    )


@cache
def appeals_template() -> AppealsTemplate:
    d = _load("appeals.toml")
    return AppealsTemplate(tuple(d["blocks"]), tuple(d["columns"]), tuple(d["header_labels"]),
                           d["header_end"], d["header_end_count"], tuple(d.get("stacked_header_words", ())),
                           {k: tuple(v) for k, v in d["block_labels"].items()},
                           {k: tuple(v) for k, v in d["column_labels"].items()})
