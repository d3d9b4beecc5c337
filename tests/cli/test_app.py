"""Every command of the `gknlp` CLI on missing, wrong-format and empty input: one clear line on stderr
and exit code 2 (README: exit codes), never a traceback; and the happy paths users meet first."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from gknlp.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "gknlp" / "data" / "samples" / "004_0494dfef68de25df.txt"
COMMANDS = ["extract", "train", "evaluate", "tag", "schema", "export", "summary", "render", "panel"]


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def assert_clear_error(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: "), result.stderr
    for w in words:
        assert w in result.stderr, result.stderr


@pytest.fixture(scope="module")
def one_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`gknlp extract report.txt > one.json`: the pretty single-document output."""
    result = run("extract", SEED, "--no-themes")
    assert result.exit_code == 0
    path = tmp_path_factory.mktemp("one") / "one.json"
    path.write_text(result.stdout, encoding="utf-8")
    return path


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    out = {"missing": tmp_path / "missing.jsonl", "dir": tmp_path, "empty": tmp_path / "empty.jsonl",
           "csv": tmp_path / "reports.csv", "plain": tmp_path / "plain.txt"}
    out["empty"].write_bytes(b"")
    out["csv"].write_text("report_id,year\nab,2020\n", encoding="utf-8")
    out["plain"].write_text("（五）平台建设情况：稳步推进政府公示栏建设。\n", encoding="utf-8")
    return out


@pytest.mark.parametrize("command", ["export", "summary", "panel"])
@pytest.mark.parametrize("kind, words", [
    ("missing", ["no such file"]), ("dir", ["is a directory"]), ("empty", ["empty file"]),
    ("csv", ["CSV", "JSON Lines"]), ("plain", ["not JSON"]),
], ids=["missing", "directory", "empty", "csv", "plain-text"])
def test_app_results_commands_reject_bad_input(files: dict[str, Path], tmp_path: Path, command: str, kind: str,
                                               words: list[str]) -> None:
    extra = {"export": ["-o", tmp_path / "t"], "summary": [], "panel": ["-o", tmp_path / "p.csv"]}[command]
    assert_clear_error(run(command, files[kind], *extra), *words)


@pytest.mark.parametrize("kind, words", [
    ("missing", ["no such file"]), ("empty", ["empty file"]), ("csv", ["line 1 is not JSON"]),
    ("plain", ["line 1 is not JSON", '"text"']),
], ids=["missing", "empty", "csv", "plain-text"])
def test_app_tag_rejects_bad_input(files: dict[str, Path], tmp_path: Path, kind: str, words: list[str]) -> None:
    assert_clear_error(run("tag", files[kind], "-o", tmp_path / "o.jsonl"), *words)


def test_app_tag_line_without_text(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"paragraph": "x"}\n', encoding="utf-8")
    assert_clear_error(run("tag", path), 'no "text"')


@pytest.mark.parametrize("kind, words", [
    ("missing", ["no such file"]), ("dir", ["is a directory"]), ("csv", ["cannot be extracted", "not_a_report"]),
    ("plain", ["cannot be extracted"]),
], ids=["missing", "directory", "csv", "plain-text"])
def test_app_render_rejects_bad_input(files: dict[str, Path], tmp_path: Path, kind: str, words: list[str]) -> None:
    assert_clear_error(run("render", files[kind], "-o", tmp_path / "r.html"), *words)
    assert not (tmp_path / "r.html").exists()


def test_app_render_empty_results_and_bad_index(files: dict[str, Path], one_json: Path, tmp_path: Path) -> None:
    assert_clear_error(run("render", files["empty"], "-o", tmp_path / "r.html"), "empty file")
    assert_clear_error(run("render", one_json, "--index", "3", "-o", tmp_path / "r.html"), "no record 3")


def test_app_render_error_record(tmp_path: Path) -> None:
    path = tmp_path / "err.jsonl"
    path.write_text(json.dumps({"source": {"path": "x.txt", "sha256": None, "format": None},
                                "error": {"type": "empty", "message": "empty file"}}) + "\n", encoding="utf-8")
    assert_clear_error(run("render", path, "-o", tmp_path / "r.html"), "the record is an error", "empty")


