"""The tables' fast paths give the answers of the plain code they stand for.

Kept because `bench/stages.py` shows the stage they speed up above 5% of the end-to-end time
(tables 26%, recovery 7%): the label search (`align.LabelFinder` against `align.label_pattern`),
the numpy scoring of readings (`score.violations_by_array` against the loop) and the
shortcuts of the run splitter (`runs.split_run` against the plain depth-first search).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import gknlp
from gknlp.tables.recover import runs, score
from gknlp.tables.recover.runs import Split, split_run

SEEDS = Path(gknlp.__file__).parent / "data" / "samples"



_TRICKY = [
    "（一）本年新收政府信息公开申请数量\t3", "( 一 ) 本年新收\t3", "一、 本年新收 3", "一 ，本年新收",
    "二、一、本年新收", "（一）\n\n本年新收", "一\u3000、\u3000本年新收", "x一本年新收", "（二）本年新收",
    "1.属于国家秘密 0", "（1）属于国家秘密", "1 ．属 于 国 家 秘 密", "11、属于国家秘密", "(1)(1)属于国家秘密",
    "（一）一般申请", "一、一般申请", "一一般申请", "（1）1号文件",
]


def _all_labels() -> list[tuple[tuple[str, ...], str | None]]:
    """Every row's labels and enumerator, and labels that start like their enumerator."""
    from gknlp.tables.templates import proactive_templates, requests_template

    rows = list(requests_template().rows) + [r for t in proactive_templates() for r in t.rows]
    return [(r.labels, r.enum) for r in rows] + [(("一般申请",), "一"), (("1号文件", "号文件"), "1")]


@pytest.mark.parametrize("text", [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))] + _TRICKY,
                         ids=[p.stem for p in sorted(SEEDS.glob("*.txt"))] + [f"tricky{i}" for i in range(len(_TRICKY))])
