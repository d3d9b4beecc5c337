"""Fault injection: whatever one file does, every input gets exactly one record, in order, no
line is torn or repeated, time and memory stay bounded, and the good files' records are
byte-identical to a clean run. Every case makes its own inputs."""

from __future__ import annotations

import fcntl
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from gknlp.batch import BatchError, run_batch

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "gknlp" / "data" / "samples"
SEED = SEEDS / "004_0494dfef68de25df.txt"
FAST = {"themes": False, "timeout": 20}


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], dict[str, bytes]]:
    """Four good files and their lines from a clean run."""
    d = tmp_path_factory.mktemp("good")
    files = []
    for i, src in enumerate(sorted(SEEDS.glob("*.txt"))[:4]):
        p = d / f"{i}_{src.name}"
        p.write_bytes(src.read_bytes())
        files.append(p)
    out = d.parent / (d.name + ".jsonl")
    run_batch(files, out, opts=FAST)
    lines = out.read_bytes().splitlines(keepends=True)
    return files, {json.loads(x)["source"]["path"]: x for x in lines}


def check(out: Path, inputs: list[str], clean: dict[str, bytes]) -> dict[str, dict]:
    """One whole record per input, in input order, none twice; the good ones as in a clean run."""
    data = out.read_bytes()
    assert data.endswith(b"\n")
    lines = data.splitlines(keepends=True)
    recs = [json.loads(x) for x in lines]
    assert [r["source"]["path"] for r in recs] == inputs
    for line, rec in zip(lines, recs):
        if rec["source"]["path"] in clean:
            assert line == clean[rec["source"]["path"]]
    return {r["source"]["path"]: r for r in recs}


def run_mixed(tmp_path: Path, good, hostile: list[Path], opts=None, jobs: int = 2, **kw) -> dict[str, dict]:
    files, clean = good
    inputs = [str(files[0]), *map(str, hostile), *map(str, files[1:])]
    out = tmp_path / "out.jsonl"
    run_batch(inputs, out, jobs=jobs, opts={**FAST, **(opts or {})}, **kw)
    return check(out, inputs, clean)


def seed_with(tmp_path: Path, name: str, number: str) -> Path:
    text = SEED.read_text(encoding="utf-8")
    text = text.replace("行政许可 | 174 |", f"行政许可 | {number} |")  # a table cell
    text = text.replace("全市共收到2件", f"全市共收到{number}件")  # a count in the narrative
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# --- big numbers, names ---------------------------------------------------------------------


@pytest.mark.parametrize("digits", [21, 32])
def test_faults_big_numbers_are_data_with_a_warning(tmp_path: Path, good, digits: int) -> None:
    big = seed_with(tmp_path, f"big{digits}.txt", "9" * digits)
    recs = run_mixed(tmp_path, good, [big])
    rec = recs[str(big)]
    assert "error" not in rec
    assert "number_as_text" in {w["code"] for w in rec["warnings"]}
    assert rec["tables"]["proactive"]["licensing"]["prev_items"] == "9" * digits  # the exact digits
    # the counts grammar reads integers of at most 15 digits (data/counts/cues.json): the long run
    # in the narrative is no count, and no count holds a part of it
    assert not any("9" * 16 in c["text"] for c in rec["counts"])


def test_faults_non_utf8_file_name(tmp_path: Path, good) -> None:
    name = os.fsdecode("报告".encode("gbk") + b".txt")  # GBK bytes: not valid UTF-8
    p = tmp_path / name
    p.write_bytes(SEED.read_bytes())
    files, clean = good
    out = tmp_path / "out.jsonl"
    run_batch([str(files[0]), str(p)], out, opts=FAST)
    recs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(recs) == 2 and "error" not in recs[1]
    assert recs[1]["source"]["path"] == str(tmp_path) + "/\\xb1\\xa8\\xb8\\xe6.txt"
    run_batch([str(files[0]), str(p)], out, opts=FAST, resume=True)  # resume knows it by that name
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2


# --- workers that die, hang, or run out of memory -------------------------------------------


def die(draft) -> None:
    if "die_" in (draft.path or ""):
        os.kill(os.getpid(), signal.SIGKILL)


def hang(draft) -> None:
    if "hang_" in (draft.path or ""):
        time.sleep(1000)


def hog(draft) -> None:
    if "hog_" in (draft.path or ""):
        blocks = []
        while True:
            blocks.append(bytearray(64 * 1024 * 1024))


