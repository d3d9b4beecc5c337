"""Peak memory and time of `gknlp export` (csv, parquet, xlsx) as the results file grows.

Writes a results file of N records (the five seeds extracted once, repeated with distinct report
ids), then exports it in a fresh process per format and size and prints wall time and peak RSS.
Streaming export keeps the peak flat as N grows.

    python bench/export_memory.py                  # N = 1,000 and 10,000
    python bench/export_memory.py --n 2000 20000 --formats xlsx
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "gknlp" / "data" / "samples"
CHILD = """
import resource, sys, time
from gknlp.export import write_streaming, write_xlsx
fmt, src, out = sys.argv[1:4]
t = time.perf_counter()
if fmt == "xlsx":
    write_xlsx(src, out + "/tables.xlsx")
else:
    write_streaming(src, out, fmt)
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--formats", nargs="+", default=["csv", "parquet", "xlsx"])
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from gknlp.batch import run_batch

    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "seeds.jsonl"
        run_batch([SEEDS], seeds, jobs=1, opts={"themes": False})
        records = [json.loads(x) for x in seeds.read_text(encoding="utf-8").splitlines()]
        print(f"{'reports':>8} {'format':>8} {'MB in':>7} {'seconds':>8} {'peak RSS MB':>12}")
        for n in args.n:
            src = Path(tmp) / f"r{n}.jsonl"
            with src.open("w", encoding="utf-8") as fh:
                for i in range(n):
                    rec = records[i % len(records)]
                    rec["source"]["sha256"] = f"{i:064x}"
                    fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            for fmt in args.formats:
                out = Path(tmp) / f"out-{n}-{fmt}"
                out.mkdir()
                started = time.perf_counter()
                done = subprocess.run([sys.executable, "-c", CHILD, fmt, str(src), str(out)], check=True,
                                      capture_output=True, text=True, cwd=ROOT)
                secs, rss = map(float, done.stdout.split())
                print(f"{n:>8} {fmt:>8} {src.stat().st_size / 1e6:>7.1f} {secs:>8.2f} {rss:>12.0f}"
                      f"   (process {time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
