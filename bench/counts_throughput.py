"""Throughput of quoted-count extraction (paragraphs per second).

Run: python bench/counts_throughput.py [--corpus ../shared/corpus] [--repeat 5]
Measures gknlp.counts.find_counts and the gknlp_counts spaCy component (spacy.blank("zh"))
over the narrative-sized paragraphs of the bundled seeds, and of the corpus raw/ reports
of the development split when the corpus is present.
"""

from __future__ import annotations

import argparse
import csv
import re
import time
from pathlib import Path

from gknlp.counts.grammar import find_counts

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "gknlp" / "data" / "samples"


def seed_paragraphs() -> list[str]:
    """Lines of the seeds long enough to be prose (table rows are short or tab-separated)."""
    out: list[str] = []
    for path in sorted(SAMPLES.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if len(line.strip()) >= 20 and "\t" not in line and "|" not in line:
                out.append(line)
    return out


def corpus_paragraphs(corpus: Path) -> list[str]:
    """Sentence groups (split at 。) of the dev-split raw reports' bodies."""
    manifest = corpus / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    out: list[str] = []
    with manifest.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if int(row["year_of_report"]) > 2022:
                continue
            text = (corpus / "raw" / row["file"]).read_text(encoding="utf-8")
            body = text.split("==== 正文 ====", 1)[-1]
            out.extend(p for p in re.split(r"(?<=。)", body) if len(p) >= 20)
    return out


def rate(func, paragraphs: list[str], repeat: int) -> float:  # type: ignore[no-untyped-def]
    """Best-of-``repeat`` paragraphs per second."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for p in paragraphs:
            func(p)
        best = min(best, time.perf_counter() - t0)
    return len(paragraphs) / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    import spacy

    nlp = spacy.blank("zh")
    nlp.add_pipe("gknlp_counts")
    find_counts("预热")  # load the data files once, outside the timing
    sets = {"seeds": seed_paragraphs(), "corpus (dev split)": corpus_paragraphs(args.corpus)}
    for name, paras in sets.items():
        if not paras:
            print(f"{name}: not available")
            continue
        n_counts = sum(len(find_counts(p)) for p in paras)
        print(
            f"{name}: {len(paras)} paragraphs, {n_counts} counts | "
            f"find_counts {rate(find_counts, paras, args.repeat):,.0f} paragraphs/s | "
            f"spaCy gknlp_counts {rate(nlp, paras, args.repeat):,.0f} paragraphs/s"
        )


if __name__ == "__main__":
    main()
