"""Milliseconds per report spent in each stage of the pipeline, in one process.

Why: the throughput goal is a budget per report; this shows where it goes. Each stage is
timed on its own over the bundled samples and ../shared/corpus (best of --reps runs). Before
every run the caches keyed on text (``lru_cache`` with a size bound: row splits, cell values,
token columns...) are emptied, so a run cannot reuse what the previous run computed on the
same reports; caches built once from the data files (``@cache``) are kept. On a real corpus
some of that reuse is genuine (rows of zeros recur), so these figures err on the slow side.

    python bench/stages.py            # read, normalise, sections, tables, recovery, themes, counts, JSON
    python bench/stages.py --reps 5
    python bench/stages.py --steps    # each named step as a batch worker runs it (chunks of 32)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gknlp.batch import dumps_line  # noqa: E402
from gknlp.text.normalize import normalize  # noqa: E402
from gknlp.pipeline import Draft, default_pipeline, extract_document  # noqa: E402
from gknlp.read import read_bytes  # noqa: E402
from gknlp.report.sections import find_sections  # noqa: E402


def corpus_files(corpus: Path) -> list[Path]:
    files = sorted((ROOT / "gknlp" / "data" / "samples").glob("*.txt"))
    for sub in ("raw", "html", "other", "peer"):
        d = corpus / sub
        if d.is_dir():
            files += sorted(p for p in d.iterdir()
                            if p.suffix in (".txt", ".html", ".md") and p.name != "README.md")
    return files


def clear_text_caches() -> int:
    """Empty every size-bounded ``functools.lru_cache`` of gknlp's modules; how many."""
    n = 0
    for name, module in list(sys.modules.items()):
        if name != "gknlp" and not name.startswith("gknlp."):
            continue
        for obj in vars(module).values():
            params = getattr(obj, "cache_parameters", None)
            if params is not None and params().get("maxsize") is not None:
                obj.cache_clear()
                n += 1
    return n


def best_ms_per_item(fn: Callable[[], Any], n_items: int, reps: int) -> float:
    fn()  # lazy loads (models, dictionaries, patterns)
    best = float("inf")
    for _ in range(reps):
        clear_text_caches()
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best / n_items * 1000


def per_step(files: list[Path], reps: int) -> None:
    """CPU per report of each step of the default pipeline, run as `batch.chunk_records` runs it
    (each step over a chunk of CHUNK drafts before the next), and of the JSON lines; best of
    `reps` runs, the text-keyed caches emptied before each."""
    from gknlp.batch import CHUNK, outcome_of, record_bytes

    pipeline = default_pipeline()
    chunks = [[str(f) for f in files[i:i + CHUNK]] for i in range(0, len(files), CHUNK)]
    best: dict[str, float] = {}
    for rep in range(reps + 1):   # the first run loads the models, dictionaries and patterns
        clear_text_caches()
        spent: dict[str, float] = {}
        for chunk in chunks:
            drafts = [Draft.of_path(p) for p in chunk]
            for name in pipeline.enabled:
                live = [d for d in drafts if d.error is None]
                t0 = time.process_time()
                pipeline.get_step(name).pipe(live)
                spent[name] = spent.get(name, 0.0) + time.process_time() - t0
            t0 = time.process_time()
            for d in drafts:
                record = d.finish().to_dict()
                record_bytes(record), outcome_of(record)
            spent["JSON"] = spent.get("JSON", 0.0) + time.process_time() - t0
        if rep:
            best = {k: min(v, best.get(k, v)) for k, v in spent.items()}
    print(f"{len(files)} reports; each step over chunks of {CHUNK}, best of {reps} runs (ms of CPU per report)")
    for name, secs in best.items():
        print(f"{name:12s} {secs / len(files) * 1000:6.2f}")
    print(f"{'total':12s} {sum(best.values()) / len(files) * 1000:6.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--steps", action="store_true",
                    help="time each named step of the pipeline as a batch worker runs it, step by step over chunks")
    args = ap.parse_args()
    if args.steps:
        per_step(corpus_files(args.corpus), args.reps)
        return
    datas = [(str(f), f.read_bytes()) for f in corpus_files(args.corpus)]
    n = len(datas)
    docs = [read_bytes(d, f) for f, d in datas]
    texts = [normalize(doc.text).text for doc in docs]
    tables_only = default_pipeline(themes=False, counts=False)
    no_recovery = default_pipeline(themes=False, counts=False, recover=False)
    whole = default_pipeline()
    themes, counts = whole.get_step("themes"), whole.get_step("counts")

    def drafts() -> list[Draft]:
        """Drafts through the steps before themes (paragraphs and checks done)."""
        ds = [Draft.of_document(read_bytes(d, f)) for f, d in datas]
        tables_only.pipe(ds)
        return ds

    ready = drafts()
    stages: list[tuple[str, Callable[[], Any]]] = [
        ("read (decode, html)", lambda: [read_bytes(d, f) for f, d in datas]),
        ("normalise", lambda: [normalize(doc.text) for doc in docs]),
        ("sections", lambda: [find_sections(t) for t in texts]),
        ("pipeline, no recovery/themes/counts",
         lambda: [extract_document(read_bytes(d, f), no_recovery) for f, d in datas]),
        ("pipeline, with recovery",
         lambda: [extract_document(read_bytes(d, f), tables_only) for f, d in datas]),
        ("themes (one call for all: pipe)", lambda: themes.pipe(ready)),
        ("counts", lambda: counts.pipe(ready)),
        ("JSON", lambda: [dumps_line(d.report.to_dict()) for d in ready]),
        ("full (pipe + JSON)",
         lambda: [dumps_line(r.to_dict()) for r in whole.pipe([Draft.of_path(f, d) for f, d in datas])]),
    ]
    print(f"{n} reports, {sum(len(t) for t in texts):,} characters; best of {args.reps} runs")
    for name, fn in stages:
        ms = best_ms_per_item(fn, n, args.reps)
        print(f"{name:34s} {ms:6.2f} ms/report")
    full = best_ms_per_item(stages[-1][1], n, args.reps)
    print(f"full pipeline: {1000 / full:,.0f} reports/s in one process")


if __name__ == "__main__":
    main()
