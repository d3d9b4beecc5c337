"""The panel: bodies linked over the years, cross-year identities, indicators and places (Pingtan corpus)."""

from __future__ import annotations

from pathlib import Path

import pytest
from notebook_runner import run_notebook
from typer.testing import CliRunner

from gknlp.cli.app import app
from gknlp.panel import (
    build_panel,
    cross_year_checks,
    indicators,
    issuer_key,
    load_mapping,
    resolve_place,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "02_panel.ipynb"


@pytest.fixture(scope="module")
def corpus_results(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus (crawled text and the saved pages) extracted once without themes."""
    from gknlp.batch import run_batch

    out = tmp_path_factory.mktemp("panel") / "corpus.jsonl"
    run_batch([corpus_dir / "raw", corpus_dir / "html"], out, jobs=1, opts={"themes": False})
    return out


@pytest.fixture(scope="module")
def mapping_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("map") / "bodies.csv"
    path.write_text("issuer,key,place\n"
                    "平潭综合实验区综合执法局,平潭综合实验区综合执法与应急管理局,\n"
                    "平潭县交通局,平潭综合实验区交通与建设局,\n"
                    "平潭综合实验区,,福建省福州市平潭县\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("issuer, key", [
    ("平潭综合实验区公安局", "平潭综合实验区公安局"),
    ("平潭综合实验区海坛片区管理局 关于", "平潭综合实验区海坛片区管理局"),
    ("# 沭阳县人民政府", "沭阳县人民政府"),
    ("上海市科学技术委员会（市科委）", "上海市科学技术委员会"),
    ("安宁市人民政府2020年度", "安宁市人民政府"),
    ("  ", None),
    (None, None),
], ids=["plain", "title-word", "markdown", "bracket-aside", "year", "blank", "none"])
def test_panel_issuer_key(issuer: str | None, key: str | None) -> None:
    assert issuer_key(issuer) == key


@pytest.mark.parametrize("text, expected", [
    ("安宁市人民政府", ("云南省", "昆明市", "安宁市", "530181")),
    ("沭阳县发展和改革局", ("江苏省", "宿迁市", "沭阳县", "321322")),
    ("福建省福州市平潭县", ("福建省", "福州市", "平潭县", "350128")),
], ids=["city", "county-department", "full"])
def test_panel_resolve_place(text: str, expected: tuple) -> None:
    place = resolve_place(text)
    assert (place["province"], place["city"], place["county"], place["adcode"]) == expected


@pytest.mark.parametrize("text", ["平潭综合实验区", "洄水镇", "公安局"])
def test_panel_unknown_place_is_none(text: str) -> None:
    assert resolve_place(text) is None


def _rows(result) -> dict:
    return {(r["body_key"], r["year"]): r for r in result.rows}


@pytest.mark.corpus
def test_panel_links_pingtan_bodies_over_the_years(corpus_results: Path) -> None:
    from gknlp.export import read_records

    result = build_panel(read_records(corpus_results))
    rows = _rows(result)
    years = sorted(y for k, y in rows if k == "平潭综合实验区财政金融局")
    assert years == [2012, 2019, 2020, 2021, 2022, 2023, 2024, 2025]
    assert sorted(y for k, y in rows if k == "平潭综合实验区") == list(range(2018, 2026))
    # the page and the crawled text of one report: one row, the page kept
    main_2019 = rows[("平潭综合实验区", 2019)]
    assert main_2019["n_reports"] == 2 and main_2019["path"].endswith("html/001_pingtan-main-2019.html")
    assert any(w.code == "duplicate_report" for w in result.warnings)
    # 平潭综合实验区 is an economic zone, not a division: null with a warning, never a guess
    assert main_2019["province"] is None and main_2019["adcode"] is None
    assert any(w.code == "place_unknown" and w.raw == "平潭综合实验区" for w in result.warnings)


@pytest.mark.corpus
def test_panel_mapping_links_renamed_bodies_and_places(corpus_results: Path, mapping_file: Path) -> None:
    from gknlp.export import read_records

    result = build_panel(read_records(corpus_results), mapping=mapping_file)
    rows = _rows(result)
    assert sorted(y for k, y in rows if k == "平潭综合实验区综合执法与应急管理局") == [2015, 2019, 2020, 2022, 2023, 2025]
    assert not [k for k, _ in rows if k == "平潭综合实验区综合执法局"]
    assert sorted(y for k, y in rows if k == "平潭综合实验区交通与建设局") == [2010, 2019, 2021, 2023, 2024, 2025]
    for key in ("平潭综合实验区", "平潭综合实验区财政金融局", "平潭综合实验区苏平片区管理局"):
        row = rows[(key, 2021)]
        assert (row["province"], row["city"], row["county"], row["adcode"]) == ("福建省", "福州市", "平潭县", "350128")
    assert not [w for w in result.warnings if w.code == "place_unknown" and w.raw and "平潭综合实验区" in w.raw]


@pytest.mark.corpus
def test_panel_cross_year_checks_find_the_real_breaks(corpus_results: Path) -> None:
    """现行有效 this year = last year's + 制发 − 废止: hand-read from the dev reports,
    公安局 2021 规范性文件 现行有效 2; 2022 制发 4 废止 1 现行有效 7 (expected 5);
    财政金融局 2021 现行有效 3; 2022 制发 8 废止 0 现行有效 8 (expected 11)."""
    from gknlp.export import read_records

    result = build_panel(read_records(corpus_results))
    breaks = {(c["body_key"], c["year"]): (c["expected"], c["found"]) for c in result.checks
              if c["rule"] == "panel.in_force" and c["status"] == "fail" and c["year"] <= 2022}
    assert breaks[("平潭综合实验区公安局", 2022)] == (5, 7)
    assert breaks[("平潭综合实验区财政金融局", 2022)] == (11, 8)
    assert all(c["severity"] == "warning" for c in result.checks if c["rule"] == "panel.in_force")
    carried = [c for c in result.checks if c["rule"] == "panel.carried_in"]
    assert len(carried) > 200 and all(c["severity"] == "error" for c in carried)
    # 平潭综合实验区 2021 carried 1 over (总计 column), 2022 carried 1 in
    c = next(c for c in carried if c["body_key"] == "平潭综合实验区" and c["year"] == 2022 and c["where"].endswith(".total"))
    assert (c["expected"], c["found"], c["status"]) == (1, 1, "pass")
    assert _rows(result)[("平潭综合实验区公安局", 2022)]["n_cross_year_failed"] == 1


@pytest.mark.corpus
def test_panel_indicators_against_hand_computation(corpus_results: Path) -> None:
    """raw/015 (平潭综合实验区 2021), read by hand: 新收 总计 70 (自然人 64, 社会公益组织 2, 其他 4);
    办理结果总计 69; 予以公开 30, 部分公开 5; 不予公开 1 + 6 + 1; 无法提供 25; 行政复议 维持 1 其他 2
    总计 3; 直接起诉 维持 12 总计 12; 复议后起诉 0."""
    from gknlp.export import read_records

    row = _rows(build_panel(read_records(corpus_results)))[("平潭综合实验区", 2021)]
    assert (row["new"], row["processed"], row["granted"], row["partly_granted"]) == (70, 69, 30, 5)
    assert row["disclosure_rate"] == pytest.approx(35 / 69)
    assert row["denial_rate"] == pytest.approx(8 / 69)
    assert row["cannot_provide_rate"] == pytest.approx(25 / 69)
    assert row["review_correction_rate"] == 0.0
    assert row["litigation_correction_rate"] == 0.0
    assert row["disputes_per_100_requests"] == pytest.approx(100 * 15 / 70)
    assert row["org_applicant_share"] == pytest.approx(6 / 70)


def test_panel_indicators_null_not_zero() -> None:
    req = {"new": {"natural_person": 0, "commercial": 0, "research": 0, "public_interest": 0, "legal_services": 0,
                   "other_org": 0, "total": 0}, "total": {"total": None}}
    got = indicators({"requests": req, "appeals": {"review": {"corrected": 1, "total": 2, "pending": 0}}})
    assert got["disclosure_rate"] is None  # no 总计: unknown, not 0
    assert got["disputes_per_100_requests"] is None  # 0 new requests: undefined
    assert got["org_applicant_share"] is None
    assert got["review_correction_rate"] == 0.5


def test_panel_carried_in_break_is_a_failed_check() -> None:
    cols = ("natural_person", "commercial", "research", "public_interest", "legal_services", "other_org", "total")
    last = {"requests": {"carried_over": dict.fromkeys(cols, 0) | {"natural_person": 2, "total": 2}}}
    this = {"requests": {"carried_in": dict.fromkeys(cols, 0) | {"natural_person": 1, "total": 1}}}
    checks = cross_year_checks("某局", 2021, this, last)
    failed = {c["where"].rsplit(".", 1)[1]: (c["expected"], c["found"]) for c in checks if c["status"] == "fail"}
    assert failed == {"natural_person": (2, 1), "total": (2, 1)}


@pytest.mark.parametrize("content, message", [
    ("name,key\nx,y\n", "header"),
    ("issuer,key\n,平潭\n", "no issuer"),
], ids=["no-issuer-column", "blank-issuer"])
def test_panel_bad_mapping_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    from gknlp.panel import PanelError

    path = tmp_path / "m.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PanelError, match=message):
        load_mapping(path)


def test_panel_mapping_follows_chains(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("issuer,key\n甲局,乙局\n乙局,丙局\n", encoding="utf-8")
    assert load_mapping(path).key("甲局") == "丙局"


@pytest.mark.corpus
@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_panel_cli_writes_each_format(corpus_results: Path, mapping_file: Path, tmp_path: Path, suffix: str) -> None:
    import pandas as pd

    out = tmp_path / f"panel{suffix}"
    result = CliRunner().invoke(app, ["panel", str(corpus_results), "-o", str(out), "--mapping", str(mapping_file)])
    assert result.exit_code == 0, result.output
    if suffix == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(out, read_only=True)
        assert book.sheetnames == ["panel", "checks", "warnings"]
        header = [c.value for c in next(book["panel"].iter_rows(max_row=1))]
        assert header[:3] == ["body_key", "year", "issuer"] and "disclosure_rate" in header
        df = pd.read_excel(out, sheet_name="panel", dtype={"adcode": str})
    elif suffix == ".csv":
        df = pd.read_csv(out, encoding="utf-8-sig", dtype={"adcode": str})
        assert (tmp_path / "panel_checks.csv").exists()
    else:
        df = pd.read_parquet(out)
    assert df["year"].dropna().astype(int).between(2009, 2025).all()
    row = df[(df["body_key"] == "平潭综合实验区") & (df["year"] == 2021)].iloc[0]
    assert row["disclosure_rate"] == pytest.approx(35 / 69)
    assert str(row["adcode"]) == "350128"


def test_panel_notebook_runs_top_to_bottom() -> None:
    """Runs with or without the corpus (samples only: one year per body, still three figures)."""
    outputs = run_notebook(NOTEBOOK)
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 3, "the notebook drew fewer than 3 figures"
