"""Batch extraction: list inputs, run them in worker processes, stream JSON Lines.

Every input gets exactly one record, in input order, whatever happens in its file:

- Workers are processes the batch kills and replaces: a chunk of files that outlasts the time
  limit, or whose worker dies (a crash, the memory limit), is run again file by file in fresh
  workers, and the file that does it again gets an error record (``timeout``, ``worker_died``,
  ``too_large``); the others get the record they get on their own.
- The output is locked while a batch writes it; each record is one complete line; a write
  error cuts the file back to its last good line and stops the batch (:class:`BatchError`).
- ``resume`` skips each input whose record is already there (same path, same content), cuts
  only a torn last line and refuses a file with a corrupt line in the middle.
"""

from __future__ import annotations

import errno
import fnmatch
import gc
import hashlib
import os
import re
import stat
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from gknlp.data import data_path
from gknlp.read.files import SUFFIX_FORMATS

__all__ = ["Input", "list_inputs", "iter_inputs", "run_batch", "BatchSummary", "BatchError", "Outcome",
           "outcome_of", "pipeline_for", "process_one", "process_chunk", "chunk_records", "isolated_chunk", "dumps_line",
           "record_bytes", "json_path", "input_sha256",
           "CHUNK", "SUFFIXES", "ENGINES", "EXIT_CODES"]

SUFFIXES = tuple(SUFFIX_FORMATS)
"""Suffixes a folder run reads (the readers' table in gknlp.read.files)."""
ENGINES = ("local", "dask")

EXIT_CODES = {
    0: "every input gave a report",
    1: "some inputs gave an error record (the batch itself finished)",
    2: "bad arguments: unknown engine, no input, an existing output without --resume/--overwrite, dask missing",
    3: "the output could not be written (disk full, I/O error): the file ends at its last good line",
    4: "the output file is being written by another batch",
    5: "the output file has a corrupt line before its end: --resume refuses to guess",
}
"""The exit status of ``gknlp extract`` (also in the README)."""


