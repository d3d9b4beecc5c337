"""Table extraction against hand-read fixtures (tests/fixtures/tables), identities, corruption."""

from __future__ import annotations

import json
import os
import re
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
    derived = sorted(f"{t}.{k}" for t, info in out["table_info"].items() for k in info["derived"])
    assert derived == sorted(fx.get("derived", []))
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


def test_tables_seed_000_lost_cells_are_derived_and_flagged(seeds_out: dict) -> None:
    """The 16 sub-rows lost their 自然人 cell in the layout: derived 0 by R2, with a warning each."""
    out = seeds_out["000_f6f884fffa850788.txt"]
    derived = out["table_info"]["requests"]["derived"]
    assert len(derived) == 16 and all(k.endswith(".natural_person") for k in derived)
    assert all(rule.startswith("R2 requests.natural_person") for rule in derived.values())
    assert all(out["tables"]["requests"][k.split(".")[0]]["natural_person"] == 0 for k in derived)
    assert all(out["table_info"]["requests"]["provenance"][k] == "derived" for k in derived)
    lost = [w for w in out["warnings"] if w["code"] == "lost_cells"]
    assert len(lost) == 16


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

    tables = [t for p in sorted(SEEDS.glob("*.txt")) for t in extract(p, themes=False, counts=False).table_results]
    proactive = tables[0]
    row, col = next((r, c) for r, cells in proactive.rows.items() for c, cell in cells.items()
                    if cell is not None and cell.value)
    proactive.money_unit[f"{row}.{col}"] = "yuan"  # printed in 元: value() divides by 10,000
    for t in tables:
        assert t.grid() == {row: {col: t.value(row, col) for col in cells} for row, cells in t.rows.items()}


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


# --- the cell grammar, shared by the parser and the recovery --------------------------------------

def test_tables_procurement_count_with_a_unit_survives_recovery() -> None:
    """`政府集中采购 2笔984361元` in crawled text: recovery cuts `2笔`, and the parser reads it as 2."""
    from gknlp.pipeline import extract_text

    text = ("测试局2019年政府信息公开工作年度报告\n二、主动公开政府信息情况\n第二十条第（九）项信息内容采购项目数量"
            "采购总金额政府集中采购 2笔984361元\n三、收到和处理政府信息公开申请情况\n")
    out = extract_text(text, themes=False, counts=False).to_dict()
    assert out["tables"]["proactive"]["procurement"] == {"projects": 2, "amount_wan_yuan": 98.4361}


@pytest.mark.parametrize("word", ["减183", "减少183", "下降183", "-183"])
def test_tables_change_words_read_as_a_sign(word: str) -> None:
    from gknlp.pipeline import extract_text

    text = ("二、主动公开政府信息情况\n信息内容\t上一年项目数量\t本年增/减\t处理决定数量\n"
            f"行政许可\t390\t{word}\t2061\n三、收到和处理政府信息公开申请情况\n")
    out = extract_text(text, themes=False, counts=False).to_dict()
    assert out["tables"]["proactive"]["licensing"] == {"prev_items": 390, "change": -183, "decisions": 2061}


@pytest.mark.parametrize("word,sign", [("增加", 1), ("增长", 1), ("上升", 1), ("减少", -1), ("下降", -1)])
def test_tables_recovery_reads_change_words_as_the_parser_does(word: str, sign: int) -> None:
    from gknlp.tables.cells import parse_cell
    from gknlp.tables.recover import split_run, value_run

    pieces = value_run(f"0{word}12 5")
    assert pieces == ("0", f"{word}12", "5")
    (cells,) = split_run(pieces, ["count", "change", "count"]).cells
    assert parse_cell(cells[1]).value == sign * 12


def test_tables_a_short_row_is_null_and_flagged_unless_the_layout_proves_its_columns() -> None:
    from gknlp.tables.parse import extract_proactive

    text = "规章 | 22 | 235 |\n行政规范性文件 | 34 | | 189 |\n"
    t = extract_proactive(text, 0, len(text), year=2021)
    assert t.rows["rules"] == {"issued": None, "repealed": None, "in_force": None}   # 2 values, 3 columns
    assert {w.code for w in t.warnings if w.where and w.where.row == "rules"} == {"missing_cells"}
    assert t.info()["provenance"]["rules.in_force"] == "ambiguous"
    assert t.json_values()["normative_docs"] == {"issued": 34, "repealed": None, "in_force": 189}   # delimited


