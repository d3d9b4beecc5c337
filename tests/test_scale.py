"""Corpus scale: tidy exports, deterministic and resumable batches, Dask, the exploration notebook."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gknlp.batch import done_hashes, run_batch
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


# --- determinism and resume ------------------------------------------------------------------------------


def _copies(dest: Path, n: int) -> list[Path]:
    """n variants of the seeds, a trailing line differing so every sha256 differs."""
    dest.mkdir(parents=True, exist_ok=True)
    seeds = sorted(SEEDS.glob("*.txt"))
    made = []
    for i in range(n):
        src = seeds[i % len(seeds)]
        p = dest / f"{i:03d}_{src.name}"
        p.write_bytes(src.read_bytes() + f"\n附：副本 {i}\n".encode("utf-8"))
        made.append(p)
    return made


def test_scale_batch_is_deterministic(tmp_path: Path) -> None:
    files = _copies(tmp_path / "in", 8)
    a, b, c = (tmp_path / f"{x}.jsonl" for x in "abc")
    run_batch(files, a, jobs=1, opts=FAST)
    run_batch(files, b, jobs=1, opts=FAST)
    run_batch(files, c, jobs=2, opts=FAST)
    assert a.read_bytes() == b.read_bytes() == c.read_bytes()


def test_scale_resume_after_kill(tmp_path: Path) -> None:
    files = _copies(tmp_path / "in", 40)
    want = {hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    assert len(want) == 40
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "gknlp.cli.app", "extract", str(tmp_path / "in"), "-o", str(out), "--jobs", "1",
           "--no-themes"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if out.exists() and out.stat().st_size > 0:
                break
            time.sleep(0.01)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    killed_early = proc.returncode == -signal.SIGKILL
    # a torn last line, as a kill in the middle of a write would leave
    with out.open("ab") as fh:
        fh.write(b'{"source": {"path": "half')
    done = done_hashes(out)
    data = out.read_bytes()
    assert data == b"" or data.endswith(b"\n")
    lines = data.decode("utf-8").splitlines()
    assert all(json.loads(x) for x in lines)
    assert len(done) == len(lines)
    if killed_early:
        assert len(lines) < 40
    print(f"killed={killed_early} after {len(lines)} lines")

    result = subprocess.run(cmd + ["--resume"], capture_output=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")[-2000:]
    shas = [json.loads(x)["source"]["sha256"] for x in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(shas) == sorted(want)  # every input exactly once


def test_scale_batch_mixes_good_and_bad_files(tmp_path: Path) -> None:
    # tests/test_io.py covers one empty file through the CLI; here several kinds of bad input.
    files = _copies(tmp_path / "in", 3)
    (tmp_path / "in" / "bad_binary.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "in" / "bad_empty.txt").write_bytes(b"")
    missing = tmp_path / "in" / "missing.txt"
    out = tmp_path / "out.jsonl"
    summary_ = run_batch([tmp_path / "in", missing], out, jobs=2, opts=FAST)
    records = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    by_path = {Path(r["source"]["path"]).name: r for r in records}
    assert all("error" not in by_path[f.name] for f in files)
    bad = [n for n in by_path if n.startswith("bad_") or n == "missing.txt"]
    assert sorted(bad) == ["bad_binary.txt", "bad_empty.txt", "missing.txt"]
    assert all("error" in by_path[n] and by_path[n]["error"]["type"] for n in bad)
    assert summary_.errors == 3 and summary_.ok == 3
    result = CliRunner().invoke(app, ["extract", str(tmp_path / "in"), "-o", str(tmp_path / "cli.jsonl"),
                                      "--jobs", "1", "--no-themes"])
    assert result.exit_code != 0


def test_scale_parent_warms_up_before_forking_workers() -> None:
    """Workers forked from a warmed parent inherit the loaded theme model and compiled
    patterns instead of loading them each (checked in a fresh interpreter)."""
    code = ("import gc, sys\n"
            "from gknlp import batch, tagging\n"
            "assert tagging.load_theme_model.cache_info().currsize == 0\n"
            "batch._warm_up({'themes': True, 'counts': True})\n"
            "print(tagging.load_theme_model.cache_info().currsize, 'gknlp.tables.recover' in sys.modules,"
            " gc.get_freeze_count() > 10000)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["1", "True", "True"]


def test_scale_chunk_gives_the_lines_of_one_file_at_a_time() -> None:
    """Themes are scored for a whole chunk in one call; every line equals the file's own."""
    from gknlp.batch import process_chunk, process_one

    seeds = [str(p) for p in sorted(SEEDS.glob("*.txt"))]
    opts = {"timeout": 60}
    chunk = [line for line, _ in process_chunk(seeds, opts)]
    alone = [process_one(s, opts) for s in seeds]
    assert chunk == alone
    assert sum('"themes":["' in line for line in chunk) >= 5  # themes really were scored


