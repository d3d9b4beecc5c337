"""Exact-cell rate of the table engine on damaged layouts, per damage kind and per layout.

Random valid tables of both templates (tests/render.py), rendered in every layout the engine
reads and as a crawler's flattened text, damaged the way real layouts are (a lost cell, two
cells run together, a typo or a wrap in a label, per-block sub-tables with headings, the header
repeated mid-table, change words for 增/减, tables 二/三/四 transposed, a misprinted total), alone
and combined; seeded, so every run prints the same figures. Each expected cell is exact, null and flagged, null without
a flag, or wrong (a value given as certain that is not the printed one). Run:

    python bench/damage.py            # 3000 cases
    python bench/damage.py 600
    python bench/damage.py 10000 sweep   # another family of seeded cases (a seed sweep)
"""

from __future__ import annotations

import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from render import damage_case, score_report

from gknlp.pipeline import extract_text


def _line(name: str, c: Counter, cases: int) -> str:
    n = sum(c[k] for k in ("exact", "flagged", "unflagged", "wrong")) or 1
    return (f"{name:22s} {cases:6d} {n:8d}   {100 * c['exact'] / n:6.2f}%   {100 * c['flagged'] / n:6.2f}%"
            f"   {c['unflagged']:6d}   {c['wrong']:5d}")


def main(n_cases: int, salt: str = "") -> None:
    by_kind: dict[str, Counter] = defaultdict(Counter)
    by_layout: dict[str, Counter] = defaultdict(Counter)
    flat: dict[str, Counter] = defaultdict(Counter)
    n_flat: Counter = Counter()
    n_kind: Counter = Counter()
    n_layout: Counter = Counter()
    start = time.perf_counter()
    for case in range(n_cases):
        template, layout, kinds, tables, text, fmt = damage_case(case, salt)
        s = score_report(extract_text(text, fmt=fmt, themes=False, counts=False), tables)
        name = kinds[0] if len(kinds) == 1 else "combined (2-3 kinds)"
        by_kind[name].update(s)
        by_layout[layout].update(s)
        n_kind[name] += 1
        n_layout[layout] += 1
        if layout == "flattened":
            flat[name].update(s)
            n_flat[name] += 1
    elapsed = time.perf_counter() - start
    head = f"{'':22s} {'cases':>6s} {'cells':>8s}   {'exact':>7s}   {'flagged':>7s}   {'unflagged':>6s}   {'wrong':>5s}"
    print(f"{n_cases} seeded cases{f' (salt {salt!r})' if salt else ''}, {elapsed:.1f} s ({1000 * elapsed / n_cases:.1f} ms/case)\n")
    print("per damage kind" + head[15:])
    total: Counter = Counter()
    for name in sorted(by_kind):
        print(_line(name, by_kind[name], n_kind[name]))
        total.update(by_kind[name])
    print(_line("all", total, n_cases))
    print("\nper layout" + head[10:])
    for name in sorted(by_layout):
        print(_line(name, by_layout[name], n_layout[name]))
    print("\nflattened text, per kind" + head[24:].replace(" cases", "cases", 1))
    for name in sorted(flat):
        print(_line(name, flat[name], n_flat[name]))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000, sys.argv[2] if len(sys.argv) > 2 else "")
