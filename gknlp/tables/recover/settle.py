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

import copy
import functools
import itertools

from gknlp.tables.cells import Cell, derived_cell, parse_cell
from gknlp.tables.identities import Identity, appeals_identities, requests_identities
from gknlp.tables.parse import Provenance, TableResult

__all__ = ["MAX_PLACEMENTS", "settle_table"]

MAX_PLACEMENTS = 500
"""Placements of one lost row tried against the identities."""

Key = tuple[str, str]


def _identities(table: TableResult) -> tuple[Identity, ...]:
    if not table.found:
        return ()
    if table.key == "requests":
        return requests_identities(table.template or "2019", table.columns, tuple(table.rows))
    if table.key == "appeals":
        return appeals_identities()
    return ()


class _Cells:
    """The table's cells as the identities read them: a whole number >= 0, None when unknown
    (null, so a value may be placed or derived), or BLOCK (printed but not a count: a
    placeholder, a blank cell, a decimal), which makes its identities unusable."""

    BLOCK = object()

    def __init__(self, table: TableResult, identities: tuple[Identity, ...]) -> None:
        block = self.BLOCK
        columns = set(table.columns)
        # a row the table does not print (not found) is not settled: it may not exist there
        printed = set(table.rows) if table.key == "appeals" else set(table.row_texts)
        self.values: dict[Key, object] = {
            (row, col): (int(cell.value) if cell.natural else block) if cell is not None  # type: ignore[arg-type]
            else None if row in printed else block
            for row, cells in table.rows.items() for col, cell in cells.items() if col in columns}

    def get(self, key: Key) -> object:
        """A cell's value; BLOCK for a cell the table lacks (a row or column not printed)."""
        return self.values.get(key, self.BLOCK)

    def side(self, cells: tuple[Key, ...], extra: dict[Key, int]) -> tuple[int, list[Key]] | None:
        """(sum of the known cells, the unknown ones); None when a cell blocks."""
        total, unknown = 0, []
        for key in cells:
            v = extra[key] if key in extra else self.values.get(key, self.BLOCK)
            if v is self.BLOCK:
                return None
            if v is None:
                unknown.append(key)
            else:
                total += v   # type: ignore[operator]
        return total, unknown


def _fits(cells: _Cells, identities: tuple[Identity, ...], extra: dict[Key, int]) -> bool:
    """No identity is broken by the known cells (unknown cells free counts >= 0)."""
    values = {**cells.values, **extra} if extra else cells.values
    block = cells.BLOCK
    for ident in identities:
        sums, open_ = [0, 0], [False, False]
        for side, keys in enumerate((ident.lhs, ident.rhs)):
            for key in keys:
                v = values.get(key, block)
                if v is None:
                    open_[side] = True
                elif v is block:
                    break
                else:
                    sums[side] += v   # type: ignore[operator]
            else:
                continue
            break   # a cell blocks: the identity cannot be read
        else:
            a, b = sums
            if (not open_[0] and not open_[1] and a != b) or (not open_[0] and b > a) or (not open_[1] and a > b):
                return False
    return True


def _unplace(table: TableResult) -> bool:
    """Undo the grid's placement of short rows (their cells null again); whether there was any."""
    placed = [(key, lost) for key, lost in table.lost.items() if lost.placed]
    for key, lost in placed:
        for row, col in lost.cells:
            table.rows[row][col] = None
            table.provenance[f"{row}.{col}"] = Provenance.AMBIGUOUS
        table.lost[key] = lost._replace(placed=False)
    return bool(placed)


def _place(table: TableResult, cells: _Cells, identities: tuple[Identity, ...]) -> set[Key]:
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
        touching = tuple(i for i in identities if mine.intersection(i.cells))
        agreed: dict[Key, set] = {}
        fitting = 0
        for tried, chosen in enumerate(itertools.combinations(range(n), k)):
            if tried >= MAX_PLACEMENTS:
                return rows
            extra = {lost.cells[i]: int(v.value) for i, v in zip(chosen, values)}   # type: ignore[arg-type]
            if not _fits(cells, touching, extra):
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
                cells.values[(row, col)] = value
                placed += 1
                rows.add((row, col))
    return rows


def _placed_cell(lost, values: list[Cell], value: int) -> Cell:
    for v in values:
        if v.value == value:
            return v
    return derived_cell(value)


