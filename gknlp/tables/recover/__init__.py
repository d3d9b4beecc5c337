"""Recover table cells that a layout damaged: cells a crawler ran together
(`行政规范性文件693665`), and cells a conversion lost.

A scraper turns `<td>6</td><td>93</td><td>665</td>` into `693665`: the cell boundaries are
gone, and usually only the table's own accounting identities can put them back.

- `runs`: the pieces of a row's run and every way to cut them into its cells;
- `score`: combinations of the rows' readings scored against the identities;
- `solve`: one table's readings kept where the identities agree (`solve_requests`, …);
- `apply`: the outcome written into the table (certain cells; the rest null and listed);
- `settle`: lost values placed, and cells derived, where the identities determine them.

A cell is reported only when every surviving reading gives it the same value; otherwise it
is null and its candidates are listed (`TableResult.ambiguous`): a guess is never a fact.
`recover_tables` is what the pipeline calls.
"""

from __future__ import annotations

from gknlp.tables.parse import TableResult
from gknlp.tables.recover.apply import apply_solution
from gknlp.tables.recover.runs import (
    MAX_SPLITS,
    MAX_STEPS,
    Split,
    cell_ok,
    is_flattened,
    split_run,
    value_run,
)
from gknlp.tables.recover.score import MAX_COMBOS, RowSolution, Status
from gknlp.tables.recover.settle import settle_table
from gknlp.tables.recover.solve import (
    TableSolution,
    cross_year_constraints,
    solve_appeals,
    solve_proactive,
    solve_requests,
)

__all__ = [
    "MAX_COMBOS",
    "MAX_SPLITS",
    "MAX_STEPS",
    "RowSolution",
    "Split",
    "Status",
    "TableSolution",
    "apply_solution",
    "cell_ok",
    "cross_year_constraints",
    "is_flattened",
    "recover_tables",
    "settle_table",
    "solve_appeals",
    "solve_proactive",
    "solve_requests",
    "split_run",
    "value_run",
]


def _targets(table: TableResult) -> list[str] | None:
    """All rows of a flattened table (None); otherwise only the rows the parser could not fit."""
    if not table.found:
        return []
    return None if is_flattened(table) else list(table.unresolved)


def recover_tables(proactive: TableResult, requests: TableResult, appeals: TableResult) -> None:
    """Split run-together cells of the three tables, then settle lost cells (in place)."""
    t = _targets(proactive)
    if t is None or t:
        apply_solution(proactive, solve_proactive(proactive, t))
    t = _targets(requests)
    if t is None or t:
        apply_solution(requests, solve_requests(requests, t))
    t = _targets(appeals)
    if (t is None or t) and "appeals" in appeals.row_texts:
        solution = solve_appeals(appeals)
        if solution.rows:
            apply_solution(appeals, solution, run_key="appeals")
    settle_table(proactive)
    settle_table(requests)
    settle_table(appeals)
    if requests.found and "total" not in requests.columns:
        for cells in requests.rows.values():   # rows rewritten here keep the contract's null total
            cells.setdefault("total", None)
