"""Writing a solution into its table: certain cells as values, the rest null and listed.

The parser's fit warnings of the rows solved here no longer hold: they are dropped by their
code and place (`ReportWarning.where`), never by their text.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache

from gknlp.tables.cells import Cell, parse_cell
from gknlp.tables.parse import Provenance, TableResult, cell_keys
from gknlp.tables.recover.score import UNSURE_STATUSES, Status
from gknlp.tables.recover.solve import TableSolution
from gknlp.types import to_json_number

__all__ = ["FIT_CODES", "MAX_CANDIDATES_SHOWN", "apply_solution"]

MAX_CANDIDATES_SHOWN = 12
"""Candidate values listed for one ambiguous cell."""
FIT_CODES = frozenset({"run", "missing_cells", "misaligned", "extra_cells", "no_values"})
"""The parser's warnings about a row's cells not fitting its columns."""


_WAN = Decimal(10000)


def _json_value(table: TableResult, cell_key: str, raw: str) -> int | float | str | None:
    """A candidate's value as the cell `cell_key` ("row.col") would show it (元 in 万元)."""
    cell = parse_cell(raw)
    v = cell.value
    if v is None:
        return raw
    if table.money_unit.get(cell_key) == "yuan" or cell.unit == "元":
        return to_json_number(v / _WAN)
    return cell.json   # (the cell's own `to_json_number` of its value, made once)


@lru_cache(maxsize=1 << 12)
def _cells_of(raws: tuple[str, ...]) -> tuple[tuple[Cell, ...], bool]:
    """A reading's cells, and whether any is in 元; remembered (the same readings recur, rows
    of zeros above all: see `score.values_of`)."""
    cells = tuple(map(parse_cell, raws))
    return cells, any(cell.unit == "元" for cell in cells)


def _drop_fit_warnings(table: TableResult, rows: set[str]) -> None:
    table.warnings = [w for w in table.warnings
                      if not (w.code in FIT_CODES and w.where is not None and w.where.row in rows)]


_FIXED, _UNSPLIT, _GAVE_UP, _UNCONFIRMED = Status.FIXED, Status.UNSPLIT, Status.GAVE_UP, Status.UNCONFIRMED
# (statuses as module constants: an enum member looked up on its class costs more than the
# test, asked of every row solved)
_RECOVERED, _AMBIGUOUS = Provenance.RECOVERED, Provenance.AMBIGUOUS
_JSON = json.JSONEncoder(ensure_ascii=False)
"""`json.dumps(..., ensure_ascii=False)`, its encoder made once."""


def apply_solution(table: TableResult, solution: TableSolution, run_key: str | None = None) -> None:
    """Write solved rows into the table: certain cells as values, the rest null + ambiguous.

    `run_key`: the parser's key for the one run the solution's rows were cut from (table 四's
    'appeals'), whose warnings and unresolved mark stand for all of them."""
    sols = solution.rows
    solved = [key for key, sol in sols.items() if sol.status is not _FIXED]
    if not solved:
        return
    if table.warnings:
        _drop_fit_warnings(table, set(solved) | ({run_key} if run_key else set()))
    unsplit = [key for key in solved if sols[key].status is _UNSPLIT]
    if run_key is not None:
        table.unresolved = [k for k in table.unresolved if k != run_key]
        if unsplit:
            table.unresolved.append(run_key)
    elif table.unresolved or unsplit:
        resolved = set(solved).difference(unsplit)
        table.unresolved = [key for key in table.unresolved if key not in resolved]
        table.unresolved += [key for key in unsplit if key not in table.unresolved]
    table.layout = "recovered" if table.layout != "ocr" else table.layout
    provenance, money_unit, rows = table.provenance, table.money_unit, table.rows
    marked = bool(provenance)   # the parser's marks on these rows are replaced (most tables have none)
    lost = table.lost
    for key in solved:
        sol = sols[key]
        cols = solution.columns[key]
        if lost:
            lost.pop(key, None)
            if run_key is not None:
                lost.pop(run_key, None)
        if marked:
            for cell_key in cell_keys(key, cols):
                provenance.pop(cell_key, None)
        status = sol.status
        if status is _UNSPLIT:
            rows[key] = dict.fromkeys(cols)
            continue
        split = len(sol.pieces) != len(cols)   # cells cut from pieces, not one piece per cell
        if len(sol.raws) == 1 and status not in UNSURE_STATUSES:   # one reading: certain
            cells, yuan = _cells_of(sol.raws[0])
            rows[key] = dict(zip(cols, cells, strict=True))
            if split or yuan:
                keys = cell_keys(key, cols)
                for cell_key, cell in zip(keys, cells):
                    if cell.unit == "元":
                        money_unit[cell_key] = "yuan"
                if split:
                    provenance.update(dict.fromkeys(keys, _RECOVERED))
            continue
        new_row: dict[str, Cell | None] = {}
        listed = {}
        for cell_key, (col, (raw, cands)) in zip(cell_keys(key, cols), solution.cells(key).items()):
            if raw is not None:
                cell = parse_cell(raw)
                new_row[col] = cell
                if cell.unit == "元":
                    money_unit[cell_key] = "yuan"
                if split:
                    provenance[cell_key] = _RECOVERED
            else:
                new_row[col] = None
                shown = [_json_value(table, cell_key, c) for c in cands[:MAX_CANDIDATES_SHOWN]]
                table.ambiguous[cell_key] = shown
                provenance[cell_key] = _AMBIGUOUS
                listed[col] = shown
        rows[key] = new_row
        if listed:
            gave_up = status is _GAVE_UP
            code = "recovery_budget" if gave_up else "ambiguous_cells"
            what = ("too many readings to search; candidates seen" if gave_up else
                    "no reading of the run satisfies the row's own sums (a lost or misprinted cell)"
                    if status is _UNCONFIRMED else
                    "its cut satisfies the row's own sums, but no identity across rows can check it "
                    "(a run that lost a cell may fit as well)"
                    if status is Status.UNCHECKED else
                    "several readings agree with the table's identities")
            table.warn(code, f"row {key}: {what}: {_JSON.encode(listed)}", " ".join(sol.pieces), row=key)