class BatchError(Exception):
    """The batch cannot go on (or start); ``code`` is the exit status of ``gknlp extract``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


# --- listing inputs ------------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    """One input of a batch; `problem` = (error type, message) when it is not a file to read."""

    path: str
    problem: tuple[str, str] | None = None


_SPECIAL = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
            (stat.S_ISSOCK, "a socket"))


def _special_kind(mode: int) -> str | None:
    for test, kind in _SPECIAL:
        if test(mode):
            return kind
    return None


def _walk(root: Path, skipped: list[tuple[str, str]]) -> Iterator[Path]:
    """Every entry under `root` that is not a directory; symlinked directories are followed once
    (a directory seen before, as a loop makes it, is skipped and listed)."""
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        d = stack.pop()
        try:
            st = d.stat()
        except OSError as exc:
            skipped.append((str(d), f"cannot list: {exc.strerror or exc}"))
            continue
        if (st.st_dev, st.st_ino) in seen:
            skipped.append((str(d), "directory already listed (a symlink loop or a second link)"))
            continue
        seen.add((st.st_dev, st.st_ino))
        try:
            entries = list(os.scandir(d))
        except OSError as exc:
            skipped.append((str(d), f"cannot list: {exc.strerror or exc}"))
            continue
        for e in entries:
            try:
                is_dir = e.is_dir()  # follows a symlink
            except OSError:
                is_dir = False
            if is_dir:
                stack.append(Path(e.path))
            else:
                yield Path(e.path)


def _segment_regex(seg: str) -> str:
    """One glob segment as a regex that never crosses a ``/``."""
    core = fnmatch.translate(seg).removeprefix("(?s:").removesuffix(")\\Z")
    return core.replace(".*", "[^/]*").replace("(?s:.)", "[^/]")


def _glob(pattern: str, skipped: list[tuple[str, str]]) -> list[Path]:
    """The files a glob pattern names (``**``: any number of directories), found by
    :func:`_walk`, so that a symlink loop ends; hidden names are left out, as :mod:`glob` does."""
    segs = pattern.split("/")
    k = next((i for i, s in enumerate(segs) if glob_magic(s)), len(segs))
    base = "/".join(segs[:k]) or ("/" if pattern.startswith("/") else ".")
    rx = ""
    rest = segs[k:]
    for i, seg in enumerate(rest):
        last = i == len(rest) - 1
        if seg == "**":
            rx += "(?:[^/]+/)*[^/]+" if last else "(?:[^/]+/)*"
        else:
            rx += _segment_regex(seg) + ("" if last else "/")
    matcher = re.compile(rx + r"\Z")
    if not os.path.isdir(base):
        return []
    found = []
    for p in _walk(Path(base), skipped):
        rel = p.relative_to(base)
        if not any(part.startswith(".") for part in rel.parts) and matcher.match(rel.as_posix()):
            found.append(p)
    return found


def glob_magic(s: str) -> bool:
    return any(ch in s for ch in "*?[")


def list_inputs(paths: Iterable[str | Path]) -> tuple[list[Input], list[tuple[str, str]]]:
    """The inputs of a batch, without repeats, and what a folder or pattern held that is not one
    (``(path, why)``: hidden, unsupported suffix, a directory seen twice).

    Files named are inputs whatever their suffix; directories give their files of a supported
    suffix, sorted; patterns are globbed (``**`` recursive). FIFOs, devices and sockets are
    inputs with a problem (their record says why), never opened."""
    seen: set[Path] = set()
    inputs: list[Input] = []
    skipped: list[tuple[str, str]] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = []
            for f in _walk(p, skipped):
                rel = f.relative_to(p).parts
                if any(part.startswith(".") for part in rel):
                    skipped.append((str(f), "hidden"))
                elif f.suffix.lower() not in SUFFIXES:
                    skipped.append((str(f), f"unsupported suffix {f.suffix or '(none)'}"))
                else:
                    found.append(f)
            found.sort()
        elif os.path.lexists(p) or not glob_magic(str(raw)):
            found = [p]  # a missing file is reported as unreadable by its record
        else:
            found = sorted(f for f in _glob(str(raw), skipped))
            if not found:
                found = [p]
        for f in found:
            if f in seen:
                continue
            seen.add(f)
            inputs.append(Input(str(f), _problem_of(f)))
    return inputs, skipped


def _problem_of(path: Path) -> tuple[str, str] | None:
    try:
        mode = path.stat().st_mode
    except OSError:
        return None  # the worker's read reports it
    kind = _special_kind(mode)
    if kind is not None:
        return "not_a_file", f"{kind}, not a regular file: not read"
    if stat.S_ISDIR(mode):
        return "not_a_file", "a directory"
    return None


def iter_inputs(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The input paths of :func:`list_inputs`, as paths."""
    for i in list_inputs(paths)[0]:
        yield Path(i.path)


# --- one chunk of files, in a worker --------------------------------------------------------


Outcome = tuple[str | None, bool, bool]
"""What the summary needs of a record: (error type or None, has warnings, a check failed).
Workers send it beside the JSON line so the writing process never parses the line again."""


def outcome_of(record: dict[str, Any]) -> Outcome:
    if "error" in record:
        return record["error"].get("type", "error"), False, False
    return (None, bool(record.get("warnings")),
            any(c["status"] == "fail" for c in record.get("checks", [])))


CHUNK = 32
"""Files a worker takes at a time: each step of the pipeline runs over the chunk (the themes
step scores all their paragraphs in one call of the model), which saves about a quarter of
the time per report against one file at a time."""

_PIPELINES: dict[tuple, Any] = {}


def pipeline_for(opts: dict[str, Any]):
    """The pipeline for these options, built once per process. ``opts["add_steps"]`` inserts
    steps of one's own: ``[(name, "module:function", after)]`` (names, so they reach workers on
    any engine)."""
    from gknlp.pipeline import default_pipeline

    extra = tuple(tuple(s) for s in opts.get("add_steps") or ())
    key = (opts.get("model"), opts.get("themes", True), opts.get("counts", True), extra)
    if key not in _PIPELINES:
        pipeline = default_pipeline(opts.get("model"), themes=key[1], counts=key[2])
        for name, target, after in extra:
            import importlib

            module, _, attr = target.partition(":")
            pipeline.add_step(name, getattr(importlib.import_module(module), attr), after=after)
        _PIPELINES[key] = pipeline
    return _PIPELINES[key]


Line = tuple[bytes, Outcome]
"""A record as the batch moves it: its JSON line as UTF-8 bytes (without the newline), and its
:data:`Outcome`. Bytes from the worker's JSON encoder to the output file: a line is never
decoded and encoded again on its way (about 3% of a batch's time at 40 kB a record)."""