@pytest.mark.parametrize("args, words", [
    (["export", "{one}", "--to", "xls"], ["--to must be one of csv, parquet, xlsx"]),
    (["summary", "{one}", "--format", "yaml"], ["--format must be one of table, json, csv"]),
    (["panel", "{one}", "-o", "{tmp}/panel.txt"], [".csv, .parquet or .xlsx"]),
    (["panel", "{one}", "-o", "{tmp}/panel.csv", "--mapping", "{tmp}/none.csv"], ["no such mapping file"]),
], ids=["export-format", "summary-format", "panel-suffix", "panel-mapping"])
def test_app_bad_options(one_json: Path, tmp_path: Path, args: list[str], words: list[str]) -> None:
    args = [a.format(one=one_json, tmp=tmp_path) for a in args]
    assert_clear_error(run(*args), *words)


def test_app_extract_without_input_files(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run("extract", tmp_path / "empty")
    assert result.exit_code == 2 and "no input files" in result.output


def test_app_extract_missing_file_is_a_clear_error_exit_2(tmp_path: Path) -> None:
    result = run("extract", tmp_path / "missing.html", "--no-themes")
    assert result.exit_code == 2 and result.stdout == ""
    assert "no such file or directory" in result.stderr and "missing.html" in result.stderr


def test_app_extract_unreadable_file_is_an_error_record_and_a_line_exit_1(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("")
    result = run("extract", tmp_path / "empty.txt", "--no-themes")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["type"] == "empty"
    assert result.stderr.startswith("error: ") and "the file is empty" in result.stderr


@pytest.mark.parametrize("to", ["csv", "parquet", "xlsx"])
def test_app_export_one_pretty_json_works(one_json: Path, tmp_path: Path, to: str) -> None:
    result = run("export", one_json, "--to", to, "-o", tmp_path / "t")
    assert result.exit_code == 0, result.output
    name = "tables.xlsx" if to == "xlsx" else f"reports.{to}"
    assert (tmp_path / "t" / name).exists()
    assert "1 rows" in result.stdout


def test_app_summary_of_one_pretty_json(one_json: Path) -> None:
    result = run("summary", one_json, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["overview"][0]["n_reports"] == 1


def test_app_summary_csv_is_long_form(one_json: Path) -> None:
    result = run("summary", one_json, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0].keys() == {"table", "row", "column", "value"}
    assert {"table": "overview", "row": "all", "column": "n_reports", "value": "1"} in rows


def test_app_summary_table_fits_80_columns_without_cutting(tmp_path: Path) -> None:
    """Piped output is 80 columns wide: every line fits and no value is cut (no `as…`, `0.…`)."""
    rec = json.loads(run("extract", SEED, "--no-themes").stdout)
    labels = ["assessment", "info_management", "interpretation", "key_areas", "leadership", "platform",
              "proactive", "publicity", "requests", "responsiveness", "rules_system", "training"]
    for p in rec["paragraphs"]:
        if p["section"] == "overall":
            p["themes"], p["scores"] = labels[:3], dict.fromkeys(labels, 0.5)
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run("summary", path)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    assert "…" not in result.stdout
    for label in labels:  # every theme column shown whole, in one of the split tables
        assert f" {label} " in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_app_help_shows_flags_as_flags(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "<bool>" not in result.output and "[default: False]" not in result.output


def test_app_extract_help_resume_is_a_flag() -> None:
    out = run("extract", "--help").output
    line = next(x for x in out.splitlines() if "--resume" in x)
    assert line.split("--resume")[1].split()[0] != "<bool>"


def test_app_extract_with_text_gives_the_text_offsets_index() -> None:
    doc = json.loads(run("extract", SEED, "--no-themes", "--with-text").stdout)
    text = doc["text"]
    for p in doc["paragraphs"]:
        assert text[p["start"]:p["end"]] == p["text"]
        for c in p["counts"]:
            assert text[c["start"]:c["end"]] == c["text"]
    for c in doc["counts"]:
        assert text[c["start"]:c["end"]] == c["text"]
    assert doc["model_version"] is None
    assert all(p["themes"] is None and p["scores"] is None and p["kind"] is None for p in doc["paragraphs"])


def test_app_no_counts_leaves_count_keys_null() -> None:
    doc = json.loads(run("extract", SEED, "--no-themes", "--no-counts").stdout)
    assert doc["counts"] is None and "text" not in doc
    assert all(p["counts"] is None for p in doc["paragraphs"])