def hostile_copies(tmp_path: Path, prefix: str, n: int = 1) -> list[Path]:
    out = []
    for i in range(n):
        p = tmp_path / f"{prefix}{i}.txt"
        p.write_bytes(SEED.read_bytes())
        out.append(p)
    return out


@pytest.mark.parametrize("jobs", [1, 2])
def test_faults_killed_worker_gives_worker_died_and_the_batch_goes_on(tmp_path: Path, good, jobs: int) -> None:
    bad = hostile_copies(tmp_path, "die_", 2)
    recs = run_mixed(tmp_path, good, bad, {"add_steps": [("die", f"{__name__}:die", "tables")]}, jobs=jobs)
    assert [recs[str(p)]["error"]["type"] for p in bad] == ["worker_died", "worker_died"]
    assert "signal 9" in recs[str(bad[0])]["error"]["message"]


def test_faults_hang_is_killed_at_the_time_limit(tmp_path: Path, good) -> None:
    bad = hostile_copies(tmp_path, "hang_")
    t0 = time.monotonic()
    recs = run_mixed(tmp_path, good, bad, {"timeout": 2, "add_steps": [("hang", f"{__name__}:hang", "read")]})
    assert time.monotonic() - t0 < 20  # chunk limit + the file alone, not 1000 s
    assert recs[str(bad[0])]["error"]["type"] == "timeout"


def test_faults_memory_hog_is_too_large(tmp_path: Path, good) -> None:
    bad = hostile_copies(tmp_path, "hog_")
    recs = run_mixed(tmp_path, good, bad, {"memory_mb": 1024, "add_steps": [("hog", f"{__name__}:hog", "read")]})
    assert recs[str(bad[0])]["error"]["type"] == "too_large"
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < 1.5 * 1024 * 1024  # KB


def test_faults_40000_numerals_paragraph_is_bounded(tmp_path: Path, good) -> None:
    """The counts scan of helper "counts" may be slow on this; the batch still bounds it."""
    text = SEED.read_text(encoding="utf-8")
    p = tmp_path / "numerals.txt"
    p.write_text(text.replace("。", "。" + "一二三四五六七八九十" * 4000 + "。", 1), encoding="utf-8")
    t0 = time.monotonic()
    recs = run_mixed(tmp_path, good, [p], {"timeout": 5})
    assert time.monotonic() - t0 < 30
    rec = recs[str(p)]
    assert "error" not in rec or rec["error"]["type"] == "timeout"


# --- files that are not files, too big, or too deep ------------------------------------------


def test_faults_fifo_device_socket_are_records_not_hangs(tmp_path: Path, good) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    sock_path = tmp_path / "s.txt"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    try:
        t0 = time.monotonic()
        recs = run_mixed(tmp_path, good, [fifo, Path("/dev/zero"), sock_path])
        assert time.monotonic() - t0 < 30
    finally:
        sock.close()
    for p in (fifo, "/dev/zero", sock_path):
        assert recs[str(p)]["error"]["type"] == "not_a_file"
    assert "FIFO" in recs[str(fifo)]["error"]["message"]


def test_faults_fifo_in_a_folder_is_a_record(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_bytes(SEED.read_bytes())
    os.mkfifo(d / "b.txt")
    out = tmp_path / "out.jsonl"
    run_batch([d], out, opts=FAST)
    recs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [("error" in r and r["error"]["type"]) for r in recs] == [False, "not_a_file"]


def test_faults_huge_sparse_file_is_read_capped(tmp_path: Path, good) -> None:
    p = tmp_path / "sparse.txt"
    with p.open("wb") as fh:
        fh.truncate(6 * 1024 ** 3)  # 6 GB of holes: nothing on disk
    t0 = time.monotonic()
    recs = run_mixed(tmp_path, good, [p])
    assert time.monotonic() - t0 < 30
    assert recs[str(p)]["error"]["type"] == "binary"
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < 1.5 * 1024 * 1024


def test_faults_docx_zip_bomb_is_too_large(tmp_path: Path, good) -> None:
    p = tmp_path / "bomb.docx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("word/document.xml", "w", force_zip64=True) as part:
            block = b"<w:p/>" * (1 << 20)
            for _ in range(40):  # 240 MB unzipped, a few hundred KB zipped
                part.write(block)
    assert p.stat().st_size < 2 * 1024 * 1024
    recs = run_mixed(tmp_path, good, [p])
    assert recs[str(p)]["error"]["type"] == "too_large"


@pytest.mark.parametrize("page", [
    b"<html><body>" + b"<div>" * 300 + "政府信息公开工作年度报告".encode() + b"</div>" * 300 + b"</body></html>",
    b'<html><body><div title="' + b"a" * (11 * 1024 * 1024) + b'">text</div></body></html>',
], ids=["nested_300_deep", "attribute_11MB"])
def test_faults_html_beyond_parser_limits_fails_clearly(tmp_path: Path, good, page: bytes) -> None:
    p = tmp_path / "page.html"
    p.write_bytes(page)
    recs = run_mixed(tmp_path, good, [p])
    err = recs[str(p)]["error"]
    assert err["type"] == "too_large" and "limits" in err["message"]


# --- listing ----------------------------------------------------------------------------------


def test_faults_symlink_loops_end_and_each_file_once(tmp_path: Path) -> None:
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_bytes(SEED.read_bytes())
    (d / "sub" / "self").symlink_to(d / "sub")
    (d / "sub" / "up").symlink_to(d)
    out = tmp_path / "out.jsonl"
    t0 = time.monotonic()
    summary = run_batch([d, str(d / "**" / "*.txt")], out, opts=FAST)
    assert time.monotonic() - t0 < 30
    recs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["source"]["path"] for r in recs] == [str(d / "a.txt")]
    assert {why for _, why in summary.not_inputs} >= {"directory already listed (a symlink loop or a second link)"}


