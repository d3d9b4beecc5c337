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


# --- fast paths against their references -----------------------------------------------------

_TRICKY = [
    "（一）本年新收政府信息公开申请数量\t3", "( 一 ) 本年新收\t3", "一、 本年新收 3", "一 ，本年新收",
    "二、一、本年新收", "（一）\n\n本年新收", "一\u3000、\u3000本年新收", "x一本年新收", "（二）本年新收",
    "1.属于国家秘密 0", "（1）属于国家秘密", "1 ．属 于 国 家 秘 密", "11、属于国家秘密", "(1)(1)属于国家秘密",
    "（一）一般申请", "一、一般申请", "一一般申请", "（1）1号文件",
]


def _all_labels() -> list[tuple[tuple[str, ...], str | None]]:
    """Every row's labels and enumerator, and labels that start like their enumerator."""
    from gknlp.tables.templates import proactive_templates, requests_template

    rows = list(requests_template().rows) + [r for t in proactive_templates() for r in t.rows]
    return [(r.labels, r.enum) for r in rows] + [(("一般申请",), "一"), (("1号文件", "号文件"), "1")]


@pytest.mark.parametrize("text", [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))] + _TRICKY,
                         ids=[p.stem for p in sorted(SEEDS.glob("*.txt"))] + [f"tricky{i}" for i in range(len(_TRICKY))])
def test_tables_label_finder_finds_what_the_label_pattern_finds(text: str) -> None:
    """LabelFinder (label first, enumerator backwards) gives re.search's span on every start."""
    from gknlp.tables.align import label_finder, label_pattern

    for labels, enum in _all_labels():
        reference, finder = label_pattern(labels, enum), label_finder(labels, enum)
        starts = set(range(0, min(len(text), 12)))
        for m in reference.finditer(text):
            starts.update(range(max(0, m.start() - 4), m.end() + 1))
        for start in sorted(starts):
            for end in (len(text), (start + len(text)) // 2):
                m = reference.search(text, start, end)
                assert finder.search(text, start, end) == (m.span() if m else None), (labels, start, end)


def test_tables_grid_gives_what_value_gives() -> None:
    """TableResult.grid (one pass) equals value() cell by cell, 元 amounts included."""
    from gknlp.pipeline import extract

    tables = [t for p in sorted(SEEDS.glob("*.txt")) for t in extract(p, themes=False, counts=False).table_results]
    proactive = tables[0]
    row, col = next((r, c) for r, cells in proactive.rows.items() for c, cell in cells.items()
                    if cell is not None and cell.value)
    proactive.money_unit[f"{row}.{col}"] = "yuan"  # printed in 元: value() divides by 10,000
    for t in tables:
        assert t.grid() == {row: {col: t.value(row, col) for col in cells} for row, cells in t.rows.items()}


def _reference_checks(t) -> list[tuple]:
    """R1-R5 as first written: every identity built and summed cell by cell from `value`."""
    from gknlp.tables.checks import _APPLICANTS, _IN, _ORGS, _OUT, _outcome_rows
    from gknlp.tables.templates import appeals_template, requests_template
    from gknlp.types import to_json_number

    def total(cells):
        values = [t.value(r, c) if r in t.rows else None for r, c in cells]
        return None if None in values else sum(values, Decimal(0))

    def compare(rule, where, lhs, rhs):
        e, f = total(lhs), total(rhs)
        status = "not_assessable" if e is None or f is None else "pass" if e == f else "fail"
        return (rule, status, to_json_number(e), to_json_number(f), where)

    if not t.found:
        return []
    if t.key == "appeals":
        spec = appeals_template()
        return [compare("R5", f"appeals.{b}: total = upheld + corrected + other + pending",
                        [(b, "total")], [(b, c) for c in spec.columns if c != "total"]) for b in spec.blocks]
    cols, outcomes = list(_APPLICANTS) + ["total"], _outcome_rows(t.template or "2019")
    out = [compare("R1", f"requests.{c}: new + carried_in = total + carried_over",
                   [(r, c) for r in _IN], [(r, c) for r in _OUT]) for c in cols]
    out += [compare("R2", f"requests.{c}: total = sum of outcomes", [("total", c)], [(r, c) for r in outcomes])
            for c in cols]
    out += [compare("R3", f"requests.{r}: total column = sum of applicant columns",
                    [(r, "total")], [(r, c) for c in _APPLICANTS]) for r in t.rows]
    if "org_subtotal" in t.columns:
        out += [compare("R4", f"requests.{r}: org_subtotal = sum of organisation columns",
                        [(r, "org_subtotal")], [(r, c) for c in _ORGS]) for r in t.rows]
    for spec in requests_template().rows_for(t.template or "2019"):
        if spec.subtotal_of and spec.key in t.rows:
            out += [compare("R4", f"requests.{spec.key}.{c}: subtotal = sum of its items",
                            [(spec.key, c)], [(r, c) for r in spec.subtotal_of]) for c in t.columns]
    return out


def _seed_tables() -> list:
    from gknlp.pipeline import extract

    return [t for p in sorted(SEEDS.glob("*.txt")) for t in extract(p, themes=False, counts=False).table_results]


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


def test_tables_identity_plans_give_the_reference_checks() -> None:
    """The identities worked out once per table shape give the checks summed cell by cell."""
    import random

    from gknlp.tables.checks import check_appeals, check_requests

    rng = random.Random(7)
    tables = [t for t in _seed_tables() if t.key in ("requests", "appeals")]
    tables += [_shuffled(t, rng) for t in tables for _ in range(20)]
    for t in tables:
        got = check_requests(t) if t.key == "requests" else check_appeals(t)
        assert [(c.rule, c.status, c.expected, c.found, c.where) for c in got] == _reference_checks(t)


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


def test_tables_json_and_raw_audit_as_the_cells_first_gave_them() -> None:
    """Cell.number / Cell.shown_raw (derived once per cell) give what the JSON output computed per cell."""
    import random

    from gknlp.pipeline import _table_info
    from gknlp.types import to_json_number

    rng = random.Random(3)
    seeds = _seed_tables()
    for t in seeds + [_shuffled(t, rng) for t in seeds for _ in range(5)]:
        assert t.json_values() == {row: {col: to_json_number(t.value(row, col)) for col in cells}
                                   for row, cells in t.rows.items()}
        raw = {}
        for row, cells in t.rows.items():
            for col, cell in cells.items():
                if cell is None:
                    continue
                if cell.kind == "placeholder" or cell.note or cell.unit or (cell.raw and cell.raw.strip() != str(cell.value)):
                    if cell.raw and cell.raw.strip():
                        raw[f"{row}.{col}"] = cell.raw.strip()
        assert _table_info(t)["raw"] == raw


def test_tables_plain_rows_are_cut_as_the_rules_cut_them() -> None:
    """row_tokens' str.split path (digits and spaces) equals the general cut, on seed rows and random text."""
    import random

    from gknlp.tables.align import cut_row_tokens, row_tokens

    segments = [rt.segment for t in _seed_tables() for rt in t.row_texts.values()]
    rng = random.Random(5)
    alphabet = ["0", "1", "23", " ", " ", "\t", "\n", "|", "/", "件", "\u3000", "１２", "-", "."]
    segments += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(3000)]
    segments += ["", " ", "0", " 0 ", "000", "1 2 3", "  12  3 ", "１２ ３"]
    for segment in segments:
        assert row_tokens.__wrapped__(segment) == cut_row_tokens(segment), repr(segment)


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