def process_chunk(paths: Sequence[str], opts: dict[str, Any] | None = None) -> list[tuple[str, Outcome]]:
    """The JSON line and :data:`Outcome` of each file, in order; never raises.

    One :class:`gknlp.pipeline.Pipeline` runs step by step over the whole chunk; every line
    equals the one the file gets on its own. No time limit here: the batch enforces it by
    killing the worker process that runs this."""
    return [(line.decode("utf-8"), outcome) for line, outcome in chunk_records(paths, opts)]


def chunk_records(paths: Sequence[str], opts: dict[str, Any] | None = None) -> list[Line]:
    """:func:`process_chunk` with each line as UTF-8 bytes (what a batch's workers send)."""
    from gknlp.pipeline import Draft

    opts = opts or {}
    try:
        reports = pipeline_for(opts).pipe([Draft.of_path(p) for p in paths])
    except Exception as exc:  # noqa: BLE001 - a bug in a step's pipe: each file on its own
        if len(paths) > 1:
            return [line for p in paths for line in chunk_records([p], opts)]
        return [_error_line(paths[0], type(exc).__name__, str(exc)[:500])]
    out = []
    for path, report in zip(paths, reports):
        try:
            record = report.to_dict(with_text=bool(opts.get("with_text")))
            if opts.get("model_version") and "error" not in record:
                record.setdefault("model_version", opts["model_version"])
            out.append((record_bytes(record), outcome_of(record)))
        except Exception as exc:  # noqa: BLE001 - one record's serialisation must not stop a batch
            out.append(_error_line(path, type(exc).__name__, str(exc)[:500]))
    return out


def process_one(path: str, opts: dict[str, Any] | None = None) -> str:
    """One file's JSON line, in this process (no time limit); never raises."""
    return process_chunk([path], opts)[0][0]


def _error_line(path: str, kind: str, message: str, sha256: str | None = None) -> Line:
    """The record of a file that has no report (the same shape as a Report's error record)."""
    from gknlp import __version__

    record = {"source": {"path": path, "sha256": sha256, "format": None}, "gknlp_version": __version__,
              "error": {"type": kind, "message": message}, "warnings": []}
    return record_bytes(record), outcome_of(record)


_INT_RANGE = (-(2 ** 63), 2 ** 64 - 1)  # what orjson writes as a JSON integer


def dumps_line(record: dict[str, Any]) -> str:
    """One record as one compact JSON line: :func:`record_bytes` as text."""
    return record_bytes(record).decode("utf-8")


def record_bytes(record: dict[str, Any]) -> bytes:
    """One record as one compact JSON line in UTF-8 (orjson; keys in insertion order, so the
    output is byte-identical run to run). Numbers beyond 64-bit integers become strings of their
    exact digits, with a warning; text that is not valid Unicode (a file name in GBK, say) is
    written with its bad bytes escaped (``\\xb9``)."""
    try:
        return orjson.dumps(record)
    except TypeError:  # orjson.JSONEncodeError: a big integer or a lone surrogate
        big: list[str] = []
        safe = _json_safe(record, big)
        if big and isinstance(safe.get("warnings"), list):
            safe["warnings"].append({"code": "number_as_text",
                                     "message": f"{len(big)} number(s) too large for a JSON integer kept as "
                                                f"strings of their exact digits", "raw": big[0][:100]})
        return orjson.dumps(safe)