def test_tables_a_label_with_a_typo_is_matched_and_kept_as_printed() -> None:
    import random

    from render import random_tables, render_report

    from gknlp.pipeline import extract_text

    tables = random_tables(random.Random(2), "2021")
    text, fmt = render_report(tables, "2021", "tab", random.Random(2))
    text = text.replace("其他法律行政法规禁止公开", "其他法律行政止公开")
    out = extract_text(text, fmt=fmt, themes=False, counts=False).to_dict()
    assert out["tables"]["requests"] == tables["requests"]
    assert out["table_info"]["requests"]["labels"] == {"denied_prohibited": "其他法律行政止公开"}
    assert any(w["code"] == "label_tolerant" for w in out["warnings"])


def test_tables_a_label_matching_two_rows_equally_is_not_guessed() -> None:
    from gknlp.tables.align import fuzzy_label

    text = "x 属于行政查询案卷 0 0"
    assert fuzzy_label(text, 0, len(text), ("属于行政执法案卷",), (("属于行政查询事项",),)) is None
    assert fuzzy_label(text, 0, len(text), ("属于行政执法案卷",), ()) is not None


def test_tables_appeals_blocks_as_sub_tables_are_mapped_by_heading_and_header() -> None:
    from gknlp.tables.parse import extract_appeals

    text = ("四、政府信息公开行政复议、行政诉讼情况\n### 行政复议\n| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |\n"
            "|---|---|---|---|---|\n| 27 | 10 | 9 | 15 | 61 |\n\n### 行政诉讼（未经复议直接起诉）\n"
            "| 结果纠正 | 结果维持 | 其他结果 | 尚未审结 | 总计 |\n|---|---|---|---|---|\n| 0 | 3 | 0 | 0 | 3 |\n\n"
            "### 行政诉讼（复议后起诉）\n| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |\n|---|---|---|---|---|\n"
            "| 8 | 0 | 1 | 1 | 10 |\n\n五、存在的主要问题及改进情况\n2025年，我县")
    t = extract_appeals(text, 0, len(text))
    assert t.json_values() == {
        "review": {"upheld": 27, "corrected": 10, "other": 9, "pending": 15, "total": 61},
        "litigation_direct": {"upheld": 3, "corrected": 0, "other": 0, "pending": 0, "total": 3},
        "litigation_after_review": {"upheld": 8, "corrected": 0, "other": 1, "pending": 1, "total": 10}}


def test_tables_table_warnings_are_typed_with_their_place() -> None:
    from gknlp.tables.parse import extract_requests
    from gknlp.types import ReportWarning

    text = "一、本年新收政府信息公开申请数量\t1\t2\n"
    t = extract_requests(text, 0, len(text))
    assert t.warnings and all(isinstance(w, ReportWarning) and w.where.table == "requests" for w in t.warnings)
    assert {w.where.row for w in t.warnings if w.code == "row_not_found"} >= {"carried_in", "total"}


def test_cells_printed_blank_are_null_and_named_in_a_warning() -> None:
    # Seed 001 prints table 二's 本年废止件数 and its 处理决定数量/收费金额 cells blank: null, not 0, and said so.
    from pathlib import Path

    from gknlp.pipeline import extract

    seed = Path(__file__).resolve().parents[2] / "gknlp" / "data" / "samples" / "001_e5b1ce5c85f07eb5.txt"
    report = extract(seed, themes=False, counts=False)
    assert report.tables["proactive"]["rules"]["repealed"] is None
    assert [(w.code, w.message) for w in report.warnings if w.code == "blank_cells"] == [
        ("blank_cells", "table proactive: 6 cell(s) printed blank, given as null (not 0): rules.repealed, "
         "normative_docs.repealed, licensing.decisions, penalty.decisions, enforcement.decisions, fees.amount_wan_yuan")]


