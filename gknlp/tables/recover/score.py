"""Scoring combinations of row readings against the table's identities.

A run-together row may have several readings; the identities over the whole table choose
between them. Every combination of the open rows' readings is scored by the number of
identities it breaks (a plain loop for a few combinations; numpy for many, as tables with
several open rows reach tens of thousands).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING

from gknlp.tables.cells import parse_cell
from gknlp.tables.identities import Identity

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "CUT_STATUSES",
    "MAX_COMBOS",
    "Indexed",
    "RowSolution",
    "Status",
    "UNSURE_STATUSES",
    "confirm_by_columns",
    "check_by_columns",
    "index_identities",
    "solve_rows",
    "values_of",
    "violations_by_array",
    "violations_by_loop",
]

MAX_COMBOS = 50_000
"""Combinations of ambiguous rows tried against the identities of one table."""

Value = Decimal | None
_ZERO = Decimal(0)


class Status(Enum):
    """What recovery concluded for one row."""

    SOLVED = "solved"          # one reading
    AMBIGUOUS = "ambiguous"    # several readings agree with the identities
    UNSPLIT = "unsplit"        # no reading at all
    GAVE_UP = "gave_up"        # too many readings to search
    FIXED = "fixed"            # read by the parser, taken as printed
    UNCONFIRMED = "unconfirmed"   # no reading satisfies the row's own sums: a lost or misprinted cell
    UNCHECKED = "unchecked"   # its cut satisfies its own sums, but no identity across rows can check it


@dataclass
class RowSolution:
    """One row's surviving readings (raw cell texts)."""

    key: str
    pieces: tuple[str, ...]
    raws: list[tuple[str, ...]]
    status: Status = Status.SOLVED
    confirmed: frozenset[int] = frozenset()
    """UNCONFIRMED / UNCHECKED rows: the cells (column indices) that the column identities confirm
    (UNCHECKED: that some identity across rows assesses)."""


@lru_cache(maxsize=1 << 14)
def values_of(cells: tuple[str, ...]) -> tuple[Value, ...]:
    """The values of a reading's cells (remembered: the same readings recur across rows)."""
    return tuple([parse_cell(c).value for c in cells])


@dataclass(frozen=True)
class Indexed:
    """An identity over (row, column index) cells: how recovery reads a row's reading."""

    name: str
    lhs: tuple[tuple[str, int], ...]
    rhs: tuple[tuple[str, int], ...]

    def __hash__(self) -> int:
        """By name (equal identities have equal names). Why: tuples of a table's identities key
        the caches built once per table shape (`_across_rows`, `_linear`), and a name's hash
        is kept by Python where the generated hash walks every cell again."""
        return hash(self.name)


@lru_cache(maxsize=256)
def index_identities(identities: tuple[Identity, ...], columns: tuple[str, ...]) -> tuple[Indexed, ...]:
    """The identities over these columns (an identity reading a column the table lacks is
    dropped: its cells are blank); remembered per table shape (reports share a few)."""
    at = {c: i for i, c in enumerate(columns)}
    out = []
    for ident in identities:
        if all(c in at for _, c in ident.cells):
            out.append(Indexed(ident.name, tuple((r, at[c]) for r, c in ident.lhs),
                               tuple((r, at[c]) for r, c in ident.rhs)))
    return tuple(out)


CUT_STATUSES = (Status.SOLVED, Status.AMBIGUOUS)
"""Rows whose readings are cuts the identities may choose between."""
UNSURE_STATUSES = (Status.GAVE_UP, Status.UNCONFIRMED, Status.UNCHECKED)
"""Rows whose one reading is not certain."""
_SOLVED, _AMBIGUOUS, _FIXED = Status.SOLVED, Status.AMBIGUOUS, Status.FIXED
_UNCONFIRMED, _UNCHECKED = Status.UNCONFIRMED, Status.UNCHECKED
# (statuses as module constants: an enum member looked up on its class costs more than the
# test, asked per row)
_NO_READING = (Status.GAVE_UP, Status.UNSPLIT)
_PARTLY = (Status.UNCONFIRMED, Status.UNCHECKED)


def _is_open(sol: RowSolution) -> bool:
    """A row with several readings to choose between (by the table's identities)."""
    return sol.status in CUT_STATUSES and len(sol.raws) > 1


def _violated(ident: Indexed, choice: dict[str, tuple[Value, ...]]) -> bool | None:
    """Whether the identity is broken; None when a cell of it is blank."""
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
        v = None if vals is None else vals[ci]
        if v is None:
            return None
        total += v
    return total


