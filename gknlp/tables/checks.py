"""Accounting identities (勾稽关系) of the three tables, and narrative-against-table checks.

A check is `pass`, `fail`, or `not_assessable` when any input is blank or a placeholder:
blanks are never read as zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from gknlp.tables.cells import Cell
from gknlp.tables.parse import TableResult
from gknlp.tables.templates import appeals_template, requests_template
from gknlp.types import to_json_number

__all__ = ["Check", "check_tables", "check_narrative"]

_APPLICANTS = ("natural_person", "commercial", "research", "public_interest", "legal_services", "other_org")
_ORGS = _APPLICANTS[1:]
_IN = ("new", "carried_in")
_OUT = ("total", "carried_over")


class Check(NamedTuple):
    """One identity's outcome (a tuple: some forty are built for every report)."""

    rule: str
    status: str
    expected: float | int | None
    found: float | int | None
    where: str

    def to_dict(self) -> dict:
        return {"rule": self.rule, "status": self.status, "expected": self.expected, "found": self.found,
                "where": self.where}


_ZERO = Decimal(0)


def _num(d: int | Decimal | None) -> int | float | None:
    """A sum in its JSON form (ints are already)."""
    if d is None or type(d) is int:
        return d
    return _json_number(d)


@lru_cache(maxsize=1 << 12)
def _json_number(d: Decimal) -> int | float:
    """Decimal → int when integral, else float; cached (a table's figures recur in many checks).

    Equal Decimals (3, 3.0) give the same answer, so sharing a cache entry is safe."""
    return to_json_number(d)


def _sum(values: list[Decimal | None]) -> Decimal | None:
    # Not `None in values`: comparing a Decimal with None costs an isinstance check on an ABC.
    total = _ZERO
    for v in values:
        if v is None:
            return None
        total += v
    return total


_NO_VALUES: dict[str, int | Decimal | None] = {}  # never written
_NO_CELLS: dict[str, Cell | None] = {}  # never written


def _compare(rule: str, where: str, lhs: list[Decimal | None], rhs: list[Decimal | None]) -> Check:
    expected, found = _sum(lhs), _sum(rhs)
    status = "not_assessable" if expected is None or found is None else "pass" if expected == found else "fail"
    return Check(rule, status, _num(expected), _num(found), where)


def _outcome_rows(template: str) -> list[str]:
    rows = [r.key for r in requests_template().rows_for(template) if not r.optional]
    return rows[rows.index("new") + 2: rows.index("total")]


@dataclass(frozen=True, slots=True)
class _Plan:
    """A table shape's identities, read against one flat list of its cells' values.

    Why: a report's identities read ~500 cells through nested dicts; the identities
    depend only on the table's shape (template, columns, rows), which reports share, so
    they are worked out once per shape, each cell named by its index in the flat list."""

    cells: tuple[tuple[str, tuple[str, ...]], ...]  # the values read: (row, its columns) in list order
    identities: tuple[tuple[str, str, tuple[int, ...], tuple[int, ...]], ...]  # rule, where, lhs, rhs

    @classmethod
    def of(cls, identities: list[tuple[str, str, list[tuple[str, str]], list[tuple[str, str]]]]) -> _Plan:
        """Number the cells the identities read, grouped by row (so a row is looked up once)."""
        by_row: dict[str, dict[str, None]] = {}
        for _, _, lhs, rhs in identities:
            for row, col in lhs + rhs:
                by_row.setdefault(row, {})[col] = None
        index = {cell: i for i, cell in enumerate((row, col) for row, cols in by_row.items() for col in cols)}
        numbered = tuple((rule, where, tuple(index[c] for c in lhs), tuple(index[c] for c in rhs))
                         for rule, where, lhs, rhs in identities)
        return cls(tuple((row, tuple(cols)) for row, cols in by_row.items()), numbered)

    def evaluate(self, t: TableResult) -> list[Check]:
        """The identities on table `t` (a cell the table lacks is blank)."""
        values: list[int | Decimal | None] = []
        if t.money_unit:  # a cell printed in 元 reads in 万元: take the values as grid() gives them
            grid = t.grid()
            for row, cols in self.cells:
                values.extend(map(grid.get(row, _NO_VALUES).get, cols))
        else:  # every value is its cell's own: read the cells read, not the whole grid
            for row, cols in self.cells:
                cells = t.rows.get(row, _NO_CELLS)
                values.extend([None if cell is None else cell.exact for cell in map(cells.get, cols)])
        checks = []
        for rule, where, lhs, rhs in self.identities:
            expected, found = _total(values, lhs), _total(values, rhs)
            status = ("not_assessable" if expected is None or found is None
                      else "pass" if expected == found else "fail")
            checks.append(Check(rule, status, _num(expected), _num(found), where))
        return checks


def _total(values: list[int | Decimal | None], indices: tuple[int, ...]) -> int | Decimal | None:
    """The exact sum of the indexed values; None when any is blank (blanks are never zero)."""
    total: int | Decimal = 0
    for i in indices:
        v = values[i]
        if v is None:  # not `None in values`: comparing a Decimal with None is slow (an ABC check)
            return None
        total += v
    return total


