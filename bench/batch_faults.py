"""A mixed batch with hostile files: wall time, peak memory of the largest process, records out = files in.

Builds N files (default 2,000): 95% reports replicated from the bundled seeds and
../shared/corpus (values varied as in bench/throughput.py), 5% hostile ones spread among them:
numbers of 21 and 32 digits, GBK (non-UTF-8) file names, empty and binary files, FIFOs, 6 GB
sparse files, .docx zip bombs (240 MB unzipped), broken .docx, HTML nested 300 deep or with an
11 MB attribute, a paragraph of 40,000 Chinese numerals. Then runs ``run_batch`` on ``-j 2``
and checks every input has exactly one record.

    python bench/batch_faults.py                  # 2,000 files, -j 2
    python bench/batch_faults.py --n 400 --jobs 1
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from throughput import build_corpus  # noqa: E402

from gknlp.batch import run_batch  # noqa: E402

SEED = ROOT / "gknlp" / "data" / "samples" / "004_0494dfef68de25df.txt"


def _bomb(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("word/document.xml", "w", force_zip64=True) as part:
            block = b"<w:p/>" * (1 << 20)
            for _ in range(40):
                part.write(block)


def hostile_files(d: Path, n: int) -> list[Path]:
    """n hostile files of the kinds above, in turn."""
    seed = SEED.read_text(encoding="utf-8")
    bomb = d / "bomb_src.bin"
    _bomb(bomb)
    bomb_bytes = bomb.read_bytes()
    bomb.unlink()

    def big(p: Path, digits: int) -> None:
        p.write_text(seed.replace("行政许可 | 174 |", f"行政许可 | {'9' * digits} |")
                     .replace("全市共收到2件", f"全市共收到{'8' * digits}件"), encoding="utf-8")

    def sparse(p: Path) -> None:
        with p.open("wb") as fh:
            fh.truncate(6 * 1024 ** 3)

    kinds = [
        ("big21.txt", lambda p: big(p, 21)),
        ("big32.txt", lambda p: big(p, 32)),
        (os.fsdecode("报告".encode("gbk")) + ".txt", lambda p: p.write_bytes(SEED.read_bytes())),
        ("empty.txt", lambda p: p.write_bytes(b"")),
        ("binary.txt", lambda p: p.write_bytes(bytes(range(256)) * 64)),
        ("fifo.txt", lambda p: os.mkfifo(p)),
        ("sparse.txt", sparse),
        ("bomb.docx", lambda p: p.write_bytes(bomb_bytes)),
        ("broken.docx", lambda p: p.write_bytes(b"PK\x03\x04" + os.urandom(2000))),
        ("deep.html", lambda p: p.write_bytes(b"<html><body>" + b"<div>" * 300 + seed.encode() + b"</div>" * 300
                                              + b"</body></html>")),
        ("attr.html", lambda p: p.write_bytes(b'<html><body><div title="' + b"a" * (11 * 1024 * 1024) + b'">'
                                              + seed.encode() + b"</div></body></html>")),
        ("numerals.txt", lambda p: p.write_text(seed.replace("。", "。" + "一二三四五六七八九十" * 4000 + "。", 1),
                                                encoding="utf-8")),
    ]
    made = []
    for i in range(n):
        name, make = kinds[i % len(kinds)]
        p = d / f"zz_hostile_{i:04d}_{name}"
        make(p)
        made.append(p)
    return made


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    args = ap.parse_args()
    n_hostile = args.n // 20
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "in"
        d.mkdir()
        good = build_corpus(args.n - n_hostile, args.corpus, d)
        bad = hostile_files(d, n_hostile)
        # hostile files spread through the batch, not all at its end
        step = max(len(good) // max(len(bad), 1), 1)
        inputs = [str(p) for p in good]
        for k, p in enumerate(bad):
            inputs.insert(k * (step + 1), str(p))
        out = Path(tmp) / "out.jsonl"
        t0 = time.perf_counter()
        summary = run_batch(inputs, out, jobs=args.jobs, opts={"timeout": args.timeout})
        wall = time.perf_counter() - t0
        lines = out.read_bytes().splitlines()
        paths = [json.loads(x)["source"]["path"] for x in lines]
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"{len(inputs)} files ({len(bad)} hostile), -j {args.jobs}, timeout {args.timeout} s")
        print(f"wall time {wall:.1f} s; peak memory of the largest process {max(own, child):.0f} MB "
              f"(batch process {own:.0f} MB, largest worker {child:.0f} MB)")
        print(f"records out {len(lines)} = files in {len(inputs)}: {len(lines) == len(inputs)}; "
              f"each input once: {len(set(paths)) == len(paths) == len(inputs)}")
        print(f"ok {summary.ok}, errors {summary.errors}: {dict(sorted(summary.error_types.items()))}")


if __name__ == "__main__":
    main()