def solve_rows(rows: dict[str, RowSolution], identities: Sequence[Indexed],
                max_combos: int = MAX_COMBOS) -> int | None:
    """Keep the combinations of row splits with the fewest broken identities.

    Reports do break their own sums now and then (a typo in one cell); when even the best
    combination breaks some, combinations breaking one more are kept too, so that a split
    that merely happens to 'repair' a printed error is not taken as certain. An identity
    with a row absent from the table counts as neither kept nor broken.
    """
    open_rows = [k for k, s in rows.items() if _is_open(s)]
    values = {k: [values_of(r) for r in s.raws] for k, s in rows.items()
              if s.status in (_SOLVED, _AMBIGUOUS, _FIXED) and s.raws}
    fixed = {k: v[0] for k, v in values.items() if k not in open_rows}
    n_combos = 1
    for k in open_rows:
        n_combos *= len(rows[k].raws)
    if n_combos > max_combos:
        for k in open_rows:
            rows[k].status = Status.AMBIGUOUS
        return None
    shape = [len(rows[k].raws) for k in open_rows]
    if n_combos <= _FEW_COMBOS:
        bad = violations_by_loop(open_rows, shape, values, fixed, identities)
        best = min(bad)
        limit = best if best == 0 else best + 1
        kept = [idx for idx, b in zip(itertools.product(*(range(n) for n in shape)), bad) if b <= limit]
        chosen = [sorted({idx[j] for idx in kept}) for j in range(len(open_rows))]
    else:
        import numpy as np

        scored = violations_by_array(open_rows, shape, values, fixed, identities)
        if scored is None:
            scored = np.array(violations_by_loop(open_rows, shape, values, fixed, identities))
        best = int(scored.min())
        limit = best if best == 0 else best + 1
        keep = (scored <= limit).reshape(shape)
        # per open row, the splits that some kept combination takes, in order
        chosen = [np.flatnonzero(keep.any(axis=tuple(a for a in range(len(shape)) if a != j))).tolist()
                  for j in range(len(open_rows))]
    for k, indices in zip(open_rows, chosen):
        rows[k].raws = [rows[k].raws[i] for i in indices]
        rows[k].status = Status.SOLVED if len(rows[k].raws) == 1 else Status.AMBIGUOUS
    return best


def confirm_by_columns(rows: dict[str, RowSolution], identities: Sequence[Indexed]) -> None:
    """Mark the cells of UNCONFIRMED rows with one cut that the table's other identities confirm.

    A row whose own sums hold in no cut lost a cell or misprints one (a report's 总计 column left
    0): its one cut stands for the printed cells only where an identity across rows (a column's
    R1, R2) reads the cell, can be assessed with the cells known, and holds; a cell that such an
    identity breaks, or that none assesses, stays open."""
    known = {k: values_of(s.raws[0]) for k, s in rows.items()
             if len(s.raws) == 1 and s.status in (_SOLVED, _FIXED, _UNCONFIRMED)}
    across = _across(identities)
    verdicts: dict[int, bool | None] = {}
    for key, sol in rows.items():
        if sol.status is not _UNCONFIRMED or len(sol.raws) != 1:
            continue
        sol.confirmed = frozenset(_held_by_columns(across.get(key, ()), known, verdicts))


Reading = tuple[tuple[int, Indexed, frozenset[int]], ...]

_ACROSS: dict[int, tuple[Sequence[Indexed], dict[str, Reading]]] = {}
"""`_across_rows` by `id` of the identities (a table shape's tuple, memoised by its maker, and
kept alive here); hashing the tuple for `_across_rows`' cache hashes every identity."""
_MAX_ACROSS = 256


def _across(identities: Sequence[Indexed]) -> dict[str, Reading]:
    if type(identities) is not tuple:
        return _across_rows(tuple(identities))   # (a list may change: not remembered by id)
    hit = _ACROSS.get(id(identities))
    if hit is not None and hit[0] is identities:
        return hit[1]
    found = _across_rows(identities)
    if len(_ACROSS) >= _MAX_ACROSS:
        _ACROSS.clear()
    _ACROSS[id(identities)] = (identities, found)
    return found



@lru_cache(maxsize=256)
def _across_rows(identities: tuple[Indexed, ...]) -> dict[str, Reading]:
    """Per row, the identities across rows that read it (they read another row too), each with
    its index in `identities` and the cells (column indices) of that row it reads; built once
    per table shape. Why: a table 三 has dozens of identities and each reads a few rows, and
    the cuts of every row are checked against them."""
    by_row: dict[str, list[tuple[int, Indexed, frozenset[int]]]] = {}
    for i, ident in enumerate(identities):
        cells = ident.lhs + ident.rhs
        read = dict.fromkeys(r for r, _ in cells)
        if len(read) < 2:
            continue   # the row's own sums: what its cut was chosen by
        for row in read:
            by_row.setdefault(row, []).append((i, ident, frozenset(ci for r, ci in cells if r == row)))
    return {row: tuple(found) for row, found in by_row.items()}