_STACKED = ("行政\n行政诉讼\n复议\n复议\n结果结果其他尚未\n未经复议\n总计\n后起\n维持纠正结果审结\n直接起诉\n诉\n"
            "结果维持结果\n其他尚未\n结果结果其他尚未\n总计\n总计\n纠正结果审结\n维持纠正结果审结\n")


def test_appeals_header_stacked_in_narrow_cells() -> None:
    """A borderless PDF's text of table 四 sets a narrow cell's words on lines of their own
    (行政 / 复议, with 行政诉讼 between): the header is still found and the 15 values read."""
    from gknlp.tables.parse import extract_appeals

    values = "\t".join(str(v) for v in (3, 1, 0, 0, 4, 0, 0, 0, 1, 1, 2, 0, 0, 0, 2))
    text = _STACKED + values + "\n五、存在的主要问题及改进情况\n"
    t = extract_appeals(text, 0, len(text))
    assert {b: [c.value for c in cols.values()] for b, cols in t.rows.items()} == {
        "review": [3, 1, 0, 0, 4], "litigation_direct": [0, 0, 0, 1, 1],
        "litigation_after_review": [2, 0, 0, 0, 2]}
    no_litigation = _STACKED.replace("行政", "").replace("诉", "") + values  # 复议 alone: not the header
    assert [w.code for w in extract_appeals(no_litigation, 0, len(no_litigation)).warnings] == ["table_not_found"]
    for sentence in ("复议和诉讼情况如下（单位：件）\n", "本年度共收到复议申请 1 件，诉讼 1 件。\n总计\n"):
        narrative = sentence + values   # the words in a sentence, not stacked: no header, nothing read
        t = extract_appeals(narrative, 0, len(narrative))
        assert [w.code for w in t.warnings] == ["table_not_found"]
        assert all(c is None for cols in t.rows.values() for c in cols.values())


_PROACTIVE_2021_MOVED = (
    "二、主动公开政府信息情况\n{head}第二十条第（五）项\n信息内容\t本年处理决定数量\n{licensing}"
    "第二十条第（六）项\n信息内容\t本年处理决定数量\n行政处罚\t5\n行政强制\t1\n第二十条第（八）项\n"
    "信息内容\t本年收费金额（单位：万元）\n行政事业性收费\t0\n第二十条第（一）项\n"
    "信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n规章\t0\t0\t0\n行政规范性文件\t13\t0\t55\n{tail}"
    "三、收到和处理政府信息公开申请情况\n")
_ROW = "行政许可\t97\n"


@pytest.mark.parametrize("head, licensing_row, tail, licensing", [
    ("", _ROW, "", 97),
    ("全年办理行政许可1203件。\n", _ROW, "", 97),
    ("", "", "全年办理行政许可1203件。\n", None),
    ("", "", "（行政许可 1203）\n", None),
    ("", _ROW + "行政许可\t5\n", "", None),
], ids=["moved", "narrative-before-table", "narrative-only", "narrative-bracketed", "label-twice"])
def test_proactive_blocks_moved_out_of_order(head: str, licensing_row: str, tail: str, licensing: int | None) -> None:
    """A PDF's text may set table 二's blocks out of the template's order (第二十条第（五）项 before
    第（一）项): a row not found in order is taken where its label stands once in the table's text
    (from its first block header on), at a line's or cell's start, with a value on its line, and
    is named in a row_out_of_order warning; a label in narrative, or printed twice, proves nothing."""
    from gknlp.tables.parse import extract_proactive

    text = _PROACTIVE_2021_MOVED.format(head=head, licensing=licensing_row, tail=tail)
    t = extract_proactive(text, 0, text.index("三、"), year=2022)
    values = t.json_values()
    assert values["licensing"] == {"decisions": licensing}
    assert values["penalty"] == {"decisions": 5} and values["enforcement"] == {"decisions": 1}
    assert values["fees"] == {"amount_wan_yuan": 0}
    assert values["rules"] == {"issued": 0, "repealed": 0, "in_force": 0}
    assert values["normative_docs"] == {"issued": 13, "repealed": 0, "in_force": 55}
    moved = {w.where.row for w in t.warnings if w.code == "row_out_of_order" and w.where}
    assert moved >= {"penalty", "enforcement", "fees"} and ("licensing" in moved) == (licensing is not None)