def json_path(path: str) -> str:
    """A path as it is written in JSON: bytes that are not UTF-8 escaped as ``\\xNN``."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return _escape(path)


def _escape(s: str) -> str:
    try:
        return s.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return s.encode("utf-8", "backslashreplace").decode("utf-8")


def _json_safe(value: Any, big: list[str]) -> Any:
    if isinstance(value, dict):
        return {(_escape(k) if isinstance(k, str) else k): _json_safe(v, big) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v, big) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and not _INT_RANGE[0] <= value <= _INT_RANGE[1]:
        big.append(str(value))
        return str(value)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return _escape(value)
    return value


# --- the worker processes ------------------------------------------------------------------


def _limit_memory(memory_mb: int) -> None:
    """Cap this process's data segment (heap and private writable mappings: what a file's text,
    tree and tables take), not its address space, which thread pools reserve by the gigabyte."""
    if memory_mb:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(getattr(resource, "RLIMIT_DATA", resource.RLIMIT_AS), (limit, limit))


def _chunk_lines(paths: Sequence[str], opts: dict[str, Any], memory_mb: int) -> list[Line]:
    try:
        return chunk_records(paths, opts)
    except MemoryError:
        return [_error_line(p, "too_large", f"over the memory limit of {memory_mb} MB") for p in paths]


WORKER_GC_THRESHOLD = (50_000, 20, 100)
"""The cyclic collector's thresholds in a worker. A report allocates hundreds of thousands of
short-lived dicts, tuples and cells, and at Python's default (700, 10, 10) the collector runs
every few hundred allocations: about 5 % of a worker's time. The worker's own garbage is
bounded by a chunk (its memory limit still holds); reference counting frees almost all of it."""


def _worker_main(conn: Any, opts: dict[str, Any], memory_mb: int) -> None:  # pragma: no cover - a child
    """A worker: chunks in, lines out, until told to stop."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles ^C and kills its workers
    _limit_memory(memory_mb)
    gc.freeze()  # what the parent loaded (models, patterns) is kept for good: out of the collector's sight
    gc.set_threshold(*WORKER_GC_THRESHOLD)
    while True:
        try:
            task = conn.recv()
        except EOFError:
            break
        if task is None:
            break
        task_id, paths = task
        conn.send((task_id, _chunk_lines(paths, opts, memory_mb)))
    conn.close()


def _death(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit status {os.WEXITSTATUS(status) if os.WIFEXITED(status) else status}"


_WARM: set[str] = set()


def isolated_chunk(paths: Sequence[str], opts: dict[str, Any]) -> list[Line]:
    """:func:`chunk_records` in a child process forked for it and killed past the time limit
    (``opts["timeout"]``), with the memory limit (``opts["memory_mb"]``): what a Dask task runs,
    as the batch does not own Dask's workers. A chunk that fails runs again file by file; the
    file that fails alone gets ``timeout``, ``worker_died`` or ``too_large``."""
    timeout, memory_mb = float(opts.get("timeout") or 0), int(opts.get("memory_mb") or 0)
    key = repr(sorted(opts.items()))
    if key not in _WARM:  # this process loads the models once; each child starts with them
        _warm_up(opts)
        _WARM.add(key)
    lines, failure = _forked(paths, opts, timeout, memory_mb)
    if lines is not None:
        return lines
    assert failure is not None
    if len(paths) == 1:
        return [_error_line(paths[0], *failure)]
    return [line for p in paths for line in isolated_chunk([p], opts)]


def _forked(paths: Sequence[str], opts: dict[str, Any], timeout: float,
            memory_mb: int) -> tuple[list[Line] | None, tuple[str, str] | None]:
    """The chunk's lines from a forked child, or (None, (error type, message))."""
    import pickle
    import select
    import signal

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(r)
            _limit_memory(memory_mb)
            gc.set_threshold(*WORKER_GC_THRESHOLD)
            view = memoryview(pickle.dumps(_chunk_lines(paths, opts, memory_mb)))
            while view:
                view = view[os.write(w, view):]
        finally:
            os._exit(0)
    os.close(w)
    blocks, timed_out = [], False
    deadline = time.monotonic() + timeout if timeout else None
    try:
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and (left <= 0 or not select.select([r], [], [], left)[0]):
                timed_out = True
                break
            block = os.read(r, 1 << 20)
            if not block:
                break
            blocks.append(block)
    finally:
        os.close(r)
        if timed_out:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if timed_out:
        return None, ("timeout", f"processing took longer than {timeout:g} s (the worker was killed)")
    try:
        return pickle.loads(b"".join(blocks)), None  # our own child's answer, never a user's file
    except Exception:  # noqa: BLE001 - it died before answering in full
        return None, ("worker_died", f"the worker process died ({_death(status)}) while reading this file")


@dataclass
class _Task:
    id: int
    first: int  # index of its first file in the batch
    paths: list[str]


class _Worker:
    def __init__(self, ctx: Any, opts: dict[str, Any], memory_mb: int) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, opts, memory_mb), daemon=True)
        self.proc.start()
        child.close()
        self.task: _Task | None = None
        self.deadline = 0.0

    def give(self, task: _Task, timeout: float) -> None:
        self.task = task
        self.deadline = time.monotonic() + timeout if timeout else float("inf")
        self.conn.send((task.id, task.paths))

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()