def _match_rows_reference(text: str, rows, start: int, end: int) -> list:
    """`parse._match_rows` as first written: each optional row's neighbours looked up by key."""
    from gknlp.tables.align import LabelMatch

    found = {}
    pos = start
    for row in rows:
        if row.optional:
            continue
        span = row.finder.search(text, pos, end)
        if span:
            found[row.key] = LabelMatch(row.key, *span)
            pos = span[1]
    result = list(found.values())
    if not any(row.optional for row in rows):
        return result
    keys = [r.key for r in rows]
    for i, row in enumerate(rows):
        if not row.optional:
            continue
        before = next((found[k] for k in reversed(keys[:i]) if k in found), None)
        after = next((found[k] for k in keys[i + 1:] if k in found), None)
        span = row.finder.search(text, before.end if before else start, after.start if after else end)
        if span:
            result.append(LabelMatch(row.key, *span))
    return sorted(result, key=lambda m: m.start)


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_tables_match_rows_finds_the_rows_the_reference_finds(template: str) -> None:
    """Optional rows are searched between the same neighbours as the reference finds them, on
    seed texts and on texts with rows dropped, repeated and shuffled."""
    import random

    from gknlp.tables.parse import _match_rows
    from gknlp.tables.templates import requests_template

    rows = requests_template().rows_for(template)
    rng = random.Random(17)
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    for _ in range(300):
        picked = [r for r in rows if rng.random() < 0.8] + rng.sample(rows, 3)
        if rng.random() < 0.3:
            rng.shuffle(picked)
        texts.append("".join(f"{rng.choice(['', '（一）', ' '])}{rng.choice(r.labels)}{rng.randint(0, 99)} "
                             for r in picked))
    optional = {r.key for r in rows if r.optional}
    found_optional = 0
    for text in texts:
        for start, end in ((0, len(text)), (len(text) // 3, len(text))):
            matches = _match_rows(text, rows, start, end)
            assert matches == _match_rows_reference(text, rows, start, end)
            found_optional += sum(m.key in optional for m in matches)
    assert found_optional > 100
