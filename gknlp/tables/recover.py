"""Recover table cells that a crawler ran together (`行政规范性文件693665`).

A scraper turns `<td>6</td><td>93</td><td>665</td>` into `693665`: the cell boundaries are
gone, and usually only the table's own accounting identities can put them back. The steps
are plain functions:

1. `value_run` takes the digits that follow a row label, cut into *pieces* at the boundaries
   that survive flattening (spaces, signs 增/减/-, units such as 元, placeholders such as /).
2. `split_run` enumerates every way to cut the pieces into the row's cells (no leading
   zeros except `0`, decimals only in money columns, signs only in the 2019 `change` column),
   within a budget.
3. `solve_requests` / `solve_appeals` / `solve_proactive` keep the combinations of row splits
   that agree best with the identities (R1, R2, R3, R4 subtotals, R5) over the whole table,
   or with sound order constraints for table 二.
4. A cell is reported only when every surviving combination gives it the same value;
   otherwise it is null and its candidates are listed (`TableResult.ambiguous`), so a
   guess is never presented as a fact.

`recover_tables` is the thin wrapper the pipeline calls; it writes the outcome into the
`TableResult`s. `cross_year_constraints` (optional) narrows table 二 with last year's report.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from gknlp.tables.cells import PLACEHOLDER, Cell, parse_cell
from gknlp.tables.parse import TableResult
from gknlp.tables.templates import (
    appeals_template,
    proactive_templates,
    requests_template,
)
from gknlp.types import to_json_number

if TYPE_CHECKING:
    import numpy as np

__all__ = ["value_run", "cell_ok", "split_run", "Split", "RowSolution", "TableSolution",
           "solve_requests", "solve_appeals", "solve_proactive", "recover_tables",
           "cross_year_constraints", "is_flattened", "MAX_STEPS", "MAX_SPLITS", "MAX_COMBOS"]

MAX_STEPS = 200_000
"""Search steps allowed for one row's splits; past it the row is given up (all cells ambiguous)."""
MAX_SPLITS = 2_000
"""Splits kept for one row; past it the row is given up."""
MAX_COMBOS = 50_000
"""Combinations of ambiguous rows tried against the identities of one table."""
MAX_CANDIDATES_SHOWN = 12
"""Candidate values listed for one ambiguous cell."""

_SIGNS = "增减+\\-－−"
_PH_CHARS = "/／—–－―"
_RUN_START = re.compile(rf"[{_SIGNS}]?\d|[/／—–―]+(?=[\s\d{_SIGNS}/／—–―]|$)")
_RUN_BODY = re.compile(rf"(?:\d+(?:\.\d+)?|[{_SIGNS}](?=\d)|万元|元|[个件项条宗笔](?![\u4e00-\u9fff])|[/／—–―]+| )+")
_ATOM = re.compile(rf"[{_SIGNS}]?\d+(?:\.\d+)?(?:万元|元|[个件项条宗笔])?|[{_PH_CHARS}]+")
_YEAR_TAIL = re.compile(r"(?:19|20)\d{2}$")

_KIND_RE = {
    "count": re.compile(r"^(?:0|[1-9]\d{0,7})(?:[个件项条宗笔])?$"),
    "change": re.compile(rf"^[{_SIGNS}]?(?:0|[1-9]\d{{0,7}})(?:[个件项条宗笔])?$"),
    "money": re.compile(r"^(?:0|[1-9]\d{0,11})(?:\.\d{1,6})?(?:万元|元)?$"),
}
_MAXLEN = {"count": 9, "change": 10, "money": 21}
_DIGITS_MAX = {"count": 8, "change": 8, "money": 12}
"""Most digits in a cell of each kind (as its `_KIND_RE` says): a run of plain digits is cut
into "0" or 1..n digits not starting with 0, without matching the regex."""


# --- 1. runs --------------------------------------------------------------------------------

@lru_cache(maxsize=1 << 12)
def value_run(segment: str) -> tuple[str, ...]:
    """The pieces of the first value run in a row's text ('' if none).

    Cached: a pure function of the row's text, and most rows repeat across reports.

    Text before the run (a note such as （区分处理的…）, a closing quote of the label) and
    after it (the next header, a narrative) is dropped. A trailing 4-digit year followed
    by 年 is narrative jammed onto the last cell (`行政事业性收费02025年`) and is cut off.
    """
    m = _RUN_START.search(segment)
    if not m:
        return ()
    body = _RUN_BODY.match(segment, m.start())
    if not body:
        return ()
    run = body.group().rstrip(" " + _SIGNS)
    after = segment[m.start() + len(run):]
    if after.startswith("年") and _YEAR_TAIL.search(run) and len(run.replace(" ", "")) > 4:
        run = run[:-4].rstrip()
    pieces: list[str] = []
    for part in run.split():
        atoms = _ATOM.findall(part)
        pieces.extend(atoms)
    return tuple(p for p in pieces if p)


