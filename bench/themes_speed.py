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
    args = ap.parse_args()

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


if __name__ == "__main__":
    main()
