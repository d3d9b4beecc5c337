"""Random tables of both templates, rendered in every layout, parse back exactly."""

from __future__ import annotations

import random

import pytest
from render import LAYOUTS, random_tables, render_report

from gknlp.pipeline import extract_text

CASES = [(template, layout, seed) for template in ("2019", "2021") for layout in LAYOUTS for seed in range(4)]


@pytest.mark.parametrize("template,layout,seed", CASES, ids=[f"{t}-{l}-{s}" for t, l, s in CASES])
def test_roundtrip_every_layout_parses_back_exactly(template: str, layout: str, seed: int) -> None:
    rng = random.Random(f"{template}{layout}{seed}")
    tables = random_tables(rng, template)
    text, fmt = render_report(tables, template, layout, rng)
    out = extract_text(text, fmt=fmt).to_dict()
    assert out["meta"]["template"] == template
    assert out["tables"] == tables
    assert [c for c in out["checks"] if c["status"] != "pass"] == []


CORRUPT = [("requests", "granted", "commercial"), ("requests", "new", "total"), ("requests", "carried_over", "research"),
           ("appeals", "review", "pending"), ("requests", "other_other", "natural_person")]


@pytest.mark.parametrize("table,row,col", CORRUPT, ids=[".".join(c) for c in CORRUPT])
def test_roundtrip_corrupting_one_cell_fails_exactly_the_affected_identities(table: str, row: str, col: str) -> None:
    rng = random.Random(7)
    tables = random_tables(rng, "2021")
    tables[table][row][col] += 1
    text, fmt = render_report(tables, "2021", "tab", rng)
    out = extract_text(text, fmt=fmt).to_dict()
    failed = sorted(c["where"] for c in out["checks"] if c["status"] == "fail")
    if table == "appeals":
        expected = [f"appeals.{row}: total = upheld + corrected + other + pending"]
    else:
        expected = [f"requests.{row}: total column = sum of applicant columns"]
        if row in ("new", "carried_in", "carried_over"):
            expected.append(f"requests.{col}: new + carried_in = total + carried_over")
        else:
            expected.append(f"requests.{col}: total = sum of outcomes")
    assert failed == sorted(expected)