def _local_results(names: list[str], jobs: int, opts: dict[str, Any], timeout: float,
                   memory_mb: int) -> Iterator[Line]:
    """Each file's line in input order, from `jobs` worker processes the batch kills and replaces."""
    import multiprocessing as mp
    from multiprocessing.connection import wait

    ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
    if ctx.get_start_method() == "fork":
        _warm_up(opts)
    queue: deque[_Task] = deque(_Task(i // CHUNK, i, names[i:i + CHUNK]) for i in range(0, len(names), CHUNK))
    next_id = len(queue)
    slots: dict[int, Line] = {}
    emitted = 0
    workers = [_Worker(ctx, opts, memory_mb) for _ in range(min(jobs, len(queue)) or 1)]

    def failed(task: _Task, kind: str, message: str) -> None:
        nonlocal next_id
        if len(task.paths) > 1:  # find the file that does it: each on its own, in a fresh worker
            singles = [_Task(next_id + k, task.first + k, [p]) for k, p in enumerate(task.paths)]
            next_id += len(singles)
            queue.extendleft(reversed(singles))
        else:
            slots[task.first] = _error_line(task.paths[0], kind, message)

    try:
        while emitted < len(names):
            for i, w in enumerate(workers):
                if w.task is None and queue:
                    if not w.proc.is_alive():
                        w.kill()
                        workers[i] = w = _Worker(ctx, opts, memory_mb)
                    w.give(queue.popleft(), timeout)
            busy = [w for w in workers if w.task is not None]
            if not busy:
                break
            wait_for = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy],
                         timeout=None if wait_for == float("inf") else wait_for)
            now = time.monotonic()
            for i, w in enumerate(workers):
                task = w.task
                if task is None:
                    continue
                if w.conn in ready:
                    try:
                        _, lines = w.conn.recv()
                    except Exception:  # noqa: BLE001 - EOF or a message cut short: it died
                        lines = None
                    if lines is not None:
                        for k, line in enumerate(lines):
                            slots[task.first + k] = line
                        w.task = None
                        continue
                if w.conn in ready or w.proc.sentinel in ready:  # died without an answer
                    w.kill()
                    code = w.proc.exitcode
                    how = f"signal {-code}" if code is not None and code < 0 else f"exit status {code}"
                    failed(task, "worker_died", f"the worker process died ({how}) while reading this file")
                    workers[i] = _Worker(ctx, opts, memory_mb)
                elif now >= w.deadline:
                    w.kill()
                    failed(task, "timeout", f"processing took longer than {timeout:g} s (the worker was killed)")
                    workers[i] = _Worker(ctx, opts, memory_mb)
            while emitted in slots:
                yield slots.pop(emitted)
                emitted += 1
    finally:
        for w in workers:
            if w.proc.is_alive() and w.task is None:
                try:
                    w.conn.send(None)
                except OSError:
                    pass
                w.proc.join(timeout=1)
            w.kill()


def _warm_up(opts: dict[str, Any]) -> None:
    """Extract one bundled sample in this process before forking workers, so that each of
    them starts with the modules imported, models and dictionaries loaded and patterns
    compiled (about 0.7 s of CPU per process), shared copy-on-write; a worker that replaces
    a killed one starts warm too."""
    samples = sorted(data_path("samples").glob("*.txt"))
    if samples:
        chunk_records([str(samples[0])], opts)


