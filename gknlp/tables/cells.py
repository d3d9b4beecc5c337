"""One table cell's printed text → a value, keeping the raw text and any note."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import cast

from gknlp.types import to_json_number

__all__ = ["Cell", "parse_cell", "is_value_token", "PLACEHOLDER"]

PLACEHOLDER = re.compile(r"^(?:[/／\\—–\-－―_~～·.。]+|无|不适用|空|暂无|未统计|/无)$")
_VALUE = re.compile(
    r"^(?P<sign>[增减+\-−－])?\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>万元|元|件|个|项|宗|起|次|%)?\s*"
    r"(?P<note>[(（][^()（）]*[)）])?$"
)


@dataclass(frozen=True)
class Cell:
    """A parsed cell: `value` is None for empty cells and placeholders; `raw` is as printed."""

    raw: str
    value: Decimal | None
    kind: str  # number | empty | placeholder
    unit: str | None = None
    note: str | None = None
    # Derived once here: a cell is parsed once (and cached), but read for every report's
    # JSON output and checks.
    integral: bool = field(init=False, repr=False, compare=False)
    """A whole number (what R6 asks of counts)."""
    exact: int | Decimal | None = field(init=False, repr=False, compare=False)
    """`value` as an int when whole, else the Decimal: identities sum ints much faster."""
    natural: bool = field(init=False, repr=False, compare=False)
    """A whole number >= 0, which passes R6 in any column."""
    number: int | float | None = field(init=False, repr=False, compare=False)
    """`value` in its JSON form (`to_json_number`)."""
    shown_raw: str | None = field(init=False, repr=False, compare=False)
    """The printed text kept for audit (`table_info.raw`): set when the value alone does not
    tell how the cell was printed (a placeholder, a note, a unit, other digits)."""

    def __post_init__(self) -> None:
        v = self.value
        integral = v is not None and v == v.to_integral_value()
        exact = int(v) if integral else v  # type: ignore[arg-type]  # integral: not None
        raw = self.raw.strip() if self.raw else ""
        differs = self.kind == "placeholder" or self.note or self.unit or (raw and raw != str(v))
        object.__setattr__(self, "integral", integral)
        object.__setattr__(self, "exact", exact)
        object.__setattr__(self, "natural", integral and v >= 0)  # type: ignore[operator]
        object.__setattr__(self, "number", to_json_number(v))
        object.__setattr__(self, "shown_raw", raw if differs and raw else None)


@lru_cache(maxsize=1 << 16)
def parse_cell(raw: str | None) -> Cell:
    """Parse a value cell: 0, 增3, 减4, 1732.633648万元, 22（其中修订16件）, /, 无, empty.

    Cached: reports repeat the same few cell strings thousands of times; cells are frozen."""
    text = (raw or "").strip().replace(",", "").replace("，", "") if raw else ""
    if not text:
        return Cell(raw or "", None, "empty")
    if PLACEHOLDER.match(text):
        return Cell(cast(str, raw), None, "placeholder")  # text is not empty: raw is a str
    m = _VALUE.match(text)
    raw = cast(str, raw)
    if not m:
        return Cell(raw, None, "placeholder", note=text)
    try:
        value = Decimal(m["num"])
    except InvalidOperation:
        return Cell(raw, None, "placeholder", note=text)
    if m["sign"] in ("减", "-", "−", "－"):
        value = -value
    note = m["note"][1:-1] if m["note"] else None
    return Cell(raw, value, "number", unit=m["unit"], note=note)


@lru_cache(maxsize=1 << 14)
def is_value_token(token: str) -> bool:
    """A token that fills a value cell (number or placeholder), as opposed to label text.

    Cached: a report's tokens are mostly the same few strings (0, 00, /)."""
    t = token.strip().replace(",", "")
    return bool(t) and bool(PLACEHOLDER.match(t) or _VALUE.match(t))