def _held_by_columns(reading: Reading, known: dict[str, tuple[Value, ...]],
                     verdicts: dict[int, bool | None]) -> set[int]:
    """The cells (column indices) of a row that an identity across rows reads (`reading`, from
    :func:`_across_rows`), can assess with the `known` cells, and finds holding, less those
    that such an identity breaks. `verdicts`: each identity's verdict on these `known` cells
    (by its index), filled here; an identity reads several rows, and is summed once."""
    ok: set[int] = set()
    bad: set[int] = set()
    for i, ident, mine in reading:
        broken = verdicts[i] if i in verdicts else verdicts.setdefault(i, _violated(ident, known))
        if broken is not None:
            (bad if broken else ok).update(mine)
    return ok - bad


def _known_cells(rows: dict[str, RowSolution]) -> dict[str, tuple[Value, ...]]:
    """Per row, the values every surviving reading agrees on (None where they differ or the row
    gave up; an UNCONFIRMED row only in its confirmed cells)."""
    known: dict[str, tuple[Value, ...]] = {}
    for key, sol in rows.items():
        status = sol.status
        if not sol.raws or status in _NO_READING:
            continue
        if len(sol.raws) == 1:   # (most rows: one reading, every value agreed)
            one = values_of(sol.raws[0])
            if status not in _PARTLY:
                known[key] = one
                continue
            vals = list(one)
        else:
            readings = [values_of(r) for r in sol.raws]
            vals = [v[0] if all(x == v[0] for x in v) else None for v in zip(*readings)]
        if status in _PARTLY:
            vals = [v if i in sol.confirmed else None for i, v in enumerate(vals)]
        known[key] = tuple(vals)
    return known


def check_by_columns(rows: dict[str, RowSolution], identities: Sequence[Indexed],
                     disputed: Callable[[RowSolution], frozenset[int] | None]) -> None:
    """Leave open the cells of rows cut from a run that a reading with a lost cell disputes and
    no identity across rows can check.

    Why: a cut confirmed by the row's own sums alone may be a chance fit of a run that lost a
    cell (`023029333160`, a lost 3272 总计, cuts as 0|2|30|2|93|33|160, which sums): a lost 总计
    leaves no sum to check at all, so a reading with a lost cell fits as well. `disputed(row)`
    gives the cells (column indices) on which such a reading differs from the cut (None: the
    search ran out of budget, every cell). A disputed cell stands only if an identity across
    rows (a column's R1, R2) reads it, can be assessed with the cells known (none can when a
    row it reads gave up or is blank) and holds, and none such breaks; otherwise the row
    becomes UNCHECKED and the cell null and flagged."""
    cut = [k for k, s in rows.items() if s.status in CUT_STATUSES and s.raws
           and s.pieces and len(s.pieces) != len(s.raws[0])]
    if not cut:
        return
    known = _known_cells(rows)
    across = _across(identities)
    verdicts: dict[int, bool | None] = {}   # (the known cells do not change in this loop)
    for key in cut:
        sol = rows[key]
        width = len(sol.raws[0])
        checked = _held_by_columns(across.get(key, ()), known, verdicts)
        if len(checked) == width:
            continue
        doubt = disputed(sol)
        open_cells = set(range(width)) - checked if doubt is None else set(doubt) - checked
        if open_cells:
            sol.status = _UNCHECKED
            sol.confirmed = frozenset(set(range(width)) - open_cells)


_FEW_COMBOS = 8
"""Up to this many combinations the plain loop scores them faster than numpy's fixed cost
(a table with no open row, the usual case, has one)."""


def violations_by_loop(open_rows: list[str], shape: list[int], values: dict[str, list[tuple[Value, ...]]],
                        fixed: dict[str, tuple[Value, ...]], identities: Sequence[Indexed]) -> list[int]:
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


def _whole(values: tuple[Value, ...]) -> tuple[tuple[int, ...], tuple[bool, ...]] | None:
    """A split's values as ints (0 for a blank) and its blank flags; None when a value is not a
    whole number well inside int64."""
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
def _linear(identities: tuple[Indexed, ...]) -> _Linear:
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
    return _Linear(rows, index, coef, used, np.asarray(used.any(axis=1)))


def violations_by_array(open_rows: list[str], shape: list[int], values: dict[str, list[tuple[Value, ...]]],
                         fixed: dict[str, tuple[Value, ...]], identities: Sequence[Indexed]) -> np.ndarray | None:
    """The counts of :func:`violations_by_loop` as a flat array, by numpy.

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
    _, width, n_ident = lin.coef.shape
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
        found = [_whole(split[:width]) for split in values[open_rows[j]]]
        splits = [s for s in found if s is not None]
        if len(splits) < len(found):
            return None
        view[j] = shape[j]
        split_ints = np.array([s[0] for s in splits], dtype=np.int64)
        split_blanks = np.array([s[1] for s in splits], dtype=np.int64)
        diff = diff + (split_ints @ lin.coef[r][:, varying]).reshape(view)
        blank = blank | ((split_blanks @ lin.used[r][:, varying]) > 0).reshape(view)
        view[j] = 1
    bad = ((diff != 0) & ~blank).sum(axis=-1, dtype=np.int64) + fixed_bad
    return np.broadcast_to(bad, shape).reshape(-1)


