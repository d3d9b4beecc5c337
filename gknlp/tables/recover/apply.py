"""Writing a solution into its table: certain cells as values, the rest null and listed.

The parser's fit warnings of the rows solved here no longer hold: they are dropped by their
code and place (`ReportWarning.where`), never by their text.
"""

from __future__ import annotations

import json
from decimal import Decimal

from gknlp.tables.cells import Cell, parse_cell
from gknlp.tables.parse import Provenance, TableResult, cell_keys
from gknlp.tables.recover.score import Status
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


def _drop_fit_warnings(table: TableResult, rows: set[str]) -> None:
    table.warnings = [w for w in table.warnings
                      if not (w.code in FIT_CODES and w.where is not None and w.where.row in rows)]


def apply_solution(table: TableResult, solution: TableSolution, run_key: str | None = None) -> None:
    """Write solved rows into the table: certain cells as values, the rest null + ambiguous.

    `run_key`: the parser's key for the one run the solution's rows were cut from (table 四's
    'appeals'), whose warnings and unresolved mark stand for all of them."""
    solved = [key for key, sol in solution.rows.items() if sol.status is not Status.FIXED]
    if not solved:
        return
    _drop_fit_warnings(table, set(solved) | ({run_key} if run_key else set()))
    unsplit = [key for key in solved if solution.rows[key].status is Status.UNSPLIT]
    resolved = set(solved).difference(unsplit)
    if run_key is not None:
        table.unresolved = [k for k in table.unresolved if k != run_key]
        if unsplit:
            table.unresolved.append(run_key)
    else:
        table.unresolved = [key for key in table.unresolved if key not in resolved]
        table.unresolved += [key for key in unsplit if key not in table.unresolved]
    table.layout = "recovered" if table.layout != "ocr" else table.layout
    provenance = table.provenance
    marked = bool(provenance)   # the parser's marks on these rows are replaced (most tables have none)
    lost = table.lost
    for key in solved:
        sol = solution.rows[key]
        cols = solution.columns[key]
        if lost:
            lost.pop(key, None)
            if run_key is not None:
                lost.pop(run_key, None)
        keys = cell_keys(key, cols)
        if marked:
            for cell_key in keys:
                provenance.pop(cell_key, None)
        if sol.status is Status.UNSPLIT:
            table.rows[key] = dict.fromkeys(cols)
            continue
        split = len(sol.pieces) != len(cols)   # cells cut from pieces, not one piece per cell
        if len(sol.raws) == 1 and sol.status not in (Status.GAVE_UP, Status.UNCONFIRMED, Status.UNCHECKED):   # one reading: certain
            cells = list(map(parse_cell, sol.raws[0]))
            table.rows[key] = dict(zip(cols, cells, strict=True))
            for cell_key, cell in zip(keys, cells):
                if cell.unit == "元":
                    table.money_unit[cell_key] = "yuan"
            if split:
                provenance.update(dict.fromkeys(keys, Provenance.RECOVERED))
            continue
        new_row: dict[str, Cell | None] = {}
        listed = {}
        for cell_key, (col, (raw, cands)) in zip(keys, solution.cells(key).items()):
            if raw is not None:
                cell = parse_cell(raw)
                new_row[col] = cell
                if cell.unit == "元":
                    table.money_unit[cell_key] = "yuan"
                if split:
                    provenance[cell_key] = Provenance.RECOVERED
            else:
                new_row[col] = None
                shown = [_json_value(table, cell_key, c) for c in cands[:MAX_CANDIDATES_SHOWN]]
                table.ambiguous[cell_key] = shown
                provenance[cell_key] = Provenance.AMBIGUOUS
                listed[col] = shown
        table.rows[key] = new_row
        if listed:
            gave_up = sol.status is Status.GAVE_UP
            code = "recovery_budget" if gave_up else "ambiguous_cells"
            what = ("too many readings to search; candidates seen" if gave_up else
                    "no reading of the run satisfies the row's own sums (a lost or misprinted cell)"
                    if sol.status is Status.UNCONFIRMED else
                    "its cut satisfies the row's own sums, but no identity across rows can check it "
                    "(a run that lost a cell may fit as well)"
                    if sol.status is Status.UNCHECKED else
                    "several readings agree with the table's identities")
            table.warn(code, f"row {key}: {what}: {json.dumps(listed, ensure_ascii=False)}", " ".join(sol.pieces),
                       row=key)