def _is_placeholder(piece: str) -> bool:
    return bool(PLACEHOLDER.match(piece)) and not any(ch.isdigit() for ch in piece)


def cell_ok(text: str, kind: str) -> bool:
    """A cell text that can stand in a column of this kind (count, change or money)."""
    return bool(_KIND_RE.get(kind, _KIND_RE["count"]).match(text))


# --- 2. splits ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Split:
    """Every way found to cut a run into cells; `complete` is False when the budget ran out."""

    cells: tuple[tuple[str, ...], ...]
    complete: bool


class _OverBudget(Exception):
    pass


def split_run(pieces: Sequence[str], kinds: Sequence[str],
              check: Callable[[tuple[str, ...]], bool] | None = None,
              max_steps: int = MAX_STEPS, max_splits: int = MAX_SPLITS) -> Split:
    """All cuts of `pieces` into len(kinds) valid cells; `check` prunes partial cuts.

    Pieces never merge (their boundaries are hard); a placeholder piece is exactly one cell.
    `check(cells_so_far)` may reject a partial cut as soon as it can tell (e.g. at the end of
    a block of table 四).

    A depth-first search; every node counts one step against `max_steps`, and the budgets
    decide the result when they run out, so the order and the step count are part of the
    contract (tests compare with the plain search). Two shortcuts keep them: cells of plain
    digits are cut without the kind's regex (`_DIGITS_MAX`), and a child that would stop at
    once (too few or too many characters left) is counted without being entered.
    """
    n = len(kinds)
    n_pieces = len(pieces)
    maxlen = [_MAXLEN.get(k, 9) for k in kinds]
    digits_max = [_DIGITS_MAX.get(k, _DIGITS_MAX["count"]) for k in kinds]
    valid = [_KIND_RE.get(k, _KIND_RE["count"]).match for k in kinds]  # cell_ok per column
    placeholder = [_is_placeholder(p) for p in pieces]
    plain = [p.isascii() and p.isdigit() for p in pieces]
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
            raise _OverBudget
        ci = len(cells)
        if pi == n_pieces:
            if ci == n:
                out.append(tuple(cells))
                if len(out) > max_splits:
                    raise _OverBudget
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
        if plain[pi]:   # the cells `valid[ci]` accepts: "0", or up to digits_max[ci] digits
            ends: Iterable[int] = range(pos + 1, pos + 2 if piece[pos] == "0" else
                                        pos + min(left_here, digits_max[ci]) + 1)
            ok = None
        else:
            ends = range(pos + 1, pos + min(left_here, maxlen[ci]) + 1)
            ok = valid[ci]
        # the child's entry test, as `rec` makes it: need and chars left after this cell
        need_after = need - 1
        room_after = cap_after[ci + 1]
        last = len(piece)
        for end in ends:
            cell = piece[pos:end]
            if ok is not None and not ok(cell):
                continue
            cells.append(cell)
            if check is None or check(tuple(cells)):
                nxt = pi + 1 if end == last else pi
                rest = rest_chars - (end - pos)
                if nxt < n_pieces and (need_after < n_pieces - nxt or need_after > rest or rest > room_after):
                    steps += 1   # the child would stop at once: count its step only
                    if steps > max_steps:
                        raise _OverBudget
                else:
                    rec(nxt, 0 if end == last else end)
            cells.pop()

    if not pieces or not n:
        return Split((), True)
    try:
        rec(0, 0)
    except _OverBudget:
        return Split(tuple(out[:max_splits]), False)
    return Split(tuple(out), True)


@lru_cache(maxsize=1 << 14)
def _split_cached(pieces: tuple[str, ...], kinds: tuple[str, ...],
                  check: Callable[[tuple[str, ...]], bool] | None = None) -> Split:
    """`split_run` is a pure function of its run and check: tables repeat the same runs (rows
    of zeros) across rows and reports, so remember them. Checks are compared by identity, so
    only checks built once per template (cached factories) are passed here."""
    return split_run(pieces, kinds, check)


# --- 3. solving a table ---------------------------------------------------------------------

Value = Decimal | None
_ZERO = Decimal(0)


def _value(cell: str) -> Value:
    return parse_cell(cell).value


@lru_cache(maxsize=1 << 14)
def _values(cells: tuple[str, ...]) -> tuple[Value, ...]:
    """The values of a split's (or a block's) cells (cached: the same splits recur across rows
    and reports)."""
    return tuple([parse_cell(c).value for c in cells])


@dataclass
class RowSolution:
    """What recovery concluded for one row."""

    key: str
    pieces: tuple[str, ...]
    raws: list[tuple[str, ...]] = field(default_factory=list)   # surviving splits (raw cell texts)
    status: str = "solved"   # solved | ambiguous | unsplit | gave_up | fixed