def test_tables_label_finder_finds_what_the_label_pattern_finds(text: str) -> None:
    """LabelFinder (label first, enumerator backwards) gives re.search's span on every start."""
    from gknlp.tables.align import label_finder, label_pattern

    for labels, enum in _all_labels():
        reference, finder = label_pattern(labels, enum), label_finder(labels, enum)
        starts = set(range(min(len(text), 12)))
        for m in reference.finditer(text):
            starts.update(range(max(0, m.start() - 4), m.end() + 1))
        for start in sorted(starts):
            for end in (len(text), (start + len(text)) // 2):
                m = reference.search(text, start, end)
                assert finder.search(text, start, end) == (m.span() if m else None), (labels, start, end)


def _random_solve_case(rng, whole: bool):
    n_cols = rng.randint(1, 3)
    rows = [f"r{i}" for i in range(rng.randint(2, 5))]
    open_rows = rng.sample(rows, rng.randint(0, len(rows)))

    def value():
        if rng.random() < 0.15:
            return None
        v = Decimal(rng.randint(0, 4))
        return v if whole or rng.random() < 0.7 else v + Decimal("0.5")

    values = {k: [tuple(value() for _ in range(n_cols)) for _ in range(rng.randint(2, 4) if k in open_rows else 1)]
              for k in rows}
    fixed = {k: v[0] for k, v in values.items() if k not in open_rows}
    identities = []
    for i in range(rng.randint(1, 6)):
        ci = rng.randrange(n_cols)
        lhs = tuple((k, ci) for k in rng.sample(rows, rng.randint(1, 2)))
        rhs = tuple((k, ci) for k in rng.sample(rows, rng.randint(1, min(3, len(rows)))))
        identities.append(score.Indexed(f"I{i}", lhs, rhs))
    return open_rows, values, fixed, identities


@pytest.mark.parametrize("whole", [True, False])
def test_tables_recover_violation_counts_by_array_equal_the_loop(whole: bool) -> None:
    """The numpy count of broken identities per combination equals the reference loop, blanks
    included; with a value that is not a whole number it declines (None) and the loop is used."""
    import random

    rng = random.Random(7)
    declined = compared = 0
    for _ in range(400):
        open_rows, values, fixed, identities = _random_solve_case(rng, whole)
        shape = [len(values[k]) for k in open_rows]
        by_array = score.violations_by_array(open_rows, shape, values, fixed, identities)
        by_loop = score.violations_by_loop(open_rows, shape, values, fixed, identities)
        if by_array is None:
            declined += 1
            continue
        compared += 1
        assert by_array.tolist() == by_loop
    if whole:
        assert declined == 0 and compared == 400
    else:
        assert declined > 0 and compared > 0


@pytest.mark.parametrize("few_combos", [0, 8, 10_000], ids=["numpy", "as-shipped", "loop"])
def test_tables_recover_solve_rows_keeps_the_splits_of_the_best_combinations(monkeypatch, few_combos: int) -> None:
    """`score.solve_rows` keeps, per open row, exactly the splits that some combination breaking
    fewest identities (or one more, when the best breaks some) takes: the reference loop.
    Both of its ways (numpy for many combinations, a loop for few) are held to it."""
    import itertools
    import random

    monkeypatch.setattr(score, "_FEW_COMBOS", few_combos)
    rng = random.Random(11)
    for _ in range(300):
        open_rows, values, fixed, identities = _random_solve_case(rng, whole=rng.random() < 0.8)
        raws = {k: [tuple(str(v) for v in split) for split in values[k]] for k in values}
        rows = {k: score.RowSolution(k, (), list(raws[k]), score.Status.AMBIGUOUS if k in open_rows else score.Status.FIXED)
                for k in values}
        lookup = {raw: split for k in values for raw, split in zip(raws[k], values[k])}
        monkeypatch.setattr(score, "values_of", lookup.__getitem__)  # raws here stand in for values
        best = score.solve_rows(rows, identities)
        shape = [len(values[k]) for k in open_rows]
        bad = score.violations_by_loop(open_rows, shape, values, fixed, identities)
        limit = min(bad) if min(bad) == 0 else min(bad) + 1
        assert best == min(bad)
        for j, k in enumerate(open_rows):
            kept = sorted({idx[j] for idx, b in zip(itertools.product(*map(range, shape)), bad) if b <= limit})
            assert rows[k].raws == [raws[k][i] for i in kept]



def _split_reference(pieces, kinds, check, max_steps: int, max_splits: int):
    """`split_run` as first written: the plain depth-first search, one step per node."""
    n = len(kinds)
    n_pieces = len(pieces)
    maxlen = [runs._MAXLEN.get(k, 9) for k in kinds]
    valid = [runs._KIND_RE.get(k, runs._KIND_RE["count"]).match for k in kinds]  # cell_ok per column
    placeholder = [runs._is_placeholder(p) for p in pieces]
    cap_after = [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        cap_after[i] = cap_after[i + 1] + maxlen[i]
    chars_after = [0] * (n_pieces + 1)
    for i in range(n_pieces - 1, -1, -1):
        chars_after[i] = chars_after[i + 1] + (1 if placeholder[i] else len(pieces[i]))
    out: list[tuple[str, ...]] = []
    steps = 0
    cells: list[str] = []

    def rec(pi: int, pos: int) -> None:
        nonlocal steps
        steps += 1
        if steps > max_steps:
            raise runs._OverBudget
        ci = len(cells)
        if pi == n_pieces:
            if ci == n:
                out.append(tuple(cells))
                if len(out) > max_splits:
                    raise runs._OverBudget
            return
        need = n - ci
        piece = pieces[pi]
        ph = placeholder[pi]
        left_here = 1 if ph else len(piece) - pos
        rest_chars = left_here + chars_after[pi + 1]
        if need < n_pieces - pi or need > rest_chars or rest_chars > cap_after[ci]:
            return
        if ph:
            cells.append(piece)
            if check is None or check(tuple(cells)):
                rec(pi + 1, 0)
            cells.pop()
            return
        ok = valid[ci]
        for end in range(pos + 1, pos + min(left_here, maxlen[ci]) + 1):
            cell = piece[pos:end]
            if not ok(cell):
                continue
            cells.append(cell)
            if check is None or check(tuple(cells)):
                if end == len(piece):
                    rec(pi + 1, 0)
                else:
                    rec(pi, end)
            cells.pop()

    if not pieces or not n:
        return Split((), True)
    try:
        rec(0, 0)
    except runs._OverBudget:
        return Split(tuple(out[:max_splits]), False)
    return Split(tuple(out), True)



@pytest.mark.parametrize("kinds", ["count", "change", "money", "count change money"])
def test_tables_recover_split_run_equals_the_plain_search(kinds: str) -> None:
    """`split_run`'s shortcuts (plain digits cut without regex; children that would stop at once
    counted, not entered) give the plain search's cells, order and budget outcome, also when a
    budget runs out mid-search."""
    import random

    rng = random.Random(5)
    alphabet = ["0", "0", "0", "1", "2", "7", "0", "5", "10", "增3", "减0", "2.5", "3元", "０", "12件",
                "1234567", "10000000", "123456789012"]
    kind_cycle = kinds.split()
    for _ in range(600):
        pieces = tuple("/" if rng.random() < 0.15 else "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6)))
                       for _ in range(rng.randint(1, 4)))
        cols = [kind_cycle[i % len(kind_cycle)] for i in range(rng.randint(1, 9))]
        check = None if rng.random() < 0.5 else (lambda cells: cells[-1] != "7")
        for max_steps, max_splits in ((5_000, 300), (rng.randint(1, 40), rng.randint(1, 6))):
            fast = split_run(pieces, cols, check, max_steps=max_steps, max_splits=max_splits)
            plain = _split_reference(pieces, cols, check, max_steps=max_steps, max_splits=max_splits)
            assert fast == plain, (pieces, cols, max_steps, max_splits)