def _dask_results(names: list[str], opts: dict[str, Any], address: str | None,
                  jobs: int) -> Iterator[Line]:
    """The same chunks on a Dask cluster (local when no address), in input order, each in a
    child process of its Dask worker (:func:`isolated_chunk`: the time and memory limits hold). A
    chunk whose task fails (a lost Dask worker, after Dask's own retries) runs again file by file;
    a file that fails alone twice gets a ``worker_died`` record."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise BatchError(2, "--engine dask needs dask: pip install 'gknlp[dask]'") from exc

    cluster = None
    if address:
        client = Client(address)
    else:
        cluster = LocalCluster(n_workers=max(jobs, 1), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)

    def lines_of(future: Any, paths: list[str], tries: int = 2) -> list[Line]:
        try:
            return future.result()
        except Exception as exc:  # noqa: BLE001 - KilledWorker and the like
            if len(paths) == 1 and tries <= 1:
                return [_error_line(paths[0], "worker_died", f"the Dask task failed: {type(exc).__name__}")]
            # each file again on its own, one at a time, so that a file that kills its worker
            # takes no other file's task with it (a task queued on the same worker)
            return [line for p in paths
                    for line in lines_of(client.submit(isolated_chunk, [p], opts, pure=False), [p],
                                         tries - 1 if len(paths) == 1 else 2)]

    try:
        window = max(jobs, 1) * 2
        futures: deque[tuple[Any, list[str]]] = deque()
        for i in range(0, len(names), CHUNK):
            chunk = names[i:i + CHUNK]
            futures.append((client.submit(isolated_chunk, chunk, opts, pure=False, retries=1), chunk))
            if len(futures) >= window:
                yield from lines_of(*futures.popleft())
        while futures:
            yield from lines_of(*futures.popleft())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --- the output file -----------------------------------------------------------------------


@dataclass
class BatchSummary:
    ok: int = 0
    warnings: int = 0
    errors: int = 0
    failed_checks: int = 0
    skipped: int = 0  # already done (resume)
    not_inputs: list[tuple[str, str]] = field(default_factory=list)  # listed but not inputs, and why
    error_types: dict[str, int] = field(default_factory=dict)

    def add(self, record: dict[str, Any]) -> None:
        """Count one output record."""
        self.add_outcome(outcome_of(record))

    def add_outcome(self, outcome: Outcome) -> None:
        error_type, has_warnings, failed_check = outcome
        if error_type is not None:
            self.errors += 1
            self.error_types[error_type] = self.error_types.get(error_type, 0) + 1
            return
        self.ok += 1
        self.warnings += has_warnings
        self.failed_checks += failed_check


def input_sha256(path: str) -> str | None:
    """The sha256 a record gives its source: of the bytes the reader reads (capped)."""
    from gknlp.read.files import read_capped

    try:
        return hashlib.sha256(read_capped(path)[0]).hexdigest()
    except OSError:
        return None
    except Exception:  # noqa: BLE001 - a FIFO or the like: no hash
        return None


@dataclass
class _Done:
    """What an existing output holds: per path, its record's line number, sha256 and error."""

    lines: dict[str, tuple[int, str | None, bool]] = field(default_factory=dict)
    good_bytes: int = 0


def _scan_output(fd: int, name: str) -> _Done:
    """The records of an output file; a torn last line (no newline) is left out, a corrupt
    complete line is a :class:`BatchError` (exit 5)."""
    done = _Done()
    with os.fdopen(os.dup(fd), "rb") as fh:
        fh.seek(0)
        for n, line in enumerate(fh, 1):
            if not line.endswith(b"\n"):
                break  # torn tail
            try:
                rec = orjson.loads(line)
                src = rec["source"]
                path = src["path"]
            except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
                raise BatchError(5, f"{name}: line {n} is not a gknlp record ({exc}); fix or remove it, "
                                    f"then run again with --resume") from None
            done.lines[path] = (n, src.get("sha256"), "error" in rec)
            done.good_bytes += len(line)
    return done


def _rewrite_without(fd: int, drop: set[int]) -> None:
    """Drop some lines of the output (records to redo), in place: kept lines move up, then the
    file is cut. Lines are copied through a temporary file so a crash cannot lose one."""
    import tempfile

    with os.fdopen(os.dup(fd), "r+b") as fh, tempfile.TemporaryFile() as tmp:
        fh.seek(0)
        for n, line in enumerate(fh, 1):
            if n not in drop and line.endswith(b"\n"):
                tmp.write(line)
        tmp.flush()
        tmp.seek(0)
        fh.seek(0)
        while block := tmp.read(1 << 20):
            fh.write(block)
        fh.truncate()
        fh.flush()
        os.fsync(fh.fileno())