@lru_cache(maxsize=64)
def _requests_plan(template: str, columns: tuple[str, ...], rows: tuple[str, ...]) -> _Plan:
    """R1-R4 for a requests table with these columns and rows (in the table's row order)."""
    cols = list(_APPLICANTS) + ["total"]
    outcomes = _outcome_rows(template)
    ids = [("R1", f"requests.{col}: new + carried_in = total + carried_over",
            [(r, col) for r in _IN], [(r, col) for r in _OUT]) for col in cols]
    ids += [("R2", f"requests.{col}: total = sum of outcomes", [("total", col)], [(r, col) for r in outcomes])
            for col in cols]
    ids += [("R3", f"requests.{row}: total column = sum of applicant columns",
             [(row, "total")], [(row, c) for c in _APPLICANTS]) for row in rows]
    if "org_subtotal" in columns:
        ids += [("R4", f"requests.{row}: org_subtotal = sum of organisation columns",
                 [(row, "org_subtotal")], [(row, c) for c in _ORGS]) for row in rows]
    for spec in requests_template().rows_for(template):
        if spec.subtotal_of and spec.key in rows:
            ids += [("R4", f"requests.{spec.key}.{col}: subtotal = sum of its items",
                     [(spec.key, col)], [(r, col) for r in spec.subtotal_of]) for col in columns]
    return _Plan.of(ids)


def check_requests(t: TableResult) -> list[Check]:
    if not t.found:
        return []
    return _requests_plan(t.template or "2019", t.columns, tuple(t.rows)).evaluate(t)


@lru_cache(maxsize=1)
def _appeals_plan() -> _Plan:
    spec = appeals_template()
    parts = [c for c in spec.columns if c != "total"]
    return _Plan.of([("R5", f"appeals.{b}: total = upheld + corrected + other + pending",
                      [(b, "total")], [(b, c) for c in parts]) for b in spec.blocks])


def check_appeals(t: TableResult) -> list[Check]:
    if not t.found:
        return []
    return _appeals_plan().evaluate(t)


def check_types(tables: list[TableResult]) -> list[Check]:
    """R6: counts are integers >= 0; the 2019 change column may be negative; money may be decimal."""
    checks: list[Check] = []
    for t in tables:
        if not t.found:
            continue
        failed = len(checks)
        for row, cells in t.rows.items():
            for col, cell in cells.items():
                if cell is None or cell.natural or cell.value is None:
                    continue  # blank, or right in any column
                v = cell.value
                if col == "amount_wan_yuan":
                    ok = v >= 0
                elif col == "change":
                    ok = cell.integral
                else:
                    ok = False
                if not ok:
                    checks.append(Check("R6", "fail", None, _num(v), f"{t.key}.{row}.{col}"))
        if len(checks) == failed:
            checks.append(Check("R6", "pass", None, None, f"{t.key}: every count is an integer >= 0"))
    return checks


def check_tables(proactive: TableResult, requests: TableResult, appeals: TableResult) -> list[Check]:
    return check_requests(requests) + check_appeals(appeals) + check_types([proactive, requests, appeals])


# --- narrative ---------------------------------------------------------------------------

_N = r"(\d+|零)"
_SEP = r"[^。；;，,\d]"
_NARRATIVE = (
    ("narrative.requests", re.compile(
        rf"(?:收到|受理|接收|接到)(?:{_SEP}){{0,20}}?(?:政府信息公开申请|依申请公开(?:申请|件)?|信息公开申请)(?:{_SEP}){{0,6}}?{_N}\s*[件个份条宗]")),
    ("narrative.review", re.compile(rf"行政复议(?:案件|申请)?{_SEP}{{0,4}}?{_N}\s*[宗件起个]")),
    ("narrative.litigation", re.compile(rf"行政诉讼(?:案件)?{_SEP}{{0,4}}?{_N}\s*[宗件起个]")),
)


def check_narrative(text: str, spans: list[tuple[int, int]], requests: TableResult, appeals: TableResult) -> list[Check]:
    """Compare figures stated in the narrative with the same figures in the tables."""
    checks: list[Check] = []
    for start, end in spans:
        chunk = text[start:end]
        for rule, pattern in _NARRATIVE:
            for m in pattern.finditer(chunk):
                stated = Decimal(0) if m.group(1) == "零" else Decimal(m.group(1))
                where = f"{rule}: '{m.group()}' at {start + m.start()}"
                if rule == "narrative.requests":
                    new = requests.value("new", "total") if "total" in requests.columns else \
                        _sum([requests.value("new", c) for c in _APPLICANTS])
                    carried = requests.value("carried_in", "total") if "total" in requests.columns else \
                        _sum([requests.value("carried_in", c) for c in _APPLICANTS])
                    if new is None:
                        checks.append(Check(rule, "not_assessable", _num(stated), None, where))
                        continue
                    both = new + carried if carried is not None else None
                    ok = stated == new or (both is not None and stated == both)
                    found = new if stated == new or both is None else both
                    checks.append(Check(rule, "pass" if ok else "fail", _num(stated), _num(found if ok else new), where))
                elif rule == "narrative.review":
                    checks.append(_compare(rule, where, [stated], [appeals.value("review", "total")]))
                else:
                    checks.append(_compare(rule, where, [stated], [appeals.value("litigation_direct", "total"),
                                                                   appeals.value("litigation_after_review", "total")]))
    return checks