@pytest.mark.parametrize("line, holds", [
    ("自然人\t法人或其他组织\t总计", False),
    ("数据1 | 数据2 | 总计", False),
    ("| 12 | / | 0 |", True),
    ("/\t—\t无", False),
    ("2020年1月", False),
    ("3,001\t53", True),
], ids=["header", "numbered-header", "pipes", "placeholders-only", "date", "thousands"])
def test_tables_value_line_needs_a_value_with_a_digit(line: str, holds: bool) -> None:
    from gknlp.tables.cells import GRAMMAR
    from gknlp.tables.parse import _value_line

    assert _value_line(line) is holds
    # (`\d` finds a value's digit: no placeholder holds a digit that `str.isdigit` sees and `\d` misses)
    assert not [ch for ch in GRAMMAR.placeholder_chars + "".join(GRAMMAR.placeholder_words) if ch.isdigit()]


def test_tables_blank_cell_in_a_two_label_row_of_a_tab_grid_loses_nothing() -> None:
    """A tab grid (OCR and PDF grids are printed so) whose granted row has two label fields
    (三、本年度办理结果 | （一）予以公开) and one cell printed blank: its values start one field
    later than the other rows', but they still span the 7 columns, so no cell was lost. The
    values stay where they are printed (not moved right as a lost first cell), the blank is null."""
    from gknlp.pipeline import extract_text

    text = (SEEDS / "004_0494dfef68de25df.txt").read_text(encoding="utf-8")
    a, b = text.index("三、收到和处理"), text.index("四、政府信息公开行政复议")
    grid = re.sub(r" *\|[ |]*", "\t", text[a:b]).replace("\t\n", "\n")
    row = "三、本年度办理结果\t(一)予以公开\t2\t0\t0\t0\t0\t0\t2"
    assert row in grid
    grid = grid.replace(row, "三、本年度办理结果\t(一)予以公开\t2\t0\t\t0\t0\t0\t2")
    out = extract_text(text[:a] + grid + text[b:], themes=False, counts=False).to_dict()
    assert out["tables"]["requests"]["granted"] == {
        "natural_person": 2, "commercial": 0, "research": None, "public_interest": 0,
        "legal_services": 0, "other_org": 0, "total": 2}
    codes = [w["code"] for w in out["warnings"]]
    assert "lost_cells" not in codes and "blank_cells" in codes
    assert out["table_info"]["requests"]["derived"] == {}


def test_tables_a_line_of_blanks_in_a_table_is_read_in_one_pass() -> None:
    """A line of 200,000 tabs or spaces inside table 三 (hostile input) is no markdown rule and
    is rejected at once; the tables read as without it (the rule's pattern backtracked
    quadratically: 22 s for 50,000 tabs before)."""
    import time

    from gknlp.pipeline import extract_text

    text = (SEEDS / "004_0494dfef68de25df.txt").read_text(encoding="utf-8")
    plain = extract_text(text, themes=False, counts=False).to_dict()["tables"]
    at = text.index("三、本年度办理结果")   # inside the segment of the row before it
    for blank in ("\t", " "):
        started = time.process_time()
        out = extract_text(text[:at] + blank * 200_000 + "\n" + text[at:], themes=False, counts=False).to_dict()
        assert time.process_time() - started < 5
        assert out["tables"]["requests"] == plain["requests"]


def test_tables_header_words_are_counted_alike_whatever_the_hash_seed() -> None:
    """Header words are taken out of a line longest first, ties in code point order, not in a
    set's order: 数数据量 holds 数据 then 数量 in every process (it held none under some seeds)."""
    import subprocess
    import sys

    code = ("from gknlp.tables.parse import _header_vocab, _header_words; "
            "print(_header_words('数数据量', _header_vocab()))")
    root = Path(__file__).resolve().parents[2]
    found = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root,
                            env={**os.environ, "PYTHONHASHSEED": str(seed)}, check=True).stdout.strip()
             for seed in range(4)}
    assert found == {"2"}