class _Output:
    """The results file: locked for this batch, appended one whole line at a time."""

    def __init__(self, path: Path, *, resume: bool, overwrite: bool) -> None:
        import fcntl

        self.name = str(path)
        try:
            self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise BatchError(3, f"cannot open {path}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self.fd)
            raise BatchError(4, f"{path} is being written by another gknlp batch; wait for it, "
                                f"or write to another file") from None
        size = os.fstat(self.fd).st_size
        if not resume and size:
            if not overwrite:
                self.close()
                raise BatchError(2, f"{path} already exists ({size} bytes): pass --resume to carry on "
                                    f"after its records, or --overwrite to replace it")
            os.ftruncate(self.fd, 0)
        self.done = _scan_output(self.fd, self.name) if resume else _Done()
        if resume and self.done.good_bytes != size:
            os.ftruncate(self.fd, self.done.good_bytes)  # only a torn last line is ever cut
        self.offset = os.lseek(self.fd, 0, os.SEEK_END)

    def write(self, line: bytes) -> None:
        """One record's line (UTF-8, without its newline)."""
        data = line + b"\n"
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd, view):]
        except OSError as exc:
            try:
                os.ftruncate(self.fd, self.offset)  # the last good line stays the last line
            except OSError:
                pass
            why = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
            raise BatchError(3, f"cannot write {self.name}: {why}; it ends at its last complete record; "
                                f"free space and run again with --resume") from None
        self.offset += len(data)

    def close(self) -> None:
        os.close(self.fd)  # closing releases the lock


def run_batch(paths: Iterable[str | Path], out: Path | None, *, jobs: int = 1, resume: bool = False,
              overwrite: bool = False, retry_errors: bool = False, opts: dict[str, Any] | None = None,
              engine: str = "local", address: str | None = None,
              progress: Callable[[int, int], None] | None = None, write: Callable[[str], None] | None = None,
              ) -> BatchSummary:
    """Process every input and write one JSON line each, in input order.

    ``opts``: ``model``, ``themes``, ``counts``, ``timeout`` (seconds per file, 0: none),
    ``memory_mb`` (data segment per worker in MB, 0: none). Raises :class:`BatchError` when the batch
    cannot start or go on."""
    if engine not in ENGINES:
        raise BatchError(2, f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    opts = dict(opts or {})
    inputs, not_inputs = list_inputs(paths)
    summary = BatchSummary(not_inputs=not_inputs)
    output = _Output(Path(out), resume=resume, overwrite=overwrite) if out is not None else None
    try:
        if output is not None and resume:
            inputs = _still_to_do(inputs, output, retry_errors, summary)

        def emit(line: bytes, outcome: Outcome) -> None:
            if output is not None:
                output.write(line)
            elif write is not None:
                write(line.decode("utf-8"))
            summary.add_outcome(outcome)

        total = len(inputs)
        results = _results(inputs, jobs, opts, engine, address)
        try:
            for i, (line, outcome) in enumerate(results, 1):
                emit(line, outcome)
                if progress:
                    progress(i, total)
        finally:
            results.close()
    finally:
        if output is not None:
            output.close()
    return summary


def _still_to_do(inputs: list[Input], output: _Output, retry_errors: bool, summary: BatchSummary) -> list[Input]:
    """The inputs without a record yet. A record counts when its path is the input's and its
    content hash the input's own (an error record counts unless `retry_errors`); a record for
    an input that changed, or an error retried, is dropped from the file and made again."""
    todo, drop = [], set()
    for inp in inputs:
        rec = output.done.lines.get(json_path(inp.path))
        if rec is None:
            todo.append(inp)
            continue
        line_no, sha, is_error = rec
        redo = (is_error and retry_errors) or (
            sha is not None and not is_error and input_sha256(inp.path) != sha)
        if redo:
            drop.add(line_no)
            todo.append(inp)
        else:
            summary.skipped += 1
    if drop:
        _rewrite_without(output.fd, drop)
        output.offset = os.lseek(output.fd, 0, os.SEEK_END)
    return todo


def _results(inputs: list[Input], jobs: int, opts: dict[str, Any], engine: str,
             address: str | None) -> Generator[Line, None, None]:
    """Each input's line in order: a record of its problem, or its file's line from a worker."""
    names = [i.path for i in inputs if i.problem is None]
    lines: Iterator[Line] = iter(())
    if names and engine == "dask":
        lines = _dask_results(names, opts, address, jobs)
    elif names:
        lines = _local_results(names, max(jobs, 1), opts, float(opts.get("timeout") or 0),
                               int(opts.get("memory_mb") or 0))
    try:
        for inp in inputs:
            if inp.problem is not None:
                yield _error_line(inp.path, *inp.problem)
            else:
                yield next(lines)
    finally:
        close = getattr(lines, "close", None)
        if close is not None:
            close()