# --- resume, locks, write errors --------------------------------------------------------------


def test_faults_resume_by_input_identity(tmp_path: Path, good) -> None:
    files, clean = good
    twin = tmp_path / "twin.txt"
    twin.write_bytes(files[0].read_bytes())  # the same bytes as another input: not the same input
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    inputs = [str(files[0]), str(twin), str(empty), str(files[1])]
    out = tmp_path / "out.jsonl"
    run_batch(inputs[:1], out, opts=FAST)
    for _ in range(2):  # the twin is done once; the error record is not appended again
        summary = run_batch(inputs, out, opts=FAST, resume=True)
    assert summary.skipped == 4
    recs = check(out, inputs, clean)
    assert recs[str(empty)]["error"]["type"] == "empty"
    empty.write_bytes(SEED.read_bytes())
    run_batch(inputs, out, opts=FAST, resume=True, retry_errors=True)  # the error is made again
    recs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["source"]["path"] for r in recs) == sorted(inputs)
    assert "error" not in {r["source"]["path"]: r for r in recs}[str(empty)]


def test_faults_resume_cuts_only_a_torn_tail_and_refuses_a_corrupt_middle(tmp_path: Path, good) -> None:
    files, clean = good
    out = tmp_path / "out.jsonl"
    run_batch(files[:2], out, opts=FAST)
    whole = out.read_bytes()
    out.write_bytes(whole + b'{"source": {"pa')  # torn
    run_batch(files, out, opts=FAST, resume=True)
    check(out, [str(f) for f in files], clean)
    lines = out.read_bytes().splitlines(keepends=True)
    corrupt = lines[0] + b"not json\n" + b"".join(lines[1:])
    out.write_bytes(corrupt)
    with pytest.raises(BatchError, match="line 2 is not a gknlp record") as err:
        run_batch(files, out, opts=FAST, resume=True)
    assert err.value.code == 5 and out.read_bytes() == corrupt  # nothing deleted


def test_faults_second_batch_on_the_same_output_refuses(tmp_path: Path, good) -> None:
    files, _ = good
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"")
    with out.open("rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running batch holds it
        with pytest.raises(BatchError, match="being written by another gknlp batch") as err:
            run_batch(files, out, opts=FAST, resume=True)
        assert err.value.code == 4
        result = subprocess.run([sys.executable, "-m", "gknlp.cli.app", "extract", str(files[0]), str(files[1]),
                                 "-o", str(out), "--resume", "--no-themes"], capture_output=True, cwd=ROOT, timeout=120)
        assert result.returncode == 4 and b"another gknlp batch" in result.stderr
    assert out.read_bytes() == b""


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (60_000, 60_000))


