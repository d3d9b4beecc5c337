"""Batches: deterministic, in input order, one record per input, resumable, chunked steps, Dask."""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gknlp.batch import BatchError, chunk_records, list_inputs, process_chunk, process_one, run_batch

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "gknlp" / "data" / "samples"
FAST = {"themes": False}


def copies(dest: Path, n: int) -> list[Path]:
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


def records(out: Path) -> list[dict]:
    return [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]


def test_batch_is_deterministic(tmp_path: Path) -> None:
    files = copies(tmp_path / "in", 8)
    a, b, c = (tmp_path / f"{x}.jsonl" for x in "abc")
    run_batch(files, a, jobs=1, opts=FAST)
    run_batch(files, b, jobs=1, opts=FAST)
    run_batch(files, c, jobs=2, opts=FAST)
    assert a.read_bytes() == b.read_bytes() == c.read_bytes()
    assert [r["source"]["path"] for r in records(a)] == [str(f) for f in files]


def test_batch_resume_after_kill(tmp_path: Path) -> None:
    files = copies(tmp_path / "in", 40)
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "gknlp.cli.app", "extract", str(tmp_path / "in"), "-o", str(out), "--jobs", "1",
           "--no-themes"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if out.exists() and out.stat().st_size > 0:
                break
            time.sleep(0.01)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the batch and its workers
    finally:
        proc.wait(timeout=30)
    with out.open("ab") as fh:  # a torn last line, as a kill in the middle of a write leaves
        fh.write(b'{"source": {"path": "half')
    before = out.read_bytes()
    result = subprocess.run(cmd + ["--resume"], capture_output=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")[-2000:]
    after = out.read_bytes()
    kept = before[: before.rindex(b"\n") + 1] if b"\n" in before else b""
    assert after.startswith(kept)  # only the torn tail was cut
    paths = [r["source"]["path"] for r in records(out)]
    assert sorted(paths) == sorted(str(f) for f in files)  # every input exactly once


def test_batch_mixes_good_and_bad_files(tmp_path: Path) -> None:
    files = copies(tmp_path / "in", 3)
    (tmp_path / "in" / "bad_binary.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "in" / "bad_empty.txt").write_bytes(b"")
    missing = tmp_path / "in" / "missing.txt"
    out = tmp_path / "out.jsonl"
    summary = run_batch([tmp_path / "in", missing], out, jobs=2, opts=FAST)
    by_path = {Path(r["source"]["path"]).name: r for r in records(out)}
    assert all("error" not in by_path[f.name] for f in files)
    assert {n: by_path[n]["error"]["type"] for n in ("bad_binary.txt", "bad_empty.txt", "missing.txt")} == {
        "bad_binary.txt": "binary", "bad_empty.txt": "empty", "missing.txt": "unreadable"}
    assert summary.errors == 3 and summary.ok == 3


def test_batch_parent_warms_up_without_freezing_its_own_collector() -> None:
    """Workers forked from a warmed parent inherit the loaded theme model and compiled patterns;
    only the workers freeze the garbage collector, never the caller's interpreter."""
    code = ("import gc, sys\n"
            "from gknlp import batch, pipeline\n"
            "assert pipeline.load_theme_model.cache_info().currsize == 0\n"
            "batch._warm_up({'themes': True, 'counts': True})\n"
            "batch.process_chunk([batch._warm_up.__globals__['data_path']('samples').as_posix() + "
            "'/004_0494dfef68de25df.txt'])\n"
            "print(pipeline.load_theme_model.cache_info().currsize, 'gknlp.tables.recover' in sys.modules,"
            " gc.get_freeze_count())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["1", "True", "0"]
    assert gc.get_freeze_count() == 0


def test_batch_chunk_gives_the_lines_of_one_file_at_a_time() -> None:
    seeds = [str(p) for p in sorted(SEEDS.glob("*.txt"))]
    chunk = [line for line, _ in process_chunk(seeds, {})]
    alone = [process_one(s, {}) for s in seeds]
    assert chunk == alone
    assert sum('"themes":["' in line for line in chunk) >= 5


def test_batch_moves_each_line_as_the_utf8_of_its_text(tmp_path: Path) -> None:
    """The workers' lines are bytes; the text lines and the output file hold the same records."""
    files = copies(tmp_path / "in", 3) + [tmp_path / "missing.txt"]
    names = [str(f) for f in files]
    as_bytes = chunk_records(names, FAST)
    assert [line.decode("utf-8") for line, _ in as_bytes] == [line for line, _ in process_chunk(names, FAST)]
    assert [outcome for _, outcome in as_bytes] == [outcome for _, outcome in process_chunk(names, FAST)]
    assert as_bytes[-1][1][0] == "unreadable"   # an error record goes the same way
    out = tmp_path / "out.jsonl"
    run_batch(files, out, jobs=1, opts=FAST)
    assert out.read_bytes() == b"".join(line + b"\n" for line, _ in as_bytes)
    shown: list[str] = []
    run_batch(files, None, jobs=1, opts=FAST, write=shown.append)   # stdout gets text
    assert shown == [line.decode("utf-8") for line, _ in as_bytes]


def fail_for_bad(draft) -> None:
    """A step that fails the files named bad_* (for add_steps)."""
    if "bad_" in (draft.path or ""):
        raise RuntimeError("counts blew up")


def test_batch_chunk_isolates_a_file_whose_step_fails(tmp_path: Path) -> None:
    files = copies(tmp_path / "in", 4)
    files[2] = files[2].rename(files[2].with_name("bad_" + files[2].name))
    opts = {**FAST, "add_steps": [("fail", f"{__name__}:fail_for_bad", "counts")]}
    recs = [json.loads(line) for line, _ in process_chunk([str(f) for f in files], opts)]
    assert [("error" in r) for r in recs] == [False, False, True, False]
    assert recs[2]["error"] == {"type": "RuntimeError", "message": "counts blew up"}
    assert recs[2]["source"]["path"] == str(files[2])
    assert all(r["counts"] for i, r in enumerate(recs) if i != 2)


def test_batch_existing_output_needs_resume_or_overwrite(tmp_path: Path) -> None:
    files = copies(tmp_path / "in", 2)
    out = tmp_path / "out.jsonl"
    run_batch(files, out, opts=FAST)
    first = out.read_bytes()
    with pytest.raises(BatchError, match="--overwrite") as err:
        run_batch(files, out, opts=FAST)
    assert err.value.code == 2 and out.read_bytes() == first
    run_batch(files, out, opts=FAST, overwrite=True)
    assert out.read_bytes() == first


def test_batch_unknown_engine_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BatchError, match="unknown engine 'daks'") as err:
        run_batch(copies(tmp_path / "in", 1), tmp_path / "o.jsonl", engine="daks")
    assert err.value.code == 2 and not (tmp_path / "o.jsonl").exists()


def test_batch_lists_inputs_without_repeats_and_says_what_it_skipped(tmp_path: Path) -> None:
    d = tmp_path / "in"
    files = copies(d, 2)
    (d / "notes.xls").write_bytes(b"\xd0\xcf")
    (d / ".hidden.txt").write_text("x")
    (d / "sub").mkdir()
    (d / "sub" / "loop").symlink_to(d)  # a symlink loop
    inputs, skipped = list_inputs([d, files[0], str(d / "*.txt")])
    assert [i.path for i in inputs] == [str(f) for f in files]
    why = {Path(p).name: w for p, w in skipped}
    assert why["notes.xls"] == "unsupported suffix .xls" and why[".hidden.txt"] == "hidden"
    assert "loop" in why and "already listed" in why["loop"]


# --- Dask ---------------------------------------------------------------------------------


def test_batch_dask_with_default_options_matches_local(tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed", reason="dask[distributed] is not installed")
    from dask.distributed import LocalCluster

    files = copies(tmp_path / "in", 6)
    local, dist = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    opts = {**FAST, "timeout": 120}  # the CLI's default options
    run_batch(files, local, jobs=1, opts=opts)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        run_batch(files, dist, jobs=2, opts=opts, engine="dask", address=cluster.scheduler_address)
    assert dist.read_bytes() == local.read_bytes()


def test_batch_dask_missing_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails as when not installed
    with pytest.raises(BatchError, match="pip install 'gknlp\\[dask\\]'") as err:
        run_batch(copies(tmp_path / "in", 1), tmp_path / "o.jsonl", engine="dask")
    assert err.value.code == 2