@dataclass
class TableSolution:
    """Per row: the surviving raw splits; `cells` gives the value or candidates per cell."""

    rows: dict[str, RowSolution]
    columns: dict[str, tuple[str, ...]]
    scored: int | None = None
    """Identities broken by the best combination, as `_solve_rows` counted them (None: not counted)."""
    identities: Sequence[Identity] = ()
    """Table 三's identities, kept when no row had a choice (nothing was scored while solving)."""

    @property
    def violations(self) -> int | None:
        """Identities broken by the best combination kept; None when there were too many
        combinations to score. When no row had a choice this is counted now, on demand: the
        one combination decides nothing, and the pipeline never asks."""
        if self.scored is None and self.identities:
            self.scored = _solve_rows(self.rows, self.identities)
        return self.scored

    def cells(self, row: str) -> dict[str, tuple[str | None, list[str]]]:
        """col → (raw text when certain else None, sorted distinct candidate raws)."""
        sol = self.rows[row]
        if len(sol.raws) == 1 and sol.status not in ("unsplit", "gave_up"):   # the common case
            return {col: (raw, [raw]) for col, raw in zip(self.columns[row], sol.raws[0], strict=True)}
        columns = self.columns[row]
        if len(sol.raws) == 1:
            candidates = [[raw] for raw in sol.raws[0]]
        elif sol.raws:  # a set per column of the transposed splits (a row may keep 2,000 splits)
            candidates = [sorted(set(texts), key=_sort_key) for texts in zip(*sol.raws)]
        else:
            candidates = [[] for _ in columns]
        out: dict[str, tuple[str | None, list[str]]] = {}
        for col, cands in zip(columns, candidates, strict=True):
            if sol.status in ("unsplit",) or not cands:
                out[col] = (None, [])
            elif len(cands) == 1 and sol.status != "gave_up":
                out[col] = (cands[0], cands)
            else:
                out[col] = (None, cands)
        return out


def _sort_key(raw: str) -> tuple[int, Decimal]:
    v = _value(raw)
    return (0, v) if v is not None else (1, Decimal(0))


