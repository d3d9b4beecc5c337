"""Settling lost cells with the identities: place printed values whose columns the layout
lost, and derive cells that the identities determine exactly.

A row printed with fewer values than cells (a cell lost in conversion) is null and flagged
by the parser. Here each way of placing its values in order is tried against the table's
identities (any cell still unknown taken as a free count >= 0); a cell is placed only when
every placement that fits gives it the same value. Then an identity with one unknown cell
settles it, and an identity whose unknowns must sum to 0 settles them all to 0 (counts are
never negative). Nothing is settled in a table whose printed cells break an identity, and a
settlement that would break one is undone: a derived value is exact or absent.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Collection, Sequence

from gknlp.tables.cells import Cell, derived_cell, parse_cell
from gknlp.tables.identities import Identity, IdentityPlan, appeals_plan, requests_plan
from gknlp.tables.parse import Provenance, TableResult

__all__ = ["MAX_PLACEMENTS", "settle_table"]

MAX_PLACEMENTS = 500
"""Placements of one lost row tried against the identities."""

Key = tuple[str, str]
_BLOCK = object()
"""A cell printed but not a count (a placeholder, a blank cell, a decimal) or not in the table:
its identities are unusable."""


def _plan(table: TableResult) -> IdentityPlan | None:
    if not table.found:
        return None
    if table.key == "requests":
        return requests_plan(table.template or "2019", table.columns, tuple(table.rows))
    if table.key == "appeals":
        return appeals_plan()
    return None


class _Cells:
    """The cells the identities read (``plan.cells``), as they read them: a whole number >= 0,
    None when unknown (null, so a value may be placed or derived), or ``_BLOCK``."""

    def __init__(self, table: TableResult, plan: IdentityPlan) -> None:
        self.plan = plan
        self._rows = table.rows
        self._columns = set(table.columns)
        # a row the table does not print (not found) is not settled: it may not exist there
        self._printed = _printed_rows(table)
        self.values: list[object] = [self._read(row, col) for row, col in plan.cells]

    def _read(self, row: str, col: str) -> object:
        row_cells = self._rows.get(row) if col in self._columns else None
        if row_cells is None or col not in row_cells:
            return _BLOCK   # a row or column the table lacks
        cell = row_cells[col]
        if cell is None:
            return None if row in self._printed else _BLOCK
        return cell.exact if cell.natural else _BLOCK

    def get(self, key: Key) -> object:
        """Any cell's value as the identities would read it (its current value where they do)."""
        at = self.plan.positions.get(key)
        return self._read(*key) if at is None else self.values[at]

    def set(self, key: Key, value: int) -> None:
        at = self.plan.positions.get(key)
        if at is not None:
            self.values[at] = value

    def with_extra(self, extra: dict[Key, int]) -> list[object]:
        """The values with the cells of `extra` known."""
        values = list(self.values)
        for key, value in extra.items():
            at = self.plan.positions.get(key)
            if at is not None:
                values[at] = value
        return values


def _printed_rows(table: TableResult) -> Collection[str]:
    """The rows the table prints (a row not found there is not settled: it may not exist)."""
    return table.rows if table.key == "appeals" else table.row_texts


Sides = tuple[tuple[int, ...], tuple[int, ...]]


def _fits(values: list[object], sides: Sequence[Sides]) -> bool:
    """No identity is broken by the known cells (unknown cells free counts >= 0)."""
    return _open_identities(values, sides) is not None


def _open_identities(values: list[object], sides: Sequence[Sides]) -> list[int] | None:
    """None when an identity is broken by the known cells (unknown cells free counts >= 0);
    otherwise the identities (indices in `sides`) that read an unknown cell and no blocked one:
    those that may settle a cell."""
    open_: list[int] = []
    for j, (lhs, rhs) in enumerate(sides):
        a = _side(values, lhs)
        b = _side(values, rhs) if a is not None else None
        if a is None or b is None:
            continue   # a cell blocks: the identity cannot be read
        (a_sum, a_open), (b_sum, b_open) = a, b
        if (not a_open and b_sum > a_sum) or (not b_open and a_sum > b_sum):
            return None
        if a_open or b_open:
            open_.append(j)
    return open_


def _side(values: list[object], positions: tuple[int, ...]) -> tuple[int, list[int]] | None:
    """(sum of the known cells, the positions of the unknown ones); None when a cell blocks."""
    total, unknown = 0, []
    for k in positions:
        v = values[k]
        if v is None:
            unknown.append(k)
        elif v is _BLOCK:
            return None
        else:
            total += v   # type: ignore[operator]
    return total, unknown


def _unplace(table: TableResult) -> bool:
    """Undo the grid's placement of short rows (their cells null again); whether there was any."""
    placed = [(key, lost) for key, lost in table.lost.items() if lost.placed]
    for key, lost in placed:
        for row, col in lost.cells:
            table.rows[row][col] = None
            table.provenance[f"{row}.{col}"] = Provenance.AMBIGUOUS
        table.lost[key] = lost._replace(placed=False)
    return bool(placed)


