"""Accounting identities (勾稽关系) of the three tables, and narrative-against-table checks.

The identities are declared once (`data/templates/identities.toml`, read by
`gknlp.tables.identities`). A check is `pass`, `fail`, or `not_assessable` when any input is
blank or a placeholder: blanks are never read as zero.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from operator import attrgetter
from typing import NamedTuple

from gknlp.tables.identities import (
    IdentityPlan,
    appeals_plan,
    identity_sets,
    requests_plan,
)
from gknlp.tables.parse import TableResult
from gknlp.types import to_json_number

__all__ = ["Check", "check_appeals", "check_narrative", "check_requests", "check_tables", "check_types"]


class Check(NamedTuple):
    """One identity's outcome."""

    rule: str
    status: str
    expected: float | int | None
    found: float | int | None
    where: str

    def to_dict(self) -> dict:
        return {"rule": self.rule, "status": self.status, "expected": self.expected, "found": self.found,
                "where": self.where}


Number = int | Decimal


def _sum(values: Sequence[Number | None]) -> Number | None:
    """The exact sum; None when any value is blank (blanks are never zero). (`sum` adds in
    order from 0, as a loop would.)"""
    return None if None in values else sum(values)   # type: ignore[arg-type]


def _json(v: Number | None) -> int | float | None:
    return v if v is None or type(v) is int else to_json_number(v)   # type: ignore[arg-type]


def _compare(rule: str, where: str, lhs: Sequence[Number | None], rhs: Sequence[Number | None]) -> Check:
    return _outcome(rule, where, _sum(lhs), _sum(rhs))


_new_check = tuple.__new__
"""`Check`'s own constructor without its Python-level `__new__` (a report has ~80 checks:
about 0.02 ms a report)."""


def _outcome(rule: str, where: str, expected: Number | None, found: Number | None) -> Check:
    """The check of two sums (None: a blank in it)."""
    status = "not_assessable" if expected is None or found is None else "pass" if expected == found else "fail"
    return _new_check(Check, (rule, status, _json(expected), _json(found), where))


_NO_ROW: dict = {}


def _exact_values(t: TableResult, cells: tuple[tuple[str, str], ...]) -> list[Number | None]:
    """The value of each cell (None when blank or absent), whole numbers as ints (exact, and
    summed faster than Decimals)."""
    if t.money_unit:
        return [t.value(row, col) for row, col in cells]
    rows = t.rows
    return [None if (cell := rows.get(row, _NO_ROW).get(col)) is None else cell.exact for row, col in cells]


def _evaluate(t: TableResult, plan: IdentityPlan) -> list[Check]:
    """Every identity of the plan checked, its sides read by the plan's item getters."""
    values = _exact_values(t, plan.cells)
    return [_outcome(rule, where, _sum(lhs_of(values)), _sum(rhs_of(values)))
            for rule, where, lhs_of, rhs_of in plan.readers]


def check_requests(t: TableResult) -> list[Check]:
    if not t.found:
        return []
    return _evaluate(t, requests_plan(t.template or "2019", t.columns, tuple(t.rows)))


def check_appeals(t: TableResult) -> list[Check]:
    if not t.found:
        return []
    return _evaluate(t, appeals_plan())


_SUSPECT = attrgetter("suspect")


def check_types(tables: list[TableResult]) -> list[Check]:
    """R6: counts are integers >= 0; the 2019 change column may be negative; money may be decimal."""
    checks: list[Check] = []
    for t in tables:
        if not t.found:
            continue
        failed = len(checks)
        for row, cells in t.rows.items():
            if not any(map(_SUSPECT, filter(None, cells.values()))):
                continue   # (most rows: every cell blank or a whole number >= 0, tested in C)
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
                    checks.append(Check("R6", "fail", None, _json(v), f"{t.key}.{row}.{col}"))
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
    applicants = identity_sets()["applicants"]
    checks: list[Check] = []
    for start, end in spans:
        chunk = text[start:end]
        for rule, pattern in _NARRATIVE:
            for m in pattern.finditer(chunk):
                stated = Decimal(0) if m.group(1) == "零" else Decimal(m.group(1))
                where = f"{rule}: '{m.group()}' at {start + m.start()}"
                if rule == "narrative.requests":
                    new = requests.value("new", "total") if "total" in requests.columns else \
                        _sum([requests.value("new", c) for c in applicants])
                    carried = requests.value("carried_in", "total") if "total" in requests.columns else \
                        _sum([requests.value("carried_in", c) for c in applicants])
                    if new is None:
                        checks.append(Check(rule, "not_assessable", _json(stated), None, where))
                        continue
                    both = new + carried if carried is not None else None
                    ok = stated == new or (both is not None and stated == both)
                    found = new if stated == new or both is None else both
                    checks.append(Check(rule, "pass" if ok else "fail", _json(stated), _json(found if ok else new), where))
                elif rule == "narrative.review":
                    checks.append(_compare(rule, where, [stated], [appeals.value("review", "total")]))
                else:
                    checks.append(_compare(rule, where, [stated], [appeals.value("litigation_direct", "total"),
                                                                   appeals.value("litigation_after_review", "total")]))
    return checks
