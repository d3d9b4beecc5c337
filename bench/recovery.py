"""Recovery of run-together table cells over the flattened corpus (`raw/`).

Prints, per split (development <= 2022, evaluation >= 2023) and overall: how many tables were
found, how many of their cells came out as values, as ambiguous (null, candidates listed), or
as unsplit (null, no valid reading), and the time taken. Run:

    /work/venv/bin/python bench/recovery.py [CORPUS_DIR]
"""

from __future__ import annotations

import csv
import sys
import time
from collections import Counter
from pathlib import Path

from gknlp.pipeline import extract
from gknlp.tables.checks import check_tables
from gknlp.tables.parse import TableResult

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def tables_of(path: Path) -> tuple[TableResult, TableResult, TableResult]:
    """The three tables as the pipeline leaves them (recovery included)."""
    return extract(path, themes=False, counts=False).table_results


def count_cells(t: TableResult) -> Counter:
    c: Counter = Counter()
    for row, cells in t.rows.items():
        for col, cell in cells.items():
            key = f"{row}.{col}"
            if key in t.ambiguous:
                c["ambiguous"] += 1
            elif cell is not None and cell.value is not None:
                c["value"] += 1
            elif row in t.unresolved:
                c["unsplit"] += 1
            else:
                c["null"] += 1
    return c


def main(corpus: Path = DEFAULT) -> None:
    raw = corpus / "raw"
    years, templates = {}, {}
    with open(corpus / "MANIFEST.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            years[row["file"]] = int(row["year_of_report"])
            templates[row["file"]] = row["template"]
    files = sorted(raw.glob("*.txt"))
    stats: dict[tuple[str, str], Counter] = {}
    found: Counter = Counter()
    checks: Counter = Counter()
    per_file: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    for path in files:
        split = "eval>=2023" if years.get(path.name, 0) >= 2023 else "dev<=2022"
        if templates.get(path.name) == "pre-2019":
            split = "pre-2019"   # older statistics table: not the standard tables, kept apart
        s = time.perf_counter()
        tables = tables_of(path)
        per_file.append((path.name, time.perf_counter() - s))
        for t in tables:
            if not t.found:
                continue
            found[(split, t.key)] += 1
            found[(split, t.key, t.layout)] += 1
            stats.setdefault((split, t.key), Counter()).update(count_cells(t))
        for ch in check_tables(*tables):
            if ch.rule in ("R1", "R2", "R3", "R5"):
                checks[(split, ch.rule, ch.status)] += 1
    elapsed = time.perf_counter() - t0
    print(f"{len(files)} files in {elapsed:.2f} s (slowest {max(per_file, key=lambda x: x[1])[0]} "
          f"{max(x[1] for x in per_file):.3f} s)")
    def split_of(p: Path) -> str:
        if templates.get(p.name) == "pre-2019":
            return "pre-2019"
        return "eval>=2023" if years.get(p.name, 0) >= 2023 else "dev<=2022"

    for split in ("dev<=2022", "eval>=2023", "pre-2019"):
        n = sum(1 for p in files if split_of(p) == split)
        print(f"\n{split}: {n} files")
        for key in ("proactive", "requests", "appeals"):
            print(f"  table {key:9s} found {found[(split, key)]:3d} (recovered {found[(split, key, 'recovered')]})")
    print("\n(value: a certain number; ambiguous: null with candidates; unsplit: null, no valid reading;"
          " null: empty or absent in the text)")
    print("cells of the tables found   value  ambiguous  unsplit  null   recovery  ambiguity")
    for (split, key), c in sorted(stats.items()):
        if split == "all":
            continue
        total = sum(c.values())
        print(f"  {split:10s} {key:9s} {total:6d}  {c['value']:6d} {c['ambiguous']:8d} {c['unsplit']:8d} "
              f"{c['null']:5d}   {c['value'] / total:7.1%}  {c['ambiguous'] / total:8.1%}")
    print("\nidentity checks after recovery (pass / fail / not_assessable)")
    for split in ("dev<=2022", "eval>=2023"):
        for rule in ("R1", "R2", "R3", "R5"):
            print(f"  {split:10s} {rule}: " + " / ".join(str(checks[(split, rule, s)])
                                                   for s in ("pass", "fail", "not_assessable")))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
