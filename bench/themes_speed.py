"""Time to load the theme model and to tag 1,000 paragraphs (target: < 1 s after start-up).

    python bench/themes_speed.py [--model models/themes-v2] [-n 1000]

Paragraphs are the prose lines of the bundled seed samples, repeated to ``n``; the first
call (which builds jieba's dictionary and OpenCC) is timed as start-up, separately.
"""

from __future__ import annotations

import argparse
import time
from importlib import resources
from pathlib import Path


def seed_paragraphs() -> list[str]:
    out = []
    for f in sorted(resources.files("gknlp.data").joinpath("samples").iterdir()):
        if f.name.endswith(".txt"):
            out += [ln.strip() for ln in f.read_text(encoding="utf-8").splitlines()
                    if len(ln.strip()) > 40 and "\t" not in ln and "|" not in ln]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--fast-paths", type=Path, default=None, metavar="RESULTS",
                    help="Instead: what each theme fast path saves per report of this results JSONL.")
    args = ap.parse_args()
    if args.fast_paths:
        fast_path_shares(args.model, args.fast_paths)
        return

    t0 = time.perf_counter()
    from gknlp.themes import model as themes

    model = themes.load_model(args.model)
    t_load = time.perf_counter() - t0

    t0 = time.perf_counter()
    model.predict(["稳步推进政府公示栏和便民服务站建设。"])
    t_first = time.perf_counter() - t0

    base = seed_paragraphs()
    texts = (base * (args.n // len(base) + 1))[: args.n]
    chars = sum(map(len, texts))
    t0 = time.perf_counter()
    model.predict(texts)
    t_tag = time.perf_counter() - t0

    print(f"model            {model.meta.get('name') or args.model} ({len(model.labels)} labels)")
    print(f"load model       {t_load:7.3f} s")
    print(f"first paragraph  {t_first:7.3f} s  (jieba dictionary, OpenCC)")
    print(f"tag {len(texts):,} paragraphs {t_tag:7.3f} s  ({chars:,} characters, "
          f"{len(texts) / t_tag:,.0f} paragraphs/s)  target < 1 s: "
          f"{'ok' if t_tag < 1 else 'MISSED'}")


def fast_path_shares(model_dir: Path | None = None, results: Path | None = None, reps: int = 7) -> None:
    """Milliseconds per report that each theme fast path saves over its plain form, tagging the
    themed paragraphs of each report of a results file one report at a time (as
    ``bench/stages.py`` does). Compare with the end-to-end time per report of ``bench/stages.py``:
    a fast path stays only where it saves at least 5 % of that (issue 12)."""
    import json

    from gknlp.themes import model as themes
    from gknlp.themes.columns import AnalyzerColumns
    from gknlp.themes.features import normalize_text

    m = themes.load_model(model_dir)
    reports = []
    for line in open(results, encoding="utf-8"):
        rec = json.loads(line)
        texts = [normalize_text(p["text"]) for p in rec.get("paragraphs") or []
                 if p.get("section") in ("overall", "problems")]
        if texts:
            reports.append(texts)

    def once() -> float:
        t = time.perf_counter()
        for texts in reports:
            m.predict(texts, normalized=True)
        return (time.perf_counter() - t) * 1000 / len(reports)

    def compare(plain_on, plain_off) -> tuple[float, float]:
        """Best of ``reps`` for the fast and the plain form, measured alternately (a busy
        machine slows both alike)."""
        fast, plain = float("inf"), float("inf")
        for _ in range(reps):
            fast = min(fast, once())
            plain_on()
            plain = min(plain, once())
            plain_off()
        return fast, plain

    print(f"themes, report by report ({len(reports)} reports), best of {reps}, fast vs plain:")
    for i, block in enumerate(m.scorer.blocks):
        batched = block.columns
        reference = AnalyzerColumns(block.analyzer, block.vocabulary)
        name = getattr(block.analyzer, "__name__", str(block.analyzer))
        fast, plain = compare(lambda b=block, r=reference: object.__setattr__(b, "columns", r),
                              lambda b=block, c=batched: object.__setattr__(b, "columns", c))
        print(f"  block {i} ({name}) batched -> plain: {fast:.3f} vs {plain:.3f} ms per report "
              f"({plain - fast:+.3f})")


if __name__ == "__main__":
    main()