def _place(table: TableResult, cells: _Cells, plan: IdentityPlan) -> set[Key]:
    """Place each lost row's values where every fitting placement agrees; the cells placed."""
    rows: set[Key] = set()
    for key, lost in list(table.lost.items()):
        if lost.placed:
            continue
        values = [parse_cell(v) for v in lost.values]
        if not values or any(not v.natural for v in values) or len(values) >= len(lost.cells):
            continue
        n, k = len(lost.cells), len(values)
        mine = set(lost.cells)
        touching = tuple(sides for ident, sides in zip(plan.identities, plan.sides)
                         if mine.intersection(ident.cells))
        agreed: dict[Key, set] = {}
        fitting = 0
        for tried, chosen in enumerate(itertools.combinations(range(n), k)):
            if tried >= MAX_PLACEMENTS:
                return rows
            extra = {lost.cells[i]: int(v.value) for i, v in zip(chosen, values)}   # type: ignore[arg-type]
            if not _fits(cells.with_extra(extra), touching):
                continue
            fitting += 1
            for i, cell in enumerate(lost.cells):
                agreed.setdefault(cell, set()).add(extra.get(cell))
        if not fitting:
            continue
        placed = 0
        for (row, col), seen in agreed.items():
            if len(seen) == 1 and None not in seen:
                value = seen.pop()
                table.rows[row][col] = _placed_cell(lost, values, value)
                table.provenance[f"{row}.{col}"] = Provenance.RECOVERED
                cells.set((row, col), value)
                placed += 1
                rows.add((row, col))
    return rows


def _placed_cell(lost, values: list[Cell], value: int) -> Cell:
    for v in values:
        if v.value == value:
            return v
    return derived_cell(value)


def _derive(cells: _Cells, plan: IdentityPlan,
            usable: list[int] | None = None) -> tuple[dict[Key, tuple[int, Identity]], list[object]]:
    """Cells the identities settle, to a fixed point: (value, the identity that gave it); and
    the values with them known (`cells.with_extra` of them).
    `usable`: the identities reading an unknown cell and no blocked one, when known."""
    values = list(cells.values)
    sides, reads = plan.sides, plan.reads
    unknown_cells = {k for k, v in enumerate(values) if v is None}
    if usable is None:
        blocked = {k for k, v in enumerate(values) if v is _BLOCK}
        usable = [j for j, read in enumerate(reads) if blocked.isdisjoint(read) and not unknown_cells.isdisjoint(read)]
    found: dict[Key, tuple[int, Identity]] = {}
    changed = True
    while changed and usable:
        changed = False
        for j in usable:
            lhs, rhs = sides[j]
            left, right = _side(values, lhs), _side(values, rhs)
            if left is None or right is None:
                continue   # (never: a usable identity reads no blocked cell)
            (a, ua), (b, ub) = left, right
            if bool(ua) == bool(ub):
                continue   # nothing unknown, or unknowns on both sides
            need, unknown = (b - a, ua) if ua else (a - b, ub)
            if need < 0:
                return {}, values   # the known cells contradict the identity: settle nothing
            if len(set(unknown)) == 1:
                settled = {unknown[0]: need}
            elif need == 0:
                settled = dict.fromkeys(unknown, 0)
            else:
                continue
            for k, v in settled.items():
                values[k] = v
                unknown_cells.discard(k)
                found[plan.cells[k]] = (v, plan.identities[j])
            changed = True
        usable = [j for j in usable if not unknown_cells.isdisjoint(reads[j])]
    return found, values


def _settle(table: TableResult, plan: IdentityPlan, place: bool) -> tuple[set[Key], set[Key]]:
    """Place (when `place`) and derive. Returns the cells placed by the layout alone or by a
    placement, and the cells derived."""
    placed = {(row, col) for lost in table.lost.values() if lost.placed for row, col in lost.cells
              if table.rows[row][col] is not None}
    cells = _Cells(table, plan)
    usable = _open_identities(cells.values, plan.sides)
    if usable is None:
        return placed, set()   # the printed cells break an identity: no sum here can be trusted
    moved = False
    if place and table.lost:
        new = _place(table, cells, plan)
        if new:
            placed |= new
            moved, usable = True, None   # (placed cells are known now: which identities are open changed)
    if not usable and not moved:
        return placed, set()   # no identity reads an unknown cell: nothing to derive
    found, values = _derive(cells, plan, usable)
    if not found:
        return placed, set()
    # An identity not in `usable` reads a blocked cell (it is not read) or no unknown one, so
    # no derived cell, and held on the same cells: only the usable ones need reading again.
    sides = plan.sides if usable is None else [plan.sides[j] for j in usable]
    if not _fits(values, sides):
        return placed, set()
    if table.lost and not _printed_agree(table, cells, {k: v for k, (v, _) in found.items()}):
        return placed, set()
    rows, derived, provenance, ambiguous = table.rows, table.derived, table.provenance, table.ambiguous
    how = Provenance.DERIVED
    for (row, col), (value, ident) in found.items():
        rows[row][col] = derived_cell(value)
        cell_key = f"{row}.{col}"
        derived[cell_key] = ident.name
        provenance[cell_key] = how
        if ambiguous:
            ambiguous.pop(cell_key, None)
    return placed, set(found)


