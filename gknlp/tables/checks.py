"""Accounting identities (勾稽关系) of the three tables, and narrative-against-table checks.

A check is `pass`, `fail`, or `not_assessable` when any input is blank or a placeholder:
blanks are never read as zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from gknlp.tables.parse import TableResult
from gknlp.tables.templates import appeals_template, requests_template

__all__ = ["Check", "check_tables", "check_narrative"]

_APPLICANTS = ("natural_person", "commercial", "research", "public_interest", "legal_services", "other_org")
_ORGS = _APPLICANTS[1:]
_IN = ("new", "carried_in")
_OUT = ("total", "carried_over")


@dataclass(frozen=True, slots=True)
class Check:
    rule: str
    status: str
    expected: float | int | None
    found: float | int | None
    where: str

    def to_dict(self) -> dict:
        return {"rule": self.rule, "status": self.status, "expected": self.expected, "found": self.found,
                "where": self.where}


_ZERO = Decimal(0)


def _num(d: Decimal | None) -> int | float | None:
    if d is None:
        return None
    return _json_number(d)


@lru_cache(maxsize=1 << 12)
def _json_number(d: Decimal) -> int | float:
    """Decimal → int when integral, else float; cached (a table's figures recur in many checks).

    Equal Decimals (3, 3.0) give the same answer, so sharing a cache entry is safe."""
    return int(d) if d == d.to_integral_value() else float(d)


def _sum(values: list[Decimal | None]) -> Decimal | None:
    # Not `None in values`: comparing a Decimal with None costs an isinstance check on an ABC.
    total = _ZERO
    for v in values:
        if v is None:
            return None
        total += v
    return total


Grid = dict[str, dict[str, Decimal | None]]
_NO_VALUES: dict[str, Decimal | None] = {}  # never written


def _row(grid: Grid, row: str, cols: tuple[str, ...] | list[str]) -> list[Decimal | None]:
    """The values of `cols` in `row` (None for a row or column the table lacks)."""
    cells = grid.get(row)
    return [cells.get(c) for c in cols] if cells is not None else [None] * len(cols)


def _column(grid: Grid, rows: tuple[str, ...] | list[str], col: str) -> list[Decimal | None]:
    """The values of `col` in `rows`."""
    return [grid.get(r, _NO_VALUES).get(col) for r in rows]


def _compare(rule: str, where: str, lhs: list[Decimal | None], rhs: list[Decimal | None]) -> Check:
    expected, found = _sum(lhs), _sum(rhs)
    status = "not_assessable" if expected is None or found is None else "pass" if expected == found else "fail"
    return Check(rule, status, _num(expected), _num(found), where)


def _outcome_rows(requests: TableResult) -> list[str]:
    spec = requests_template()
    rows = [r.key for r in spec.rows_for(requests.template or "2019") if not r.optional]
    return rows[rows.index("new") + 2: rows.index("total")]


def check_requests(t: TableResult) -> list[Check]:
    checks: list[Check] = []
    if not t.found:
        return checks
    grid = t.grid()  # each cell takes part in several identities: read them once
    cols = list(_APPLICANTS) + ["total"]
    outcomes = _outcome_rows(t)
    for col in cols:
        checks.append(_compare("R1", f"requests.{col}: new + carried_in = total + carried_over",
                               _column(grid, _IN, col), _column(grid, _OUT, col)))
    for col in cols:
        checks.append(_compare("R2", f"requests.{col}: total = sum of outcomes",
                               _column(grid, ("total",), col), _column(grid, outcomes, col)))
    for row in t.rows:
        checks.append(_compare("R3", f"requests.{row}: total column = sum of applicant columns",
                               _row(grid, row, ("total",)), _row(grid, row, _APPLICANTS)))
    if "org_subtotal" in t.columns:
        for row in t.rows:
            checks.append(_compare("R4", f"requests.{row}: org_subtotal = sum of organisation columns",
                                   _row(grid, row, ("org_subtotal",)), _row(grid, row, _ORGS)))
    for spec in requests_template().rows_for(t.template or "2019"):
        if spec.subtotal_of and spec.key in t.rows:
            for col in t.columns:
                checks.append(_compare("R4", f"requests.{spec.key}.{col}: subtotal = sum of its items",
                                       _column(grid, (spec.key,), col), _column(grid, spec.subtotal_of, col)))
    return checks


def check_appeals(t: TableResult) -> list[Check]:
    if not t.found:
        return []
    spec = appeals_template()
    parts = [c for c in spec.columns if c != "total"]
    grid = t.grid()  # each cell takes part in several identities: read them once
    return [_compare("R5", f"appeals.{b}: total = upheld + corrected + other + pending",
                     _row(grid, b, ("total",)), _row(grid, b, parts)) for b in spec.blocks]


def check_types(tables: list[TableResult]) -> list[Check]:
    """R6: counts are integers >= 0; the 2019 change column may be negative; money may be decimal."""
    checks = []
    for t in tables:
        if not t.found:
            continue
        for row, cells in t.rows.items():
            for col, cell in cells.items():
                if cell is None or cell.value is None:
                    continue
                v = cell.value
                if col == "amount_wan_yuan":
                    ok = v >= 0
                elif col == "change":
                    ok = cell.integral
                else:
                    ok = cell.integral and v >= 0
                if not ok:
                    checks.append(Check("R6", "fail", None, _num(v), f"{t.key}.{row}.{col}"))
        if not any(c.where.startswith(t.key + ".") for c in checks):
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