def test_faults_full_disk_stops_clearly_and_resume_carries_on(tmp_path: Path, good) -> None:
    files, clean = good
    d = tmp_path / "in"
    d.mkdir()
    for i in range(6):
        (d / f"{i}.txt").write_bytes(files[i % 4].read_bytes())
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "gknlp.cli.app", "extract", str(d), "-o", str(out), "--jobs", "1", "--no-themes"]
    result = subprocess.run(cmd, capture_output=True, cwd=ROOT, timeout=120, preexec_fn=_limit_file_size)
    assert result.returncode == 3, result.stderr[-2000:]
    assert b"cannot write" in result.stderr and b"Traceback" not in result.stderr
    data = out.read_bytes()
    assert data.endswith(b"\n") and 0 < len(data) <= 60_000
    assert all(json.loads(x) for x in data.splitlines())
    result = subprocess.run(cmd + ["--resume"], capture_output=True, cwd=ROOT, timeout=120)  # space freed
    assert result.returncode == 0, result.stderr[-2000:]
    paths = [json.loads(x)["source"]["path"] for x in out.read_bytes().splitlines()]
    assert sorted(paths) == sorted(str(p) for p in d.iterdir())


def test_faults_dev_full_is_a_write_error(tmp_path: Path, good) -> None:
    files, _ = good
    with pytest.raises(BatchError, match="the disk is full") as err:
        run_batch(files[:1], Path("/dev/full"), opts=FAST, overwrite=True)
    assert err.value.code == 3


# --- dask ---------------------------------------------------------------------------------------


def kill_dask_worker(draft) -> None:
    """Kill the Dask worker process itself (the parent of the child that runs the chunk)."""
    if "lost_" in (draft.path or ""):
        os.kill(os.getppid(), signal.SIGKILL)
        os._exit(1)


@pytest.fixture(scope="module")
def dask_cluster():
    pytest.importorskip("dask.distributed", reason="dask[distributed] is not installed")
    import dask
    from dask.distributed import LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        yield cluster


def test_faults_dask_survives_a_lost_worker(tmp_path: Path, good, dask_cluster) -> None:
    bad = hostile_copies(tmp_path, "lost_")
    recs = run_mixed(tmp_path, good, bad, {"add_steps": [("lost", f"{__name__}:kill_dask_worker", "tables")]},
                     engine="dask", address=dask_cluster.scheduler_address)
    assert recs[str(bad[0])]["error"]["type"] == "worker_died"


def test_faults_dask_enforces_the_time_limit_and_a_dying_file(tmp_path: Path, good, dask_cluster) -> None:
    bad = [*hostile_copies(tmp_path, "hang_"), *hostile_copies(tmp_path, "die_")]
    t0 = time.monotonic()
    recs = run_mixed(tmp_path, good, bad, {"timeout": 2, "add_steps": [("hang", f"{__name__}:hang", "read"),
                                                                         ("die", f"{__name__}:die", "tables")]},
                     engine="dask", address=dask_cluster.scheduler_address)
    assert time.monotonic() - t0 < 30
    assert [recs[str(p)]["error"]["type"] for p in bad] == ["timeout", "worker_died"]


# --- what a batch never does ---------------------------------------------------------------------


def test_faults_no_pickle_from_a_user_path_and_no_network(tmp_path: Path, good, monkeypatch) -> None:
    import pickle

    tried: list[str] = []

    def refuse(name):
        def f(*args, **kwargs):
            tried.append(name)
            raise AssertionError(f"{name} called")
        return f

    monkeypatch.setattr(pickle, "load", refuse("pickle.load"))
    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("socket.getaddrinfo"))
    files, clean = good
    out = tmp_path / "out.jsonl"
    from gknlp import pipeline

    pipeline.load_theme_model.cache_clear()  # the model is loaded again, under the patches
    run_batch(files, out, jobs=1, opts={**FAST, "themes": True})
    recs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert tried == [] and all("error" not in r for r in recs)
    assert any(p.get("themes") for r in recs for p in r["paragraphs"])


def test_faults_nothing_written_outside_the_output(tmp_path: Path, good) -> None:
    files, _ = good
    home, tmpdir, work = (tmp_path / n for n in ("home", "tmp", "work"))
    for x in (home, tmpdir, work):
        x.mkdir()
    out = work / "out.jsonl"
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    inputs_before = {f: (f.stat().st_mtime_ns, f.read_bytes()) for f in files}
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(tmpdir), "XDG_CACHE_HOME": str(home / ".cache")}
    subprocess.run([sys.executable, "-m", "gknlp.cli.app", "extract", *map(str, files), "-o", str(out), "-j", "2"],
                   cwd=work, env=env, capture_output=True, timeout=300, check=False)
    after = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    assert set(after) - set(before) == {out}
    assert {p for p in before if after[p] != before[p]} <= {work}  # the folder the output was added to
    assert {f: (f.stat().st_mtime_ns, f.read_bytes()) for f in files} == inputs_before
