"""Table extraction against hand-read fixtures (tests/fixtures/tables), identities, corruption."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import gknlp

FIXTURES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "tables").glob("*.json"))
SEEDS = Path(gknlp.__file__).parent / "data" / "samples"


def _fixture_path(fx: dict, corpus: Path | None) -> Path:
    if fx["file"].startswith("seeds/"):
        return SEEDS / fx["file"].split("/", 1)[1]
    assert corpus is not None
    return corpus / fx["file"]


def _cells(tables: dict, absent: list[str]):
    for table, rows in tables.items():
        for row, cols in rows.items():
            for col, value in cols.items():
                yield f"{table}.{row}.{col}", value


@pytest.fixture(scope="module")
def seeds_out() -> dict[str, dict]:
    return {p.name: gknlp.extract(p).to_dict() for p in sorted(SEEDS.glob("*.txt"))}


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_tables_every_cell_matches_hand_read_fixture(fixture: Path, request: pytest.FixtureRequest) -> None:
    fx = json.loads(fixture.read_text(encoding="utf-8"))
    corpus = None if fx["file"].startswith("seeds/") else request.getfixturevalue("corpus_dir")
    path = _fixture_path(fx, corpus)
    import hashlib

    assert hashlib.sha256(path.read_bytes()).hexdigest() == fx["sha256"], "fixture refers to another version"
    out = gknlp.extract(path).to_dict()
    if "proactive" not in fx.get("absent", []):
        assert out["meta"]["template"] == fx["template"]
    ambiguous = set(fx.get("ambiguous", []))
    wrong = []
    for where, expected in _cells(fx["tables"], fx.get("absent", [])):
        if where in ambiguous:
            continue
        table, row, col = where.split(".")
        got = out["tables"][table][row][col]
        if got != expected:
            wrong.append((where, expected, got))
    assert wrong == []
    if "requests" not in fx.get("absent", []):
        assert out["table_info"]["requests"]["columns"] == fx["requests_columns"]
    for where, raw in fx.get("raw", {}).items():
        table, rest = where.split(".", 1)
        assert out["table_info"][table]["raw"].get(rest) == raw


@pytest.mark.parametrize("name", [p.name for p in sorted(SEEDS.glob("*.txt"))])
def test_tables_seed_assessable_identities_pass(name: str, seeds_out: dict) -> None:
    out = seeds_out[name]
    failed = [c for c in out["checks"] if c["status"] == "fail"]
    assert failed == []
    assert sum(c["status"] == "pass" for c in out["checks"]) >= 15


def test_tables_seed_000_has_no_total_column_so_r3_not_assessable(seeds_out: dict) -> None:
    out = seeds_out["000_f6f884fffa850788.txt"]
    r3 = [c for c in out["checks"] if c["rule"] == "R3"]
    assert r3 and all(c["status"] == "not_assessable" for c in r3)
    assert any(w["code"] == "no_total_column" for w in out["warnings"])
    assert out["tables"]["requests"]["new"]["total"] is None


@pytest.mark.parametrize("name,meta", [
    ("000_f6f884fffa850788.txt", {"issuer": "大坪乡人民政府", "level": "township", "year": 2020, "template": "2019",
                                  "script": "simplified"}),
    ("001_e5b1ce5c85f07eb5.txt", {"issuer": "朔州市平鲁区陶村乡人民政府", "level": "township", "year": 2022,
                                  "published": "2022-12-15", "template": "2021", "script": "traditional"}),
    ("002_a5e157a962f88d8f.txt", {"issuer": "洄水镇", "level": "township", "year": 2020, "template": "2019"}),
    ("003_4130bab209259fbf.txt", {"issuer": "云阳县人和街道办事处", "level": "township", "year": 2020,
                                  "published": "2021-01-19", "template": "2019"}),
    ("004_0494dfef68de25df.txt", {"issuer": "安宁市人民政府", "level": "city", "year": 2020,
                                  "published": "2021-02-02", "template": "2019"}),
])
def test_tables_seed_metadata(name: str, meta: dict, seeds_out: dict) -> None:
    got = seeds_out[name]["meta"]
    assert {k: got[k] for k in meta} == meta


@pytest.mark.parametrize("name", [p.name for p in sorted(SEEDS.glob("*.txt"))])
def test_tables_seed_has_all_six_sections(name: str, seeds_out: dict) -> None:
    sections = seeds_out[name]["sections"]
    assert all(sections[k] is not None and not sections[k]["inferred"] for k in
               ("overall", "proactive", "requests", "appeals", "problems", "other"))


def test_tables_grid_gives_what_value_gives() -> None:
    """TableResult.grid (one pass) equals value() cell by cell, 元 amounts included."""
    from gknlp.pipeline import extract

    tables = [t for p in sorted(SEEDS.glob("*.txt")) for t in extract(p, annotators=[]).table_results]
    proactive = tables[0]
    row, col = next((r, c) for r, cells in proactive.rows.items() for c, cell in cells.items()
                    if cell is not None and cell.value)
    proactive.money_unit[f"{row}.{col}"] = "yuan"  # printed in 元: value() divides by 10,000
    for t in tables:
        assert t.grid() == {row: {col: t.value(row, col) for col in cells} for row, cells in t.rows.items()}


def _seed_tables() -> list:
    from gknlp.pipeline import extract

    return [t for p in sorted(SEEDS.glob("*.txt")) for t in extract(p, annotators=[]).table_results]


def _shuffled(t, rng):
    """A copy of table `t` with random cell values: blanks, placeholders, decimals, negatives, 元."""
    import copy

    from gknlp.tables.cells import parse_cell

    t = copy.deepcopy(t)
    pool = ["0", "1", "2", "3", "7", "12", "", "/", "无", "1.5", "减2", "3（其中2件）", "5件", "0.25万元", "100元"]
    for row, cells in t.rows.items():
        for col in cells:
            cells[col] = None if rng.random() < 0.05 else parse_cell(rng.choice(pool[:6] if rng.random() < .7 else pool))
    if rng.random() < 0.3:
        row = rng.choice(list(t.rows))
        del t.rows[row]
    if rng.random() < 0.3 and t.rows:
        row = rng.choice(list(t.rows))
        t.money_unit[f"{row}.{rng.choice(list(t.rows[row]))}"] = "yuan"
    return t


def test_tables_r6_gives_the_rule_cell_by_cell() -> None:
    """check_types (skipping cells that are whole and >= 0) fails exactly the cells the rule fails."""
    import random

    from gknlp.tables.checks import check_types

    rng = random.Random(11)
    seeds = _seed_tables()
    reports = [seeds[i:i + 3] for i in range(0, len(seeds), 3)]  # (proactive, requests, appeals)
    for tables in reports + [[_shuffled(t, rng) for t in r] for r in reports for _ in range(10)]:
        got = check_types(tables)
        for t in tables:
            failed = set()
            for row, cells in t.rows.items():
                for col, cell in cells.items():
                    v = None if cell is None else cell.value
                    if v is None:
                        continue
                    integral = v == v.to_integral_value()
                    ok = v >= 0 if col == "amount_wan_yuan" else integral if col == "change" else integral and v >= 0
                    if not ok:
                        failed.add(f"{t.key}.{row}.{col}")
            mine = [c for c in got if c.where.startswith(t.key + ".") or c.where.startswith(t.key + ":")]
            if not t.found:
                assert mine == []
            elif failed:
                assert {c.where for c in mine} == failed and all(c.status == "fail" for c in mine)
            else:
                assert [c.status for c in mine] == ["pass"]


@pytest.mark.parametrize("segment, cells", [
    # markdown from a PDF: the row's closing pipe, a rule, a repeated caption, then the border
    # that opens the next row's line ("| 行政规范性文件 | ...") -- two cells, not three
    (" | 22 | 235 |\n|---|---|---|\n## 表二：主动公开政府信息情况\n| ", ("22", "235")),
    (" | 22 | 235 |\n\t", ("22", "235")),
    # one cell per line: a separator-only line inside the segment is an empty cell
    ("\n|\n5\n|\n", ("", "5", "")),
    ("\n3\n\t\n5\n", ("3", "", "5")),
])
def test_tables_separator_line_is_a_cell_except_the_next_rows_border(segment: str, cells: tuple) -> None:
    from gknlp.tables.align import cut_row_tokens

    assert cut_row_tokens(segment).cells == cells


def test_tables_raw_audit_keeps_the_printed_text_where_the_value_does_not_tell() -> None:
    """table_info.raw holds a cell's printed text when it is a placeholder, has a note or a unit,
    or is printed with other digits; never for a plain number."""
    rng = __import__("random").Random(3)
    seeds = _seed_tables()
    for t in seeds + [_shuffled(t, rng) for t in seeds for _ in range(5)]:
        raw = {}
        for row, cells in t.rows.items():
            for col, cell in cells.items():
                if cell is None:
                    continue
                if cell.kind == "placeholder" or cell.note or cell.unit or (cell.raw and cell.raw.strip() != str(cell.value)):
                    if cell.raw and cell.raw.strip():
                        raw[f"{row}.{col}"] = cell.raw.strip()
        assert t.info()["raw"] == raw