def _derive(cells: _Cells, identities: tuple[Identity, ...]) -> dict[Key, tuple[int, Identity]]:
    """Cells the identities settle, to a fixed point: (value, the identity that gave it)."""
    values = dict(cells.values)
    block = cells.BLOCK
    usable = [i for i in identities if all(values.get(k, block) is not block for k in i.cells)
              and any(values.get(k, block) is None for k in i.cells)]
    found: dict[Key, tuple[int, Identity]] = {}
    changed = True
    while changed and usable:
        changed = False
        for ident in usable:
            a, ua = _side(values, ident.lhs)
            b, ub = _side(values, ident.rhs)
            if bool(ua) == bool(ub):
                continue   # nothing unknown, or unknowns on both sides
            need, unknown = (b - a, ua) if ua else (a - b, ub)
            if need < 0:
                return {}   # the known cells contradict the identity: settle nothing
            if len(set(unknown)) == 1:
                settled = {unknown[0]: need}
            elif need == 0:
                settled = dict.fromkeys(unknown, 0)
            else:
                continue
            for key, v in settled.items():
                values[key] = v
                found[key] = (v, ident)
            changed = True
        usable = [i for i in usable if any(values.get(k) is None for k in i.cells)]
    return found


def _side(values: dict[Key, object], cells: tuple[Key, ...]) -> tuple[int, list[Key]]:
    """(sum of the known cells, the unknown ones); the identity is known not to block."""
    total, unknown = 0, []
    for key in cells:
        v = values.get(key)
        if v is None:
            unknown.append(key)
        else:
            total += v   # type: ignore[operator]
    return total, unknown


def _settle(table: TableResult, identities: tuple[Identity, ...], place: bool) -> tuple[set[Key], set[Key]]:
    """Place (when `place`) and derive. Returns the cells placed by the layout alone or by a
    placement, and the cells derived."""
    placed = {(row, col) for lost in table.lost.values() if lost.placed for row, col in lost.cells
              if table.rows[row][col] is not None}
    cells = _Cells(table, identities)
    if not _fits(cells, identities, {}):
        return placed, set()   # the printed cells break an identity: no sum here can be trusted
    if place and table.lost:
        placed |= _place(table, cells, identities)
    found = _derive(cells, identities)
    if not found:
        return placed, set()
    extra = {k: v for k, (v, _) in found.items()}
    if not _fits(cells, identities, extra) or not _printed_agree(table, cells, extra):
        return placed, set()
    for (row, col), (value, ident) in found.items():
        table.rows[row][col] = derived_cell(value)
        table.derived[f"{row}.{col}"] = f"{ident.rule} {ident.where}"
        table.provenance[f"{row}.{col}"] = Provenance.DERIVED
        table.ambiguous.pop(f"{row}.{col}", None)
    return placed, set(found)


def _printed_agree(table: TableResult, cells: _Cells, extra: dict[Key, int]) -> bool:
    """Every lost row made whole by the derivation still reads as printed: its printed values,
    in order, are its cells with some left out (lost) or neighbours run together. Otherwise
    the table breaks an identity where it cannot be seen (a row's printed 总计 that does not
    add up), and nothing derived from the identities is safe."""
    for lost in table.lost.values():
        row = [extra.get(k, cells.values.get(k)) for k in lost.cells]
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
    return fit(0, 0)


def _verified(table: TableResult, identities: tuple[Identity, ...], placed: set[Key], derived: set[Key]) -> bool:
    """Every cell placed by the layout alone (a grid's columns, the first of extra values) or by
    a placement is confirmed: no identity reading its row is broken or left open, and some
    identity reading the cell is fully known, holds, and reads no derived cell (a cell derived
    from an identity cannot confirm through it)."""
    if not placed:
        return True
    rows = {row for row, _ in placed}
    cells = _Cells(table, identities)
    confirmed: set[Key] = set()
    for ident in identities:
        if not rows.intersection(row for row, _ in ident.cells):
            continue
        lhs, rhs = cells.side(ident.lhs, {}), cells.side(ident.rhs, {})
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
    printed = set(table.rows) if table.key == "appeals" else set(table.row_texts)
    if not table.lost and all(cell is not None or f"{row}.{col}" in table.ambiguous
                              for row, cells in table.rows.items() if row in printed
                              for col, cell in cells.items() if col in table.columns):
        return   # every printed cell read, or left open by the recovery's identities: nothing to settle
    identities = _identities(table)
    if not identities:
        return
    saved = copy.deepcopy((table.rows, table.provenance, table.derived, table.ambiguous, table.lost)) \
        if table.lost else None
    # In a layout read from the page's geometry (PDF ruling lines, Word table marks, OCR boxes
    # in ruled cells) each tab is a printed cell: a blank cell is proven blank, so the grid's
    # placement of a short row needs no confirmation by the identities.
    proven = ({(r, c) for lost in table.lost.values() if lost.placed for r, c in lost.cells}
              if table.layout in GEOMETRY_LAYOUTS else set())
    placed, derived = _settle(table, identities, place=True)
    if saved is not None and not _verified(table, identities, placed - proven, derived):
        table.rows, table.provenance, table.derived, table.ambiguous, table.lost = saved
        _unplace(table)
        _settle(table, identities, place=False)
    for key in [k for k, lost in table.lost.items()
                if all(table.rows[r][c] is not None for r, c in lost.cells)]:
        del table.lost[key]
