"""Corpus scale: tidy exports, the exploration notebook, the CLI outside the tree (batches: tests/test_batch.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from notebook_runner import run_notebook
from typer.testing import CliRunner

from gknlp.batch import run_batch
from gknlp.cli.app import app
from gknlp.export import read_records, summary, tidy_tables, write_tables

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "gknlp" / "data" / "samples"
NOTEBOOK = ROOT / "notebooks" / "01_explore.ipynb"
FAST = {"themes": False}

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def seed_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds' batch output without themes, computed once for the export tests."""
    out = tmp_path_factory.mktemp("seeds") / "out.jsonl"
    run_batch([SEEDS], out, jobs=1, opts=FAST)
    return out


@pytest.fixture(scope="module")
def themed_record() -> dict:
    """One seed with a fake theme annotation, so the score columns are tested without the model."""
    from gknlp.batch import process_one

    rec = json.loads(process_one(str(sorted(SEEDS.glob("*.txt"))[0]), FAST))
    for p in rec["paragraphs"]:
        p["scores"] = {"platform": 0.9, "training": 0.1}
        p["themes"] = ["platform", "training"]
    return rec


# --- exports -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("column", [
    "report_id", "path", "level", "year", "template", "requests.new.total", "requests.new.natural_person",
    "proactive.procurement.amount_wan_yuan", "proactive.rules.made", "appeals.review.total",
    "n_checks_failed", "n_warnings", "error_type",
], ids=lambda c: c)
def test_scale_export_reports_columns(seed_results: Path, column: str) -> None:
    reports = tidy_tables(read_records(seed_results))["reports"]
    assert column in reports.columns
    assert len(reports) == len(list(SEEDS.glob("*.txt")))


def test_scale_export_reports_values_match_the_json(seed_results: Path) -> None:
    records = list(read_records(seed_results))
    reports = tidy_tables(records)["reports"].set_index("report_id")
    for rec in records:
        row = reports.loc[rec["source"]["sha256"]]
        for table, cells in rec["tables"].items():
            for r, cols in cells.items():
                for col, value in cols.items():
                    got = row[f"{table}.{r}.{col}"]
                    assert pd.isna(got) if value is None else got == pytest.approx(value)
        assert row["n_checks_failed"] == sum(c["status"] == "fail" for c in rec["checks"])
        assert row["year"] == rec["meta"]["year"]


def test_scale_export_paragraph_and_count_columns(seed_results: Path) -> None:
    tables = tidy_tables(read_records(seed_results))
    assert list(tables["paragraphs"].columns) == ["report_id", "paragraph", "section", "heading", "text", "start",
                                                  "end", "kind", "themes"]
    assert list(tables["counts"].columns) == ["report_id", "paragraph", "text", "start", "end", "value",
                                              "value_max", "approx", "qualifier", "delta", "unit", "counted",
                                              "category"]
    assert len(tables["counts"]) > 0 and tables["counts"]["report_id"].isin(tables["reports"]["report_id"]).all()
    para_keys = set(zip(tables["paragraphs"]["report_id"], tables["paragraphs"]["paragraph"]))
    assert set(zip(tables["counts"]["report_id"], tables["counts"]["paragraph"])) <= para_keys


def test_scale_export_theme_scores_become_columns(themed_record: dict) -> None:
    paragraphs = tidy_tables([themed_record])["paragraphs"]
    assert {"score.platform", "score.training"} <= set(paragraphs.columns)
    assert paragraphs.columns[-1] == "themes"
    assert (paragraphs["themes"] == "platform;training").all()
    by_year = summary([themed_record])["themes_by_year"]
    assert by_year["platform"].tolist() == [1.0]


def test_scale_export_error_line_is_a_report_row() -> None:
    rec = {"source": {"path": "x.txt", "sha256": "ab", "format": None}, "error": {"type": "empty", "message": "m"}}
    tables = tidy_tables([rec])
    assert tables["reports"].loc[0, "error_type"] == "empty"
    assert tables["paragraphs"].empty and tables["counts"].empty
    assert "report_id" in tables["paragraphs"].columns


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_scale_export_round_trip(seed_results: Path, tmp_path: Path, fmt: str) -> None:
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    tables = tidy_tables(read_records(seed_results))
    paths = write_tables(tables, tmp_path, fmt)
    assert sorted(p.name for p in paths) == sorted(f"{n}.{fmt}" for n in ("reports", "paragraphs", "counts"))
    for name, df in tables.items():
        path = tmp_path / f"{name}.{fmt}"
        if fmt == "csv":
            assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for Excel
            back = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=True)
        else:
            back = pd.read_parquet(path)
        assert list(back.columns) == list(df.columns)
        assert len(back) == len(df)
        for col in ("report_id", "text", "title"):
            if col in df.columns:
                assert back[col].fillna("").astype(str).tolist() == df[col].fillna("").astype(str).tolist()
        if name == "reports":
            num = "requests.new.natural_person"
            assert back[num].fillna(-1).astype(float).tolist() == df[num].fillna(-1).astype(float).tolist()


def test_scale_cli_export_and_summary(seed_results: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["export", str(seed_results), "--to", "csv", "-o", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "t" / "reports.csv").exists()
    bad = CliRunner().invoke(app, ["export", str(seed_results), "--to", "xls", "-o", str(tmp_path / "u")])
    assert bad.exit_code == 2
    result = CliRunner().invoke(app, ["summary", str(seed_results)])
    assert result.exit_code == 0, result.output
    assert "identity_failures" in result.stdout and "count_categories" in result.stdout


def test_scale_summary_tables(seed_results: Path) -> None:
    figures = summary(read_records(seed_results))
    assert figures["overview"].loc[0, "n_reports"] == 5
    fail = figures["identity_failures"]
    assert {"rule", "failure_rate", "n_reports"} <= set(fail.columns)
    assert ((fail["failure_rate"] >= 0) & (fail["failure_rate"] <= 1)).all()
    cats = figures["count_categories"]
    assert cats["n_counts"].is_monotonic_decreasing and len(cats) > 0


# --- the notebook ------------------------------------------------------------------------------------------


def test_scale_notebook_runs_top_to_bottom(tmp_path: Path) -> None:
    outputs = run_notebook(NOTEBOOK)  # Chinese labels render: no glyph missing from the font
    assert any("image/png" in o.get("data", {}) for o in outputs), "the notebook drew no figure"


def test_cli_outside_the_source_tree_uses_the_shipped_model(tmp_path: Path) -> None:
    """The README's first command runs an installed gknlp (not the checkout): the theme model and
    codebook must come with the package. Run from an empty folder so the checkout is not imported."""
    sample = Path(__file__).resolve().parents[1] / "gknlp" / "data" / "samples" / "004_0494dfef68de25df.txt"
    out = tmp_path / "out.jsonl"
    code = ("import sys, gknlp.cli.app; sys.argv = ['gknlp', 'extract', sys.argv[1], '-o', sys.argv[2]]; "
            "gknlp.cli.app()")
    subprocess.run([sys.executable, "-c", code, str(sample), str(out)], cwd=tmp_path, check=True,
                   capture_output=True)
    record = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert not [w for w in record.get("warnings", []) if w["code"] == "no_theme_model"]
    themed = [p for p in record["paragraphs"] if p.get("themes")]
    assert len(themed) >= 10, record["paragraphs"][:2]
    code = "from gknlp.themes.model import load_codebook; print(len(load_codebook().labels))"
    labels = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True,
                            capture_output=True, text=True).stdout.strip()
    assert labels == "12"