def test_scale_chunk_isolates_a_file_whose_annotation_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import gknlp.tagging
    from gknlp.batch import process_chunk

    files = _copies(tmp_path / "in", 4)
    bad = files[2].rename(files[2].with_name("bad_" + files[2].name))
    files[2] = bad
    real = gknlp.tagging.annotate_counts

    def failing(report):
        if "bad_" in report.source["path"]:
            raise RuntimeError("counts blew up")
        real(report)

    monkeypatch.setattr(gknlp.tagging, "annotate_counts", failing)
    records = [json.loads(line) for line, _ in process_chunk([str(f) for f in files], FAST)]
    assert [("error" in r) for r in records] == [False, False, True, False]
    assert records[2]["error"] == {"type": "RuntimeError", "message": "counts blew up"}
    assert records[2]["source"]["path"] == str(bad)
    assert all(r["counts"] for i, r in enumerate(records) if i != 2)


def _slow_steps(slow: Path, seconds: float, every_step: bool) -> tuple:
    """gknlp.pipeline.STEPS with a sleep for one file: in its first step or in every step."""
    import gknlp.pipeline

    def slowed(step, sleep: bool):
        def run(draft):
            if sleep and draft.doc.path == str(slow):
                time.sleep(seconds)
            step(draft)
        return run

    return tuple(slowed(step, every_step or i == 0) for i, step in enumerate(gknlp.pipeline.STEPS))


@pytest.mark.parametrize("every_step", [False, True], ids=["one_slow_step", "limit_spent_across_steps"])
def test_scale_file_over_the_time_limit_is_one_error_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                          every_step: bool) -> None:
    """A file's limit bounds one slow step, and also the sum of its steps (8 x 0.3 s > 1 s)."""
    import gknlp.pipeline
    from gknlp.batch import process_chunk

    files = _copies(tmp_path / "in", 3)
    slow = files[1]
    monkeypatch.setattr(gknlp.pipeline, "STEPS", _slow_steps(slow, 0.3 if every_step else 5, every_step))
    t0 = time.monotonic()
    records = [json.loads(line) for line, _ in process_chunk([str(f) for f in files], {**FAST, "timeout": 1})]
    assert time.monotonic() - t0 < 4
    assert records[1]["error"] == {"type": "timeout", "message": "processing took longer than 1 s"}
    assert records[1]["source"]["path"] == str(slow)
    assert "error" not in records[0] and "error" not in records[2]
    assert len(gknlp.pipeline.STEPS) == 8  # so that every_step sleeps 2.4 s in all


def test_scale_chunk_runs_each_step_over_all_files_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Step by step across the chunk, each file's steps in pipeline order."""
    import gknlp.pipeline
    from gknlp.batch import process_chunk

    calls: list[tuple[int, str]] = []

    def logged(i, step):
        def run(draft):
            calls.append((i, Path(draft.doc.path).name))
            step(draft)
        return run

    monkeypatch.setattr(gknlp.pipeline, "STEPS", tuple(logged(i, s) for i, s in enumerate(gknlp.pipeline.STEPS)))
    files = _copies(tmp_path / "in", 3)
    process_chunk([str(f) for f in files], FAST)
    assert calls == [(i, f.name) for i in range(8) for f in files]


# --- Dask ------------------------------------------------------------------------------------------------


def test_scale_dask_matches_single_process(tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed", reason="dask[distributed] is not installed")
    from dask.distributed import LocalCluster

    files = _copies(tmp_path / "in", 6)
    local, dist = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    run_batch(files, local, jobs=1, opts=FAST)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        assert len(cluster.workers) == 2
        run_batch(files, dist, jobs=2, opts=FAST, engine="dask", address=cluster.scheduler_address)
    load = lambda p: [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines()]  # noqa: E731
    assert load(dist) == load(local)


# --- the notebook ------------------------------------------------------------------------------------------


def test_scale_notebook_runs_top_to_bottom(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed")
    nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed")
    pytest.importorskip("ipykernel", reason="ipykernel is not installed")
    pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit the notebook stripped"
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    # Chinese labels render: matplotlib warns "Glyph ... missing from font(s)" when they would be boxes
    assert not [o for o in outputs if "missing from font" in str(o.get("text", ""))]
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
