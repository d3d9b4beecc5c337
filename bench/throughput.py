"""Throughput and peak memory of `gknlp extract` over a corpus.

Builds a corpus of N reports by replicating ../shared/corpus (raw, html, other) and the bundled
seeds, then runs the batch in one process and with --jobs 2, and prints reports/s, chars/s and
peak RSS. Every copy after the first of a file has varied values: its digits 1-9 permuted (a
different permutation per copy; zeros and years kept), so no copy repeats the table rows or
counts of its original and caches keyed on text cannot flatter the figure. The permutation
breaks the accounting identities of non-zero rows, so crawled-text recovery searches harder on
copies than on real reports: the figure errs on the slow side.

    python bench/throughput.py                 # the corpus once (about 120 reports)
    python bench/throughput.py --n 2000 --jobs 1 2
    python bench/throughput.py --no-themes --no-counts   # tables, checks and paragraphs only
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gknlp.batch import run_batch  # noqa: E402


_NUMBER = re.compile(r"\d+")
_YEAR = re.compile(r"(?:19|20)\d\d")


def vary_values(text: str, copy: int) -> str:
    """The text with digits 1-9 permuted by a permutation drawn from `copy` (0 and years kept)."""
    digits = list("123456789")
    random.Random(copy).shuffle(digits)
    table = str.maketrans("123456789", "".join(digits))
    return _NUMBER.sub(lambda m: m[0] if _YEAR.fullmatch(m[0]) else m[0].translate(table), text)


def build_corpus(n: int | None, corpus: Path, out_dir: Path) -> list[Path]:
    sources = sorted((ROOT / "gknlp" / "data" / "samples").glob("*.txt"))
    for sub in ("raw", "html", "other", "peer"):
        if (corpus / sub).is_dir():
            sources += sorted(p for p in (corpus / sub).iterdir()
                              if p.suffix in (".txt", ".html", ".md") and p.name != "README.md")
    target = n or len(sources)
    files = []
    for i in range(target):
        src = sources[i % len(sources)]
        dst = out_dir / f"{i:07d}_{src.name}"
        if i < len(sources):
            shutil.copyfile(src, dst)
        else:
            text = src.read_bytes().decode("utf-8", errors="replace")
            dst.write_text(vary_values(text, i) + f"\n附：副本编号{i}\n", encoding="utf-8")
        files.append(dst)
    return files


def peak_rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the batch's workers): on a
    shared machine, reports per CPU-second is the per-core figure that load does not skew."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=None, help="number of reports (default: the corpus once)")
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--no-themes", action="store_true")
    ap.add_argument("--no-counts", action="store_true")
    args = ap.parse_args()
    opts = {"themes": not args.no_themes, "counts": not args.no_counts, "timeout": 120}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "in").mkdir()
        files = build_corpus(args.n, args.corpus, tmp_path / "in")
        chars = sum(len(f.read_bytes().decode("utf-8", errors="replace")) for f in files)
        print(f"corpus: {len(files)} reports, {chars:,} characters; themes={opts['themes']} counts={opts['counts']}")
        for jobs in args.jobs:
            out = tmp_path / f"out{jobs}.jsonl"
            t0, cpu0 = time.perf_counter(), cpu_seconds()
            summary = run_batch([tmp_path / "in"], out, jobs=jobs, opts=opts)
            dt, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
            own, children = peak_rss_mb()
            print(f"jobs={jobs}: {len(files) / cpu:,.1f} reports per CPU-second (per core, whatever the load); "
                  f"{len(files) / dt:,.1f} reports/s, {chars / dt:,.0f} chars/s, "
                  f"{dt:.2f} s; ok={summary.ok} errors={summary.errors} identity failures={summary.failed_checks}; "
                  f"peak RSS main {own:.0f} MB, largest worker {children:.0f} MB")
    print(f"cpu count: {os.cpu_count()}")


if __name__ == "__main__":
    main()
