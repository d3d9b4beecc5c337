"""Recovery of run-together table cells (gknlp/tables/recover/) and crawler chrome removal."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path

import pytest

from gknlp.tables.checks import check_tables
from gknlp.tables.parse import extract_appeals, extract_proactive, extract_requests
from gknlp.tables.recover import (
    cross_year_constraints,
    recover_tables,
    solve_proactive,
    split_run,
    value_run,
)
from gknlp.text.normalize import normalize
from gknlp.types import to_json_number

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tables"
DEV_PAIRS = ["001_pingtan-main-2019", "013_pingtan-zrz-2020", "014_pingtan-jinjing-2020",
             "019_pingtan-nyn-2021", "023_pingtan-hzs-2022"]

# --- runs and splits ---------------------------------------------------------------------

@pytest.mark.parametrize("segment, pieces", [
    ("0000000三、本年度办理结果", ("0000000",)),
    ("（区分处理的，只计这一情形，不计其他情形）1000001", ("1000001",)),
    ("”0000000", ("0000000",)),
    ("2025第二十条第（五）项信息内容本年处理决定数量", ("2025",)),
    ("10 0 00 0 1", ("10", "0", "00", "0", "1")),
    ("0增13 减4", ("0", "增13", "减4")),
    (" 2笔 984361元 ", ("2笔", "984361元")),
    ("13575394432.52元第二十条", ("13575394432.52元",)),
    ("/ / 5", ("/", "/", "5")),
    ("02025年，我局", ("0",)),
    ("第二十条", ()),
], ids=["label-after", "note-before", "quote-before", "header-after", "spaces", "signs", "units",
        "money", "placeholders", "year-jammed", "none"])
def test_recover_value_run(segment: str, pieces: tuple[str, ...]) -> None:
    assert value_run(segment) == pieces


@pytest.mark.parametrize("run, kinds, expected", [
    ("000", "count count count", {("0", "0", "0")}),
    ("2025", "count count count", {("2", "0", "25"), ("20", "2", "5")}),
    ("100", "count count", {("10", "0")}),                       # no leading zero: 1|00 is not a reading
    ("0.5", "count money", set()),                               # a decimal only in a money column
    ("35.5", "count money", {("3", "5.5"), ("35", ".5")} - {("35", ".5")}),
    ("0减4", "count change", {("0", "减4")}),
    ("0减4", "count count", set()),                              # a sign only in the change column
], ids=["zeros", "two-readings", "leading-zero", "decimal-count", "decimal-money", "sign", "sign-count"])
def test_recover_split_run(run: str, kinds: str, expected: set) -> None:
    split = split_run(value_run(run), kinds.split())
    assert split.complete
    assert set(split.cells) == expected


def test_recover_split_run_spaces_are_hard_boundaries() -> None:
    cells = split_run(value_run("10 0 00 0 1"), ["count"] * 7).cells
    assert cells == (("1", "0", "0", "0", "0", "0", "1"),)


def test_recover_pathological_run_is_bounded() -> None:
    digits = "1234567890" * 20    # 200 digits
    start = time.perf_counter()
    assert split_run(value_run(digits), ["count"] * 7).cells == ()           # cannot fit: pruned at once
    wide = split_run(value_run(digits[:60]), ["count"] * 15)                 # fits in too many ways
    assert not wide.complete
    text = ("四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计"
            "未经复议直接起诉复议后起诉总计总计" + digits[:60] + " 五、存在的主要问题")
    appeals = extract_appeals(text, 0, len(text))
    proactive, requests = extract_proactive("", 0, 0), extract_requests("", 0, 0)
    recover_tables(proactive, requests, appeals)
    assert time.perf_counter() - start < 5
    assert all(v is None for cells in appeals.rows.values() for v in cells.values())
    assert len(appeals.ambiguous) == 15
    assert any(w.code == "recovery_budget" for w in appeals.warnings)


# --- whole tables ------------------------------------------------------------------------

_REQ_2021 = ("三、收到和处理政府信息公开申请情况 申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他"
             "一、本年新收政府信息公开申请数量{new}二、上年结转政府信息公开申请数量0000000三、本年度办理结果"
             "（一）予以公开{granted}（二）部分公开（区分处理的，只计这一情形，不计其他情形）{partly}（三）不予公开"
             "1.属于国家秘密00000002.其他法律行政法规禁止公开00000003.危及“三安全一稳定”00000004.保护第三方合法权益0000000"
             "5.属于三类内部事务信息00000006.属于四类过程性信息00000007.属于行政执法案卷00000008.属于行政查询事项0000000"
             "（四）无法提供1.本机关不掌握相关政府信息{not_held}2.没有现成信息需要另行制作00000003.补正后申请内容仍不明确0000000"
             "（五）不予处理1.信访举报投诉类申请00000002.重复申请00000003.要求提供公开出版物0000000"
             "4.无正当理由大量反复申请00000005.要求行政机关确认或重新出具已获取信息0000000"
             "（六）其他处理1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请0000000"
             "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请00000003.其他0000000"
             "（七）总计{total}四、结转下年度继续办理0000000")


def _requests(**rows: str):
    text = _REQ_2021.format(**rows)
    table = extract_requests(text, 0, len(text))
    recover_tables(extract_proactive("", 0, 0), table, extract_appeals("", 0, 0))
    return table


def test_recover_requests_identities_pick_the_split() -> None:
    # 110000011 alone reads 11|0|0|0|0|0|11 or 1|10|0|0|0|0|11 (both satisfy R3);
    # R2 (总计 = 5 + 6 outcomes per column) and R1 (新收 = 总计) keep only the first.
    t = _requests(new="110000011", granted="5000005", partly="0000000", not_held="6000006", total="110000011")
    assert t.layout == "recovered"
    assert [t.value("new", c) for c in ("natural_person", "commercial", "total")] == [11, 0, 11]
    assert [t.value("total", c) for c in ("natural_person", "commercial", "total")] == [11, 0, 11]
    assert not t.ambiguous


def test_recover_requests_ambiguity_is_null_and_flagged() -> None:
    # Every row reads 11|0|…|11 or 1|10|…|11 and the identities hold either way.
    t = _requests(new="110000011", granted="110000011", partly="0000000", not_held="0000000", total="110000011")
    assert t.ambiguous["granted.natural_person"] == [1, 11]
    assert t.ambiguous["granted.commercial"] == [0, 10]
    assert t.value("granted", "natural_person") is None
    assert t.value("granted", "total") == 11          # the same in every reading: certain
    assert any(w.code == "ambiguous_cells" for w in t.warnings)
    checks = {c.where: c.status for c in check_tables(extract_proactive("", 0, 0), t, extract_appeals("", 0, 0))}
    assert checks["requests.natural_person: new + carried_in = total + carried_over"] == "not_assessable"
    assert checks["requests.total: new + carried_in = total + carried_over"] == "pass"


def test_recover_ambiguous_cells_make_checks_not_assessable() -> None:
    text = ("二、主动公开政府信息情况 第二十条第（一）项 信息内容 本年制发件数 本年废止件数 现行有效件数 规章000"
            "行政规范性文件114251第二十条第（五）项信息内容本年处理决定数量行政许可7677")
    p = extract_proactive(text, 0, len(text), year=2022)
    recover_tables(p, extract_requests("", 0, 0), extract_appeals("", 0, 0))
    assert p.layout == "recovered"
    assert p.value("rules", "in_force") == 0
    assert p.value("licensing", "decisions") == 7677
    assert p.value("normative_docs", "in_force") is None
    assert "normative_docs.in_force" in p.ambiguous
    assert 251 in p.ambiguous["normative_docs.in_force"]


def test_recover_proactive_2021_order_constraint() -> None:
    text = ("第二十条第（一）项 信息内容 本年制发件数 本年废止件数 现行有效件数 规章000行政规范性文件2025"
            "第二十条第（五）项信息内容本年处理决定数量行政许可7677")
    p = extract_proactive(text, 0, len(text), year=2022)
    recover_tables(p, extract_requests("", 0, 0), extract_appeals("", 0, 0))
    # 2|0|25 or 20|2|5; 现行有效 >= 制发 - 废止 rules out 20|2|5.
    assert [p.value("normative_docs", c) for c in ("issued", "repealed", "in_force")] == [2, 0, 25]


def test_recover_cross_year_constraints() -> None:
    text = ("第二十条第（一）项 信息内容 本年制发件数 本年废止件数 现行有效件数 规章000行政规范性文件114251"
            "第二十条第（五）项信息内容本年处理决定数量行政许可1")
    p = extract_proactive(text, 0, len(text), year=2024)
    extra = cross_year_constraints({"normative_docs": {"issued": 9, "repealed": 0, "in_force": 244}}, "2021")
    sol = solve_proactive(p, extra=extra)
    assert sol.rows["normative_docs"].raws == [("11", "4", "251")]


def test_recover_leaves_delimited_tables_alone() -> None:
    text = "二、主动公开政府信息情况\n规章\t0\t0\t0\n行政规范性文件\t2\t0\t25\n行政许可\t7677\n"
    p = extract_proactive(text, 0, len(text), year=2022)
    recover_tables(p, extract_requests("", 0, 0), extract_appeals("", 0, 0))
    assert p.layout != "recovered"
    assert p.value("normative_docs", "in_force") == 25


# --- chrome ------------------------------------------------------------------------------

def test_recover_normalize_strips_chrome_and_keeps_offsets() -> None:
    src = ("当前位置： 首页政务公开政府信息公开某局政府信息公开年报 某局2022年政府信息公开工作年度报告 来源： "
           "时间：2023-01-09 16:22 --> 微信 微博 QQ空间 全真版 文字版 文件下载 相关链接： 根据《条例》，"
           "Normal 0 7.8 磅 0 2 false false false EN-US ZH-CN X-NONE /* Style Definitions */ "
           "table.MsoNormalTable {mso-style-name:普通表格; font-family:\"Times New Roman\";} 编制本报告。 附件下载")
    norm = normalize(src)
    for debris in ("当前位置", "首页", "微信", "来源", "-->", "MsoNormalTable", "Style Definitions", "附件下载"):
        assert debris not in norm.text
    assert "某局2022年政府信息公开工作年度报告" in norm.text and "编制本报告。" in norm.text
    i = norm.text.index("根据")
    s, e = norm.to_source(i, i + 2)
    assert src[s:e] == "根据"


# --- the development pairs: flattened raw/ against the hand-read HTML tables --------------

def _tables_of(path: Path):
    """The three tables as the pipeline leaves them (recovery included)."""
    import gknlp

    return gknlp.extract(path, themes=False, counts=False).table_results


def _compare(corpus: Path, name: str) -> dict[str, dict[str, list[str]]]:
    fixture = json.loads((FIXTURES / f"html_{name}.json").read_text(encoding="utf-8"))
    out: dict[str, dict[str, list[str]]] = {}
    for t in _tables_of(corpus / "raw" / f"{name}.txt"):
        res = out.setdefault(t.key, {"exact": [], "ambiguous": [], "wrong": []})
        for row, cols in fixture["tables"][t.key].items():
            for col, expected in cols.items():
                got = to_json_number(t.value(row, col)) if row in t.rows else None
                key = f"{row}.{col}"
                if got == expected:
                    res["exact"].append(key)
                elif got is None and key in t.ambiguous:
                    res["ambiguous"].append(key)
                else:
                    res["wrong"].append(f"{key}: expected {expected}, got {got}")
    return out


@pytest.mark.corpus
@pytest.mark.parametrize("name", DEV_PAIRS[:2])
def test_recover_frees_its_searches_without_the_cyclic_collector(name: str, corpus_dir: Path) -> None:
    """Recovery's searches leave no reference cycle: their lists are freed when they return,
    so a worker's cyclic collector has (almost) nothing to do."""
    import gc

    import gknlp
    from gknlp.tables.recover.solve import _readings_of, _split_of

    path = corpus_dir / "raw" / f"{name}.txt"
    if not path.exists():
        pytest.skip(f"{path} not in the corpus")
    gknlp.extract(path, themes=False, counts=False)   # modules and data loaded, patterns compiled
    _readings_of.cache_clear()   # so that the searches run again
    _split_of.cache_clear()
    gc.collect()
    gc.disable()
    try:
        report = gknlp.extract(path, themes=False, counts=False)
        found = gc.collect()
    finally:
        gc.enable()
    assert report.table_results[1].layout == "recovered"
    assert found == 0