def _dedupe(splits: Iterable[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The splits with distinct values (first of each), in order."""
    splits = list(splits)
    if len(splits) < 2:
        return splits
    seen: dict[tuple, tuple[str, ...]] = {}
    for s in splits:
        seen.setdefault(_values(s), s)
    return list(seen.values())


@dataclass(frozen=True)
class Identity:
    """sum(lhs) == sum(rhs), each side a list of (row, column index)."""

    name: str
    lhs: tuple[tuple[str, int], ...]
    rhs: tuple[tuple[str, int], ...]


def _violated(ident: Identity, choice: dict[str, tuple[Value, ...]]) -> bool | None:
    lhs = _side_sum(ident.lhs, choice)
    if lhs is None:
        return None
    rhs = _side_sum(ident.rhs, choice)
    return None if rhs is None else lhs != rhs


def _side_sum(side: tuple[tuple[str, int], ...], choice: dict[str, tuple[Value, ...]]) -> Value:
    """The sum of one side of an identity; None when a cell of it is blank."""
    total = _ZERO
    for row, ci in side:
        vals = choice.get(row)
        if vals is None or vals[ci] is None:
            return None
        total += vals[ci]  # type: ignore[operator]  # checked not None above
    return total


def _is_open(sol: RowSolution) -> bool:
    """A row with several splits to choose between (by the table's identities)."""
    return sol.status in ("solved", "ambiguous") and len(sol.raws) > 1


def _solve_rows(rows: dict[str, RowSolution], identities: Sequence[Identity],
                max_combos: int = MAX_COMBOS) -> int | None:
    """Keep the combinations of row splits with the fewest broken identities.

    Reports do break their own sums now and then (a typo in one cell); when even the best
    combination breaks some, combinations breaking one more are kept too, so that a split
    that merely happens to 'repair' a printed error is not taken as certain. An identity
    with a row absent from the table counts as neither kept nor broken.
    """
    open_rows = [k for k, s in rows.items() if _is_open(s)]
    values = {k: [_values(r) for r in s.raws] for k, s in rows.items()
              if s.status in ("solved", "ambiguous", "fixed") and s.raws}
    fixed = {k: v[0] for k, v in values.items() if k not in open_rows}
    n_combos = 1
    for k in open_rows:
        n_combos *= len(rows[k].raws)
    if n_combos > max_combos:
        for k in open_rows:
            rows[k].status = "ambiguous"
        return None
    shape = [len(rows[k].raws) for k in open_rows]
    bad: Any  # a list of ints, or an int array
    if n_combos <= _FEW_COMBOS:
        bad = _violations_by_loop(open_rows, shape, values, fixed, identities)
        best = min(bad)
        limit = best if best == 0 else best + 1
        kept = [idx for idx, b in zip(itertools.product(*(range(n) for n in shape)), bad) if b <= limit]
        chosen = [sorted({idx[j] for idx in kept}) for j in range(len(open_rows))]
    else:
        import numpy as np

        bad = _violations_by_array(open_rows, shape, values, fixed, identities)
        if bad is None:
            bad = np.array(_violations_by_loop(open_rows, shape, values, fixed, identities))
        best = int(bad.min())
        limit = best if best == 0 else best + 1
        keep = (bad <= limit).reshape(shape)
        # per open row, the splits that some kept combination takes, in order
        chosen = [np.flatnonzero(keep.any(axis=tuple(a for a in range(len(shape)) if a != j))).tolist()
                  for j in range(len(open_rows))]
    for k, indices in zip(open_rows, chosen):
        rows[k].raws = [rows[k].raws[i] for i in indices]
        rows[k].status = "solved" if len(rows[k].raws) == 1 else "ambiguous"
    return best


_FEW_COMBOS = 8
"""Up to this many combinations the plain loop scores them faster than numpy's fixed cost
(a table with no open row, the usual case, has one)."""


def _violations_by_loop(open_rows: list[str], shape: list[int], values: dict[str, list[tuple[Value, ...]]],
                        fixed: dict[str, tuple[Value, ...]], identities: Sequence[Identity]) -> list[int]:
    """Broken identities of every combination of the open rows' splits, in
    ``itertools.product`` order: the reference form, for any values."""
    out = []
    for idx in itertools.product(*(range(n) for n in shape)):
        choice = dict(fixed)
        for k, i in zip(open_rows, idx):
            choice[k] = values[k][i]
        out.append(sum(1 for ident in identities if _violated(ident, choice)))
    return out


_INT64_SAFE = 2 ** 52


@lru_cache(maxsize=1 << 12)
def _whole(values: tuple[Value, ...]) -> tuple[tuple[int, ...], tuple[bool, ...]] | None:
    """A split's values as ints (0 for a blank) and its blank flags; None when a value is not a
    whole number well inside int64. Cached like `_values`: the same splits recur."""
    ints: list[int] = []
    for v in values:
        if v is None:
            ints.append(0)
        elif v != v.to_integral_value() or abs(v) >= _INT64_SAFE:
            return None
        else:
            ints.append(int(v))
    return tuple(ints), tuple(v is None for v in values)


@dataclass(frozen=True)
class _Linear:
    """Identities as linear forms: identity i holds when Σ coef[r, c, i] · value[r, c] = 0
    (+1 for a cell on the left side, −1 on the right); `used` marks the cells it reads."""

    rows: tuple[str, ...]
    index: dict[str, int]   # row → r
    coef: np.ndarray        # (rows, columns, identities) int64
    used: np.ndarray        # (rows, columns, identities) int64, 0/1
    reads: np.ndarray       # (rows, identities) bool: identity i reads some cell of row r


@lru_cache(maxsize=256)
def _linear(identities: tuple[Identity, ...]) -> _Linear:
    """Built once per set of identities (tables share a few layouts), not per table."""
    import numpy as np

    index: dict[str, int] = {}
    at: tuple[list[int], list[int], list[int]] = ([], [], [])   # (row, column, identity) per cell
    signs: list[int] = []
    for i, ident in enumerate(identities):
        for sign, side in ((1, ident.lhs), (-1, ident.rhs)):
            for row, ci in side:
                at[0].append(index.setdefault(row, len(index)))
                at[1].append(ci)
                at[2].append(i)
                signs.append(sign)
    shape = (len(index), max(at[1], default=-1) + 1, len(identities))
    cells = tuple(np.array(a, dtype=np.intp) for a in at)
    coef = np.zeros(shape, dtype=np.int64)
    np.add.at(coef, cells, signs)   # (a cell may stand on both sides)
    used = np.zeros(shape, dtype=np.int64)
    used[cells] = 1
    rows = tuple(index)
    return _Linear(rows, index, coef, used, used.any(axis=1))  # type: ignore[arg-type]  # an array


def _violations_by_array(open_rows: list[str], shape: list[int], values: dict[str, list[tuple[Value, ...]]],
                         fixed: dict[str, tuple[Value, ...]], identities: Sequence[Identity]) -> np.ndarray | None:
    """The counts of :func:`_violations_by_loop` as a flat array, by numpy.

    Each identity is a linear form (`_linear`) that must be 0. Its value is a constant (the
    fixed rows) plus one term per open row depending only on that row's split: (splits ×
    columns) values times that row's (columns × identities) coefficients. Adding those terms
    with broadcasting over an array of `shape` scores every combination at once, in a few
    numpy calls per open row (most tables have one combination, some tens of thousands).
    A blank cell, or a row absent from `values`, leaves the identities reading it unscored.
    Exact because every value is a whole number far inside int64; None otherwise (the caller
    then loops).
    """
    import numpy as np

    n_combos = 1
    for n in shape:
        n_combos *= n
    if not identities:
        return np.zeros(n_combos, dtype=np.int64)
    lin = _linear(tuple(identities))
    n_rows, width, n_ident = lin.coef.shape
    zeros, absent, present = (0,) * width, (True,) * width, (False,) * width
    ints: list[int] = []
    blanks: list[bool] = []
    for k in lin.rows:
        row = fixed.get(k)
        if row is None:   # open (added below, per split) or absent (blank)
            ints += zeros
            blanks += present if k in values else absent
            continue
        whole = _whole(row[:width])
        if whole is None:
            return None
        ints += whole[0]
        blanks += whole[1]
    diff = np.array(ints, dtype=np.int64) @ lin.coef.reshape(-1, n_ident)
    blank = (np.array(blanks, dtype=np.int64) @ lin.used.reshape(-1, n_ident)) > 0
    open_index = [(j, lin.index[k]) for j, k in enumerate(open_rows) if k in lin.index]
    # identities the open rows read and nothing blanks: scored per combination; the rest at once
    varying = ~blank & lin.reads[[r for _, r in open_index]].any(axis=0)
    fixed_bad = int(((diff != 0) & ~blank & ~varying).sum())
    if not open_index:
        return np.full(n_combos, fixed_bad, dtype=np.int64)
    diff, blank = diff[varying], blank[varying]
    view = [1] * len(open_rows) + [len(diff)]
    for j, r in open_index:
        splits = [_whole(split[:width]) for split in values[open_rows[j]]]
        if None in splits:
            return None
        view[j] = shape[j]
        split_ints = np.array([s[0] for s in splits], dtype=np.int64)  # type: ignore[index]  # no None
        split_blanks = np.array([s[1] for s in splits], dtype=np.int64)  # type: ignore[index]
        diff = diff + (split_ints @ lin.coef[r][:, varying]).reshape(view)
        blank = blank | ((split_blanks @ lin.used[r][:, varying]) > 0).reshape(view)
        view[j] = 1
    bad = ((diff != 0) & ~blank).sum(axis=-1, dtype=np.int64) + fixed_bad
    return np.broadcast_to(bad, shape).reshape(-1)


def _row_solution(key: str, segment: str, kinds: Sequence[str],
                  check: Callable[[tuple[str, ...]], bool] | None = None,
                  row_check: Callable[[tuple[str, ...]], bool] | None = None,
                  cache: bool = True) -> RowSolution | None:
    """Split one row's run; `row_check` is a preference (kept only if some split passes it).

    `cache`: False when `check` is built for this call only (see `_split_cached`)."""
    pieces = value_run(segment)
    if not pieces:
        return None
    if cache:
        raws, status = _readings_cached(pieces, tuple(kinds), check, row_check)
    else:
        raws, status = _readings(pieces, kinds, check, row_check)
    return RowSolution(key, pieces, list(raws), status)


def _readings(pieces: tuple[str, ...], kinds: Sequence[str], check: Callable[[tuple[str, ...]], bool] | None,
              row_check: Callable[[tuple[str, ...]], bool] | None) -> tuple[tuple[tuple[str, ...], ...], str]:
    """A run's distinct splits, those passing `row_check` when any does, and the row's status."""
    split = split_run(pieces, kinds, check)
    raws = _dedupe(split.cells)
    if not split.complete:
        return tuple(raws), "gave_up"
    if not raws:
        return (), "unsplit"
    if row_check is not None and len(raws) > 1:
        passing = [r for r in raws if row_check(r)]
        if passing:
            raws = passing
    return tuple(raws), "solved" if len(raws) == 1 else "ambiguous"


@lru_cache(maxsize=1 << 14)
def _readings_cached(pieces: tuple[str, ...], kinds: tuple[str, ...],
                     check: Callable[[tuple[str, ...]], bool] | None,
                     row_check: Callable[[tuple[str, ...]], bool] | None) -> tuple[tuple[tuple[str, ...], ...], str]:
    """`_readings`, remembered: rows repeat the same runs (rows of zeros) across rows and
    reports. Checks are compared by identity, so only checks built once (cached factories)
    are passed here, as to `_split_cached`."""
    return _readings(pieces, kinds, check, row_check)


def _sum_check(total_index: int, part_indices: Sequence[int]) -> Callable[[tuple[str, ...]], bool]:
    def ok(cells: tuple[str, ...]) -> bool:
        vals = _values(cells)
        if vals[total_index] is None or any(vals[i] is None for i in part_indices):
            return True
        return vals[total_index] == sum((vals[i] for i in part_indices), Decimal(0))  # type: ignore[type-var]  # checked not None above
    return ok


_APPLICANTS = ("natural_person", "commercial", "research", "public_interest", "legal_services", "other_org")
_ORGS = _APPLICANTS[1:]


@lru_cache(maxsize=64)
def _requests_row_check(cols: tuple[str, ...]) -> Callable[[tuple[str, ...]], bool]:
    """A requests row's own sums (total, org_subtotal) as a split preference; built once per
    column set, so that `_readings_cached` can remember the rows' readings."""
    row_checks: list[Callable[[tuple[str, ...]], bool]] = []
    if "total" in cols:
        row_checks.append(_sum_check(cols.index("total"), [cols.index(c) for c in _APPLICANTS if c in cols]))
    if "org_subtotal" in cols:
        row_checks.append(_sum_check(cols.index("org_subtotal"), [cols.index(c) for c in _ORGS if c in cols]))

    def row_check(cells: tuple[str, ...]) -> bool:
        return all(f(cells) for f in row_checks)
    return row_check


def _requests_identities(template: str, columns: tuple[str, ...], present: set[str]) -> list[Identity]:
    """R1, R2 and the R4 subtotals of the rows present, per column."""
    subtotals = frozenset(r.key for r in requests_template().rows_for(template) if r.subtotal_of) & present
    return list(_identities_for(template, columns, subtotals))


@lru_cache(maxsize=256)
def _identities_for(template: str, columns: tuple[str, ...], present: frozenset[str]) -> tuple[Identity, ...]:
    """Built once per template, columns and subtotal rows present (reports share a few layouts)."""
    spec = requests_template()
    rows = spec.rows_for(template)
    required = [r.key for r in rows if not r.optional]
    outcomes = required[required.index("carried_in") + 1: required.index("total")]
    out: list[Identity] = []
    for ci, col in enumerate(columns):
        out.append(Identity(f"R1 {col}", (("new", ci), ("carried_in", ci)), (("total", ci), ("carried_over", ci))))
        out.append(Identity(f"R2 {col}", (("total", ci),), tuple((r, ci) for r in outcomes)))
        for r in rows:
            if r.subtotal_of and r.key in present:
                out.append(Identity(f"R4 {r.key}.{col}", ((r.key, ci),), tuple((k, ci) for k in r.subtotal_of)))
    return tuple(out)


def solve_requests(table: TableResult, only: Iterable[str] | None = None) -> TableSolution:
    """Split table 三's rows and keep the combinations agreeing with R1–R4 over the table.

    `only`: the rows to split (others are taken as parsed); all rows when None.
    """
    cols = table.columns
    kinds = ["count"] * len(cols)
    row_check = _requests_row_check(cols)
    rows: dict[str, RowSolution] = {}
    targets = set(table.row_texts) if only is None else set(only)
    for key, rt in table.row_texts.items():
        if key in targets:
            sol = _row_solution(key, rt.segment, kinds, row_check=row_check)
            if sol is not None:
                rows[key] = sol
                continue
        cells = table.rows.get(key)
        if cells and any(c is not None and c.value is not None for c in cells.values()):
            rows[key] = RowSolution(key, (), [tuple((cells[c].raw if cells.get(c) else "") for c in cols)], "fixed")  # type: ignore[union-attr]
    present = {k for k, s in rows.items() if s.raws}
    identities = _requests_identities(table.template or "2019", cols, present)
    solution = TableSolution(rows, {k: cols for k in rows})
    if any(map(_is_open, rows.values())):
        solution.scored = _solve_rows(rows, identities)
    else:  # no row has a choice (the usual table): nothing to solve
        solution.identities = identities
    return solution


def solve_appeals(table: TableResult) -> TableSolution:
    """Split table 四's fifteen cells; each block of five must satisfy R5 when any split can."""
    spec = appeals_template()
    width = len(spec.columns)
    n = width * len(spec.blocks)
    t = spec.columns.index("total")
    parts = [i for i in range(width) if i != t]
    rows: dict[str, RowSolution] = {}
    rt = table.row_texts.get("appeals")
    columns = {b: spec.columns for b in spec.blocks}
    if rt is None:
        return TableSolution(rows, columns)
    pieces = value_run(rt.segment)
    if not pieces:
        return TableSolution(rows, columns)
    r5 = _block_sum_check(width, t, tuple(parts))
    kinds = ("count",) * n
    split = _split_cached(pieces, kinds, r5)
    status = "solved"
    if split.complete and not split.cells:
        # The report breaks R5 somewhere: keep the splits breaking it least (and one more).
        split = _split_cached(pieces, kinds)
        if split.complete and split.cells:
            bad = [sum(1 for b in range(len(spec.blocks)) if not r5(s[: (b + 1) * width])) for s in split.cells]
            limit = min(bad) + 1
            split = Split(tuple(s for s, v in zip(split.cells, bad) if v <= limit), True)
    raws = _dedupe(split.cells)
    status = "gave_up" if not split.complete else ("unsplit" if not raws else "")
    for bi, block in enumerate(spec.blocks):
        # Blocks are cut from one run: a block is certain only when all full splits agree on it.
        block_raws = _dedupe(r[bi * width:(bi + 1) * width] for r in raws)
        rows[block] = RowSolution(block, pieces, block_raws,
                                  status or ("solved" if len(block_raws) == 1 else "ambiguous"))
    return TableSolution(rows, columns)


@cache
def _block_sum_check(width: int, t: int, parts: tuple[int, ...]) -> Callable[[tuple[str, ...]], bool]:
    """R5 on each block of `width` cells as soon as it is complete (built once: see `_split_cached`)."""
    def r5(cells: tuple[str, ...]) -> bool:
        if len(cells) % width:
            return True
        block = cells[-width:]
        vals = _values(block)
        if vals[t] is None or any(vals[i] is None for i in parts):
            return True
        return vals[t] == sum((vals[i] for i in parts), Decimal(0))  # type: ignore[type-var]  # checked not None above
    return r5


@cache
def _order_check(template: str, key: str, columns: tuple[str, ...]) -> Callable[[tuple[str, ...]], bool] | None:
    """Sound order constraints of table 二 (never identities: it has none); built once per row.

    2019 规章/规范性文件: 对外公开总数量 (all published documents) >= 本年新公开数量.
    2021: 现行有效件数 >= 本年制发件数 - 本年废止件数 (at most `repealed` of this year's
    documents can have been repealed again). 现行有效 >= 制发 alone is not sound.
    """
    if key not in ("rules", "normative_docs"):
        return None
    if template == "2019":
        hi, lo = columns.index("total"), columns.index("published")

        def ok19(cells: tuple[str, ...]) -> bool:
            if len(cells) < len(columns):
                return True
            a, b = _value(cells[hi]), _value(cells[lo])
            return a is None or b is None or a >= b
        return ok19
    if template == "2021":
        f, i, r = columns.index("in_force"), columns.index("issued"), columns.index("repealed")

        def ok21(cells: tuple[str, ...]) -> bool:
            if len(cells) < len(columns):
                return True
            a, b, c = _value(cells[f]), _value(cells[i]), _value(cells[r])
            return a is None or b is None or c is None or a >= b - c
        return ok21
    return None


def solve_proactive(table: TableResult, only: Iterable[str] | None = None,
                    extra: dict[str, Callable[[tuple[str, ...]], bool]] | None = None) -> TableSolution:
    """Split table 二's rows; each row on its own, under the sound order constraints only."""
    template = next((t for t in proactive_templates() if t.name == table.template), None)
    rows: dict[str, RowSolution] = {}
    columns: dict[str, tuple[str, ...]] = {}
    if template is None:
        return TableSolution(rows, columns)
    targets = set(table.row_texts) if only is None else set(only)
    for spec in template.rows:
        if spec.key not in table.row_texts or spec.key not in targets:
            continue
        kinds = [template.kind(c) for c in spec.columns]
        check = _order_check(template.name, spec.key, spec.columns)
        more = (extra or {}).get(spec.key)
        if more is not None:
            base = check
            check = (lambda cells, a=base, b=more: (a is None or a(cells)) and
                     (len(cells) < len(kinds) or b(cells)))
        sol = _row_solution(spec.key, table.row_texts[spec.key].segment, kinds, check=check,
                            cache=more is None)
        if sol is not None:
            rows[spec.key] = sol
            columns[spec.key] = spec.columns
    return TableSolution(rows, columns)


# --- 4. writing the outcome -----------------------------------------------------------------

def is_flattened(table: TableResult) -> bool:
    """Rows on one line with no tab or pipe: a crawler's flattened table."""
    segs = [rt.segment for rt in table.row_texts.values()]
    if not segs:
        return False
    segs[-1] = value_run_text(segs[-1])   # the last row's text runs on past the table
    return _LAYOUT_CHAR.search("".join(segs)) is None


_LAYOUT_CHAR = re.compile(r"[\n\t|]")


def value_run_text(segment: str) -> str:
    """The row text up to the end of its first value run (for layout tests)."""
    m = _RUN_START.search(segment)
    if not m:
        return segment[:0]
    body = _RUN_BODY.match(segment, m.start())
    return segment[: body.end()] if body else segment[: m.end()]


def _json_value(table: TableResult, row: str, col: str, raw: str) -> int | float | str | None:
    cell = parse_cell(raw)
    v = cell.value
    if v is None:
        return raw
    if table.money_unit.get(f"{row}.{col}") == "yuan" or cell.unit == "元":
        v = v / Decimal(10000)
    return to_json_number(v)


_FIT_CODES = {"run", "missing_cells", "misaligned", "extra_cells"}


@lru_cache(maxsize=1 << 12)
def _certain_cells(raws: tuple[str, ...]) -> tuple[tuple[Cell, ...], tuple[int, ...]]:
    """A reading's parsed cells and the indices of those printed in 元 (cached like `_values`:
    the same readings, mostly of zeros, recur across rows and reports)."""
    cells = tuple(map(parse_cell, raws))
    return cells, tuple(i for i, cell in enumerate(cells) if cell.unit == "元")


def _apply(table: TableResult, solution: TableSolution) -> None:
    """Write solved rows into the table: certain cells as values, the rest null + ambiguous."""
    solved = [key for key, sol in solution.rows.items() if sol.status != "fixed"]
    if not solved:
        return
    # the parser's fit warnings of the rows solved here no longer hold
    marks = tuple(f"row {key}:" for key in solved)
    table.warnings = [w for w in table.warnings
                      if not (w["code"] in _FIT_CODES and any(m in w["message"] for m in marks))]
    # rows split now are resolved; rows found unsplittable are (again) unresolved, in order
    unsplit = [key for key in solved if solution.rows[key].status == "unsplit"]
    resolved = set(solved).difference(unsplit)
    table.unresolved = [key for key in table.unresolved if key not in resolved]
    table.unresolved += [key for key in unsplit if key not in table.unresolved]
    table.layout = "recovered"
    for key in solved:
        sol = solution.rows[key]
        cols = solution.columns[key]
        if sol.status == "unsplit":
            table.rows[key] = dict.fromkeys(cols)
            continue
        if len(sol.raws) == 1 and sol.status != "gave_up":   # one reading: every cell certain
            parsed, yuan = _certain_cells(sol.raws[0])
            table.rows[key] = dict(zip(cols, parsed, strict=True))
            for i in yuan:
                table.money_unit[f"{key}.{cols[i]}"] = "yuan"
            continue
        cells = solution.cells(key)
        new_row: dict[str, Cell | None] = {}
        listed = {}
        for col, (raw, cands) in cells.items():
            if raw is not None:
                new_row[col] = parse_cell(raw)
                if new_row[col].unit == "元":  # type: ignore[union-attr]  # just parsed
                    table.money_unit[f"{key}.{col}"] = "yuan"
            else:
                new_row[col] = None
                shown = [_json_value(table, key, col, c) for c in cands[:MAX_CANDIDATES_SHOWN]]
                table.ambiguous[f"{key}.{col}"] = shown
                listed[col] = shown
        table.rows[key] = new_row
        if listed:
            code = "recovery_budget" if sol.status == "gave_up" else "ambiguous_cells"
            what = "too many readings to search; candidates seen" if sol.status == "gave_up" else \
                "several readings agree with the table's identities"
            table.warn(code, f"row {key}: {what}: {json.dumps(listed, ensure_ascii=False)}", " ".join(sol.pieces))


def _targets(table: TableResult) -> list[str] | None:
    """All rows of a flattened table; otherwise only the rows the parser could not fit."""
    if not table.found:
        return []
    return None if is_flattened(table) else list(table.unresolved)


def recover_tables(proactive: TableResult, requests: TableResult, appeals: TableResult) -> None:
    """Split run-together cells of the three tables in place (the pipeline's hook)."""
    t = _targets(proactive)
    if t is None or t:
        _apply(proactive, solve_proactive(proactive, t))
    t = _targets(requests)
    if t is None or t:
        _apply(requests, solve_requests(requests, t))
    t = _targets(appeals)
    if t is None or t:
        solution = solve_appeals(appeals)
        if solution.rows:
            _apply(appeals, solution)
            _appeals_bookkeeping(appeals, solution)


def _appeals_bookkeeping(table: TableResult, solution: TableSolution) -> None:
    """Table 四 is one run under the key 'appeals', not one per block."""
    blocks = set(solution.rows)
    unsplit = any(k in blocks for k in table.unresolved)
    table.unresolved = [k for k in table.unresolved if k not in blocks and k != "appeals"]
    if unsplit:
        table.unresolved.append("appeals")
    table.warnings = [w for w in table.warnings
                      if not (w["code"] in _FIT_CODES and "expected 15 cells" in w["message"])]


# --- optional: constraints across years -----------------------------------------------------

def cross_year_constraints(previous: dict, template: str) -> dict[str, Callable[[tuple[str, ...]], bool]]:
    """Row checks for this year's table 二 from the same body's previous report (2021 template).

    现行有效 this year = 现行有效 last year + 制发 − 废止. `previous` is last year's
    `tables.proactive` JSON. Returns `extra` for `solve_proactive`.
    """
    if template != "2021":
        return {}
    checks: dict[str, Callable[[tuple[str, ...]], bool]] = {}
    for key in ("rules", "normative_docs"):
        last = (previous.get(key) or {}).get("in_force")
        if last is None:
            continue

        def ok(cells: tuple[str, ...], last: int = last) -> bool:
            issued, repealed, in_force = (_value(c) for c in cells)
            if None in (issued, repealed, in_force):
                return True
            return in_force == last + issued - repealed  # type: ignore[operator]  # checked not None above
        checks[key] = ok
    return checks
