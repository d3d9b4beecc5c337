"""The tables' accounting identities, read once from `data/templates/identities.toml`.

Why one module: the checks report the identities, the recovery uses them to choose between
readings of run-together cells, and the settling of lost cells uses them to place values
and derive cells; all three must mean the same sums.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from operator import itemgetter

from gknlp.data import load_toml
from gknlp.tables.templates import appeals_template, requests_template

__all__ = ["Identity", "IdentityPlan", "appeals_identities", "appeals_plan", "identity_sets", "requests_identities",
           "requests_plan"]

Cell = tuple[str, str]
"""(row, column)."""


@dataclass(frozen=True, slots=True)
class Identity:
    """sum(lhs) == sum(rhs) over cells (row, column); `rule` is R1…R5, `where` says which."""

    rule: str
    where: str
    lhs: tuple[Cell, ...]
    rhs: tuple[Cell, ...]
    cells: tuple[Cell, ...] = field(init=False, repr=False, compare=False)
    """lhs + rhs (read for every identity of every table settled)."""
    name: str = field(init=False, repr=False, compare=False)
    """"rule where", as a derived cell and recovery name it."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "cells", self.lhs + self.rhs)
        object.__setattr__(self, "name", f"{self.rule} {self.where}")


@cache
def _data() -> dict:
    return load_toml("templates", "identities.toml")


def identity_sets() -> dict:
    """The named sets (applicants, organisations, outcomes per template, …)."""
    return _data()["sets"]


def _names(value: str | list[str], template: str) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(value)
    named = identity_sets()[value]
    return tuple(named[template] if isinstance(named, dict) else named)


@lru_cache(maxsize=256)
def requests_identities(template: str, columns: tuple[str, ...], rows: tuple[str, ...]) -> tuple[Identity, ...]:
    """Table 三's identities for a table of this template with these columns and rows (in the
    table's order); memoised per shape (reports share a few)."""
    out: list[Identity] = []
    for r in _data()["rules"]:
        if r["table"] != "requests" or (r.get("when_column") and r["when_column"] not in columns):
            continue
        rule, where, each = r["rule"], r["where"], r["each"]
        if each == "column":
            lhs_rows, rhs_rows = _names(r["lhs"], template), _names(r["rhs"], template)
            out += [Identity(rule, where.format(column=c), tuple((x, c) for x in lhs_rows),
                             tuple((x, c) for x in rhs_rows)) for c in _names(r["columns"], template)]
        elif each == "row":
            lhs_cols, rhs_cols = _names(r["lhs"], template), _names(r["rhs"], template)
            out += [Identity(rule, where.format(row=row), tuple((row, c) for c in lhs_cols),
                             tuple((row, c) for c in rhs_cols)) for row in rows]
        elif each == "subtotal":
            for spec in requests_template().rows_for(template):
                if spec.subtotal_of and spec.key in rows:
                    out += [Identity(rule, where.format(row=spec.key, column=c), ((spec.key, c),),
                                     tuple((x, c) for x in spec.subtotal_of)) for c in columns]
        else:
            raise ValueError(f"identities.toml: unknown `each` {each!r} for table requests")
    return tuple(out)


@cache
def appeals_identities() -> tuple[Identity, ...]:
    """Table 四's identity (R5) for each block."""
    out: list[Identity] = []
    for r in _data()["rules"]:
        if r["table"] != "appeals":
            continue
        lhs, rhs = _names(r["lhs"], ""), _names(r["rhs"], "")
        out += [Identity(r["rule"], r["where"].format(row=b), tuple((b, c) for c in lhs),
                         tuple((b, c) for c in rhs)) for b in appeals_template().blocks]
    return tuple(out)


@dataclass(frozen=True, slots=True)
class IdentityPlan:
    """A table shape's identities over one flat tuple of cells: each side as positions in
    `cells`. Why: a table's cells are then looked up once, into a list, and every identity
    sums list items, instead of looking each of its cells up by (row, column) again."""

    identities: tuple[Identity, ...]
    cells: tuple[Cell, ...]
    """Every cell an identity reads, each once, in the order they are first read."""
    sides: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]
    """Per identity: the positions of its lhs cells and of its rhs cells."""
    reads: tuple[tuple[int, ...], ...]
    """Per identity: the positions of all its cells (lhs then rhs)."""
    positions: dict[Cell, int] = field(compare=False, hash=False)
    """cell -> its position in `cells`."""
    readers: tuple[tuple[str, str, SideReader, SideReader], ...] = field(compare=False, hash=False)
    """Per identity: its rule, its where, and what reads its lhs and its rhs values out of the
    flat list as one sequence each. Why: a report's checks read about eighty identities, and
    one C-level item getter per side replaces a list comprehension per side."""

    @classmethod
    def of(cls, identities: tuple[Identity, ...]) -> "IdentityPlan":
        at: dict[Cell, int] = {}
        for ident in identities:
            for cell in ident.cells:
                at.setdefault(cell, len(at))
        sides = tuple((tuple(at[c] for c in i.lhs), tuple(at[c] for c in i.rhs)) for i in identities)
        readers = tuple((i.rule, i.where, _side_reader(lhs), _side_reader(rhs)) for i, (lhs, rhs) in zip(identities, sides))
        return cls(identities, tuple(at), sides, tuple(lhs + rhs for lhs, rhs in sides), at, readers)


SideReader = Callable[[Sequence], Sequence]
"""Reads one side's values, in order, out of a table's flat list of values."""


def _side_reader(positions: tuple[int, ...]) -> SideReader:
    """`itemgetter` of the positions; a side of one cell (or none) as a slice, since an
    itemgetter of one position gives the item itself, not a sequence of it."""
    if len(positions) > 1:
        return itemgetter(*positions)
    return itemgetter(slice(positions[0], positions[0] + 1) if positions else slice(0, 0))


@lru_cache(maxsize=256)
def requests_plan(template: str, columns: tuple[str, ...], rows: tuple[str, ...]) -> IdentityPlan:
    """:func:`requests_identities` as an :class:`IdentityPlan` (memoised per shape, as they are)."""
    return IdentityPlan.of(requests_identities(template, columns, rows))


@cache
def appeals_plan() -> IdentityPlan:
    return IdentityPlan.of(appeals_identities())