@pytest.mark.parametrize("name", DEV_PAIRS)
def test_recover_dev_pair_no_wrong_value_is_certain(name: str, corpus_dir: Path) -> None:
    result = _compare(corpus_dir, name)
    for table, res in result.items():
        assert res["wrong"] == [], f"{name} table {table}"


@pytest.mark.corpus
def test_recover_dev_pairs_rate(corpus_dir: Path) -> None:
    exact = total = 0
    for name in DEV_PAIRS:
        for table, res in _compare(corpus_dir, name).items():
            if table in ("requests", "appeals"):
                exact += len(res["exact"])
                total += len(res["exact"]) + len(res["ambiguous"]) + len(res["wrong"])
    assert total > 900
    assert exact / total >= 0.98


@pytest.mark.corpus
def test_recover_raw_corpus_runs_everywhere(corpus_dir: Path) -> None:
    """Every raw file (both splits), without labels: no traceback, and the tables found mostly read."""
    values = cells = 0
    for path in sorted((corpus_dir / "raw").glob("*.txt")):
        tables = _tables_of(path)
        check_tables(*tables)
        for t in tables[1:]:
            if t.found and t.template == "2021":
                for row, cols in t.rows.items():
                    for cell in cols.values():
                        cells += 1
                        values += cell is not None and cell.value is not None
    assert cells and values / cells > 0.9


@pytest.mark.corpus
def test_recover_through_pipeline(corpus_dir: Path) -> None:
    import gknlp

    report = gknlp.extract(corpus_dir / "raw" / "023_pingtan-hzs-2022.txt").to_dict()
    assert report["tables"]["proactive"]["normative_docs"] == {"issued": 2, "repealed": 0, "in_force": 25}
    assert report["table_info"]["proactive"]["layout"] == "recovered"


def test_recover_decimal_values_are_decimals() -> None:
    text = "第二十条第（八）项信息内容本年收费金额（单位：万元）行政事业性收费9116.36 三、收到"
    p = extract_proactive(text, 0, len(text), year=2022)
    recover_tables(p, extract_requests("", 0, 0), extract_appeals("", 0, 0))
    assert p.value("fees", "amount_wan_yuan") == Decimal("9116.36")