def _printed_agree(table: TableResult, cells: _Cells, extra: dict[Key, int]) -> bool:
    """Every lost row made whole by the derivation still reads as printed: its printed values,
    in order, are its cells with some left out (lost) or neighbours run together. Otherwise
    the table breaks an identity where it cannot be seen (a row's printed 总计 that does not
    add up), and nothing derived from the identities is safe."""
    for lost in table.lost.values():
        row = [extra.get(k, cells.get(k)) for k in lost.cells]
        if any(not isinstance(v, int) for v in row):
            continue
        if not _reads_as(tuple(lost.values), tuple(str(v) for v in row)):
            return False
    return True


def _reads_as(printed: tuple[str, ...], row: tuple[str, ...]) -> bool:
    """`printed` is `row` with cells left out or run together (consecutive cells' texts joined)."""
    @functools.cache
    def fit(i: int, j: int) -> bool:
        if i == len(printed):
            return True
        if j == len(row):
            return False
        if fit(i, j + 1):   # row[j] was lost
            return True
        joined = ""
        for k in range(j, len(row)):
            joined += row[k]
            if joined == printed[i] and fit(i + 1, k + 1):
                return True
            if len(joined) >= len(printed[i]):
                break
        return False
    try:
        return fit(0, 0)
    finally:
        del fit   # it refers to itself: break the cycle (see `runs.split_run`)


def _verified(table: TableResult, plan: IdentityPlan, placed: set[Key], derived: set[Key]) -> bool:
    """Every cell placed by the layout alone (a grid's columns, the first of extra values) or by
    a placement is confirmed: no identity reading its row is broken or left open, and some
    identity reading the cell is fully known, holds, and reads no derived cell (a cell derived
    from an identity cannot confirm through it)."""
    if not placed:
        return True
    rows = {row for row, _ in placed}
    cells = _Cells(table, plan)
    confirmed: set[Key] = set()
    for ident, (lhs_at, rhs_at) in zip(plan.identities, plan.sides):
        if not rows.intersection(row for row, _ in ident.cells):
            continue
        lhs, rhs = _side(cells.values, lhs_at), _side(cells.values, rhs_at)
        if lhs is None or rhs is None:
            continue   # reads a placeholder or a row or column the table lacks: cannot tell
        (a, ua), (b, ub) = lhs, rhs
        if ua or ub or a != b:
            return False
        if not derived.intersection(ident.cells):
            confirmed.update(placed.intersection(ident.cells))
    return confirmed == placed


GEOMETRY_LAYOUTS = ("pdf_lines", "doc", "ocr")
"""Layouts whose tab-separated cells come from the page's own cells (see :func:`settle_table`)."""


def settle_table(table: TableResult) -> None:
    """Place lost values and derive the cells the identities determine (in place).

    A row placed by the layout alone or by a placement is kept only when, once settled, the
    identities confirm it; otherwise the table is settled again with those rows null (only
    derivation, which is exact)."""
    plan = _plan(table)
    if plan is None or not plan.identities:
        if table.layout not in GEOMETRY_LAYOUTS and any(lost.placed for lost in table.lost.values()):
            _unplace(table)   # no identity can confirm where the layout put them: null and flagged
        return
    printed = _printed_rows(table)
    if not table.lost and all(cell is not None or f"{row}.{col}" in table.ambiguous
                              for row, cells in table.rows.items() if row in printed
                              for col, cell in cells.items() if col in table.columns):
        return   # every printed cell read, or left open by the recovery's identities: nothing to settle
    saved = _snapshot(table) if table.lost else None
    # In a layout read from the page's geometry (PDF ruling lines, Word table marks, OCR boxes
    # in ruled cells) each tab is a printed cell: a blank cell is proven blank, so the grid's
    # placement of a short row needs no confirmation by the identities.
    proven = ({(r, c) for lost in table.lost.values() if lost.placed for r, c in lost.cells}
              if table.layout in GEOMETRY_LAYOUTS else set())
    placed, derived = _settle(table, plan, place=True)
    if saved is not None and not _verified(table, plan, placed - proven, derived):
        table.rows, table.provenance, table.derived, table.ambiguous, table.lost = saved
        _unplace(table)
        _settle(table, plan, place=False)
    for key in [k for k, lost in table.lost.items()
                if all(table.rows[r][c] is not None for r, c in lost.cells)]:
        del table.lost[key]


def _snapshot(table: TableResult) -> tuple:
    """What settling may change, copied so that it can be put back: the row dicts (cells are
    frozen, so shared), the ambiguous lists, the rest flat."""
    return ({row: dict(cells) for row, cells in table.rows.items()}, dict(table.provenance),
            dict(table.derived), {k: list(v) for k, v in table.ambiguous.items()}, dict(table.lost))
