"""One table cell's printed text → a value, keeping the raw text and any note.

The grammar (units, signs and change words, placeholders) is data:
`data/templates/cells.toml`, read here once and shared with the recovery (`GRAMMAR`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from gknlp.data import load_toml
from gknlp.types import to_json_number

__all__ = ["GRAMMAR", "PLACEHOLDER", "Cell", "CellGrammar", "derived_cell", "is_value_token", "parse_cell"]


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class CellGrammar:
    """The cell grammar as regex pieces (each a non-capturing alternation)."""

    units: tuple[str, ...]
    money_units: tuple[str, ...]
    plus: tuple[str, ...]
    minus: tuple[str, ...]
    placeholder_chars: str
    placeholder_words: tuple[str, ...]
    run_placeholder_chars: str

    @property
    def unit(self) -> str:
        """Any unit."""
        return f"(?:{_alternation(list(self.units))})"

    @property
    def count_unit(self) -> str:
        """A unit of a count (not money)."""
        return f"(?:{_alternation([u for u in self.units if u not in self.money_units])})"

    @property
    def money_unit(self) -> str:
        return f"(?:{_alternation(list(self.money_units))})"

    @property
    def sign(self) -> str:
        """A sign or change word (增, 减少, −…)."""
        return f"(?:{_alternation(list(self.plus + self.minus))})"

    @property
    def sign_chars(self) -> str:
        """The one-character signs, for a character class."""
        return "".join(re.escape(s) for s in self.plus + self.minus if len(s) == 1)

    def is_minus(self, sign: str | None) -> bool:
        return sign in self.minus


def _load() -> CellGrammar:
    d = load_toml("templates", "cells.toml")
    return CellGrammar(tuple(d["units"]), tuple(d["money_units"]), tuple(d["plus"]), tuple(d["minus"]),
                       d["placeholder_chars"], tuple(d["placeholder_words"]),
                       d["run_placeholder_chars"])


GRAMMAR = _load()
PLACEHOLDER = re.compile(rf"^(?:[{re.escape(GRAMMAR.placeholder_chars)}]+|{_alternation(list(GRAMMAR.placeholder_words))})$")
_VALUE = re.compile(
    rf"^(?P<sign>{GRAMMAR.sign})?\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>{GRAMMAR.unit})?\s*"
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
    integral: bool = field(init=False, repr=False, compare=False)
    """A whole number (what R6 asks of counts)."""
    exact: int | Decimal | None = field(init=False, repr=False, compare=False)
    """`value` as an int when whole, else the Decimal."""
    natural: bool = field(init=False, repr=False, compare=False)
    """A whole number >= 0, which passes R6 in any column."""
    suspect: bool = field(init=False, repr=False, compare=False)
    """A value that is not a whole number >= 0: R6 looks at its column (most cells are not)."""
    json: int | float | None = field(init=False, repr=False, compare=False)
    """`value` in its JSON form (:func:`gknlp.types.to_json_number`), made once per cell."""
    shown_raw: str | None = field(init=False, repr=False, compare=False)
    """The printed text kept for audit (`table_info.raw`): set when the value alone does not
    tell how the cell was printed (a placeholder, a note, a unit, other digits)."""
    audited: bool = field(init=False, repr=False, compare=False)
    """Its printed text is kept for audit, or it was printed blank: `TableResult.views` lists it
    (a few cells a report are)."""

    def __post_init__(self) -> None:
        v = self.value
        integral = v is not None and v == v.to_integral_value()
        raw = self.raw.strip() if self.raw else ""
        differs = self.kind == "placeholder" or self.note or self.unit or (raw and raw != str(v))
        object.__setattr__(self, "integral", integral)
        object.__setattr__(self, "exact", int(v) if integral and v is not None else v)
        natural = integral and v is not None and v >= 0
        object.__setattr__(self, "natural", natural)
        object.__setattr__(self, "suspect", v is not None and not natural)
        object.__setattr__(self, "json", int(v) if integral else to_json_number(v))  # type: ignore[arg-type]
        object.__setattr__(self, "shown_raw", raw if differs and raw else None)
        object.__setattr__(self, "audited", self.shown_raw is not None or self.kind == "empty")


@lru_cache(maxsize=1 << 10)
def derived_cell(value: int) -> Cell:
    """A cell the identities settle (no printed text)."""
    return Cell("", Decimal(value), "number")


@lru_cache(maxsize=1 << 16)
def parse_cell(raw: str | None) -> Cell:
    """Parse a value cell: 0, 增3, 减少4, 1732.633648万元, 22（其中修订16件）, 2笔, /, 无, empty.

    Cached: reports repeat the same few cell strings thousands of times; cells are frozen."""
    text = (raw or "").strip().replace(",", "").replace("，", "") if raw else ""
    if not text:
        return Cell(raw or "", None, "empty")
    if PLACEHOLDER.match(text):
        return Cell(raw or "", None, "placeholder")
    m = _VALUE.match(text)
    if not m:
        return Cell(raw or "", None, "placeholder", note=text)
    try:
        value = Decimal(m["num"])
    except InvalidOperation:
        return Cell(raw or "", None, "placeholder", note=text)
    if GRAMMAR.is_minus(m["sign"]):
        value = -value
    note = m["note"][1:-1] if m["note"] else None
    return Cell(raw or "", value, "number", unit=m["unit"], note=note)


@lru_cache(maxsize=1 << 14)
def is_value_token(token: str) -> bool:
    """A token that fills a value cell (number or placeholder), as opposed to label text."""
    t = token.strip().replace(",", "")
    return bool(t) and bool(PLACEHOLDER.match(t) or _VALUE.match(t))
