"""Solving a table: every reading of its run-together rows, kept where the identities agree.

`solve_requests` / `solve_appeals` / `solve_proactive` split each row's run (`runs.split_run`)
and keep the combinations of readings that agree best with the table's identities (R1–R4
for table 三, R5 for table 四, declared in `data/templates/identities.toml`), or with sound
order constraints for table 二. A cell is certain only when every surviving combination
gives it the same value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from typing import cast

from gknlp.tables.cells import parse_cell
from gknlp.tables.identities import appeals_identities, requests_identities
from gknlp.tables.parse import TableResult
from gknlp.tables.recover.runs import MAX_STEPS, Split, split_run, value_run
from gknlp.tables.recover.score import (
    CUT_STATUSES,
    UNSURE_STATUSES,
    Indexed,
    RowSolution,
    Status,
    check_by_columns,
    confirm_by_columns,
    index_identities,
    solve_rows,
    values_of,
)
from gknlp.tables.templates import appeals_template, proactive_templates

__all__ = ["TableSolution", "cross_year_constraints", "solve_appeals", "solve_proactive", "solve_requests"]

Check = Callable[[tuple[str, ...]], bool]
_ZERO = Decimal(0)
_UNSPLIT, _UNCONFIRMED = Status.UNSPLIT, Status.UNCONFIRMED


@dataclass
class TableSolution:
    """Per row: the surviving raw readings; `cells` gives the value or candidates per cell."""

    rows: dict[str, RowSolution]
    columns: dict[str, tuple[str, ...]]
    violations: int | None = None
    """Identities broken by the best combination kept (None: not scored, or too many combinations)."""

    def cells(self, row: str) -> dict[str, tuple[str | None, list[str]]]:
        """col → (raw text when certain else None, sorted distinct candidate raws)."""
        sol = self.rows[row]
        columns = self.columns[row]
        if len(sol.raws) == 1:
            candidates = [[raw] for raw in sol.raws[0]]
        elif sol.raws:
            candidates = [sorted(set(texts), key=_sort_key) for texts in zip(*sol.raws)]
        else:
            candidates = [[] for _ in columns]
        out: dict[str, tuple[str | None, list[str]]] = {}
        for i, (col, cands) in enumerate(zip(columns, candidates, strict=True)):
            if sol.status is _UNSPLIT or not cands:
                out[col] = (None, [])
            elif len(cands) == 1 and (sol.status not in UNSURE_STATUSES or i in sol.confirmed):
                out[col] = (cands[0], cands)
            else:
                out[col] = (None, cands)
        return out


def _sort_key(raw: str) -> tuple[int, Decimal]:
    v = parse_cell(raw).value
    return (0, v) if v is not None else (1, Decimal(0))


def _dedupe(splits: Iterable[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The splits with distinct values (first of each), in order."""
    seen: dict[tuple, tuple[str, ...]] = {}
    for s in splits:
        seen.setdefault(values_of(s), s)
    return list(seen.values())


def _readings(pieces: tuple[str, ...], kinds: tuple[str, ...], check: Check | None,
              row_check: Check | None) -> tuple[list[tuple[str, ...]], Status]:
    """A run's distinct splits, those passing `row_check` when any does, and the row's status."""
    split = split_run(pieces, kinds, check)
    raws = _dedupe(split.cells)
    if not split.complete and isinstance(row_check, _RowSums):
        # too many cuts to list them all: list only those whose own 总计 holds (`_sum_cuts`)
        own = _own_sums(row_check.template, row_check.cols)
        summed = _sum_cuts(pieces, kinds, own)
        if summed:
            extra: list[tuple[str, ...]] = []
            seen = {values_of(r) for r in summed}
            for k in range(len(kinds)):
                more = _sum_cuts(pieces, kinds, own, k)
                if more is None:
                    return list(summed), Status.UNCONFIRMED   # a lost blank cannot be ruled out
                for r in more:
                    if values_of(r) not in seen:
                        seen.add(values_of(r))
                        extra.append(r)
            found = list(summed) + extra
            return found, Status.SOLVED if len(found) == 1 else Status.AMBIGUOUS
    if not split.complete:
        return raws, Status.GAVE_UP
    if not raws:
        return [], Status.UNSPLIT
    if row_check is not None:
        passing = [r for r in raws if row_check(r)]
        if not passing:
            # No cut of the run makes the row's own sums hold: it lost a cell (or misprints
            # one), so its true reading is not among the cuts and no cut is certain; it is left
            # out of the table's scoring, so it cannot steer the choice of the other rows.
            return raws, Status.UNCONFIRMED
        lost = _lost_blank_readings(pieces, kinds, row_check, {values_of(r) for r in passing})
        if lost is None:
            return passing, Status.UNCONFIRMED   # a lost blank cannot be ruled out within the budget
        raws = passing + lost
    return raws, Status.SOLVED if len(raws) == 1 else Status.AMBIGUOUS


def _lost_blank_readings(pieces: tuple[str, ...], kinds: tuple[str, ...], check: Check,
                         seen: set[tuple]) -> list[tuple[str, ...]] | None:
    """Readings of the run as one cell short, a blank (or 0) cell lost in the flattening, that
    pass `check` and differ from the `seen` ones (their values).

    Why: a crawler drops a blank cell without a trace, and a run one cell short is then cut
    into the row's cells with one number split in two; now and then such a cut happens to
    satisfy the row's own sums. It is certain only when no reading with a lost blank fits as
    well (a lost blank is read as 0, the value a blank count cell stands for). None when the
    search ran out of budget (a lost blank cannot be ruled out)."""
    n = len(kinds)
    if n < 2 or len(set(kinds)) != 1:
        return []
    split = split_run(pieces, kinds[1:])
    if not split.complete:
        return None
    out: list[tuple[str, ...]] = []
    for cut in split.cells:
        for k in range(n):
            reading = cut[:k] + ("0",) + cut[k:]
            v = values_of(reading)
            if v not in seen and check(reading):
                seen.add(v)
                out.append(reading)
    return out


@lru_cache(maxsize=1 << 14)
def _readings_of(pieces: tuple[str, ...], kinds: tuple[str, ...], check: Check | None,
                 row_check: Check | None) -> tuple[tuple[tuple[str, ...], ...], Status]:
    """`_readings`, remembered. Why: `bench/stages.py` puts recovery above 5% of the time, and
    reports repeat the same runs (rows of zeros). The checks passed here are values (frozen
    dataclasses, equal when built from the same template and columns), never closures."""
    raws, status = _readings(pieces, kinds, check, row_check)
    return tuple(raws), status


def _row_solution(key: str, segment: str, kinds: tuple[str, ...], check: Check | None = None,
                  row_check: Check | None = None, remember: bool = True) -> RowSolution | None:
    """Split one row's run; `row_check` is a preference (kept only if some split passes it).
    `remember`: False when a check is a closure (cross-year constraints), not a value."""
    pieces = value_run(segment)
    if not pieces:
        return None
    if remember:
        raws, status = _readings_of(pieces, kinds, check, row_check)
        return RowSolution(key, pieces, list(raws), status)
    found, status = _readings(pieces, kinds, check, row_check)
    return RowSolution(key, pieces, found, status)


def _holds(idents: Sequence[Indexed], cells: tuple[str, ...]) -> bool:
    """The identities on one row's (or block's) cells hold, or cannot be assessed (a blank)."""
    return _holds_values(idents, values_of(cells))


@cache
def _own_sums(template: str, cols: tuple[str, ...]) -> tuple[Indexed, ...]:
    """Table 三's identities within one row (R3 total, R4 小计), over these columns."""
    idents = _requests_indexed(template, cols, ("row",))
    return tuple(i for i in idents if all(r == "row" for r, _ in i.lhs + i.rhs))


_COUNT_CELL_DIGITS = 8


def _sum_cuts(pieces: tuple[str, ...], kinds: tuple[str, ...], own: Sequence[Indexed],
              blank_at: int | None = None, max_steps: int = MAX_STEPS) -> tuple[tuple[str, ...], ...] | None:
    """The cuts of a run of plain digits into table 三's cells whose own sums all hold, found by
    choosing the 总计 (the last cell) first and cutting the rest with their sum bounded by it;
    `blank_at`: a lost blank read as "0" at that cell (it takes no digits).

    Why: a long run (big counts, `73092408110311437214212844557777`) has more cuts than
    `split_run` may list, so its row gave up and no identity across rows could read it; the
    cuts whose 总计 holds are few and found quickly. None when the run is not one piece of
    plain digits, the 总计 is not the last cell summing the others, or the budget ran out."""
    n = len(kinds)
    if len(pieces) != 1 or not pieces[0].isascii() or not pieces[0].isdigit() or set(kinds) != {"count"}:
        return None
    total_sum = next((i for i in own if len(i.lhs) == 1 and i.lhs[0][1] == n - 1
                      and all(ci != n - 1 for _, ci in i.rhs)), None)
    if total_sum is None:
        return None
    addends = {ci for _, ci in total_sum.rhs}
    run = pieces[0]
    slots = [k for k in range(n - 1) if k != blank_at]
    out: list[tuple[str, ...]] = []
    steps = 0
    cells: list[str] = []

    def fits(text: str) -> bool:
        return text == "0" or (text[0] != "0" and len(text) <= _COUNT_CELL_DIGITS)

    def rec(pos: int, si: int, acc: int, total: int, end: int) -> None:
        nonlocal steps
        steps += 1
        if steps > max_steps:
            raise _Budget
        left = end - pos
        m = len(slots) - si
        if m == 0:
            if left == 0 and acc == total:
                full = dict(zip(slots, cells))
                if blank_at is not None:
                    full[blank_at] = "0"
                reading = tuple(full[k] for k in range(n - 1)) + (run[end:],)
                if _holds_values(own, values_of(reading)):
                    out.append(reading)
            return
        if left < m or left > _COUNT_CELL_DIGITS * m:
            return
        least = -(-left // m)   # some cell takes at least this many digits
        if all(slots[j] in addends for j in range(si, len(slots))) and least > 1 and acc + 10 ** (least - 1) > total:
            return
        for size in range(1, min(_COUNT_CELL_DIGITS, left) + 1):
            text = run[pos:pos + size]
            if not fits(text):
                break
            v = int(text)
            nxt = acc + v if slots[si] in addends else acc
            if nxt > total:
                break
            cells.append(text)
            rec(pos + size, si + 1, nxt, total, end)
            cells.pop()

    try:
        for size in range(1, min(_COUNT_CELL_DIGITS, len(run)) + 1):
            text = run[len(run) - size:]
            if fits(text):
                rec(0, 0, 0, int(text), len(run) - size)
    except _Budget:
        return None
    finally:
        del rec   # it refers to itself: break the cycle (see `split_run`)
    return tuple(_dedupe(out))


class _Budget(Exception):
    pass


@lru_cache(maxsize=1 << 12)
def _lost_cell_readings(pieces: tuple[str, ...], kinds: tuple[str, ...],
                        own: tuple[Indexed, ...]) -> tuple[tuple[Decimal | None, ...], ...] | None:
    """The values of the run read as one cell short, a cell of any value lost in the flattening,
    whose own sums hold with the lost cell derived from them (a whole number, not negative;
    None in it when no own sum reads it). None when the search ran out of budget."""
    n = len(kinds)
    if n < 2:
        return ()
    split = split_run(pieces, kinds[1:])
    if not split.complete:
        return None
    out: set[tuple[Decimal | None, ...]] = set()
    for cut in split.cells:
        vals = values_of(cut)
        if any(v is None for v in vals):
            continue
        for k in range(n):
            reading = list(vals[:k]) + [None] + list(vals[k:])
            lost = _derive(own, reading, k)
            if lost is False:
                continue
            reading[k] = lost if isinstance(lost, Decimal) else None
            if lost is None or _holds_values(own, reading):
                out.add(tuple(reading))
    return tuple(out)


def _derive(own: Sequence[Indexed], vals: list[Decimal | None], k: int) -> Decimal | bool | None:
    """Cell `k` as the row's own sums give it (the others known); False when they give no whole
    number at least 0; None when no own sum reads it."""
    for ident in own:
        lhs = [i for _, i in ident.lhs]
        rhs = [i for _, i in ident.rhs]
        if k not in lhs and k not in rhs:
            continue
        left = sum((vals[i] or Decimal(0) for i in lhs if i != k), Decimal(0))
        right = sum((vals[i] or Decimal(0) for i in rhs if i != k), Decimal(0))
        v = (right - left) if k in lhs else (left - right)
        if k in lhs and k in rhs:
            continue
        return v if v >= 0 and v == v.to_integral_value() else False
    return None


def _holds_values(own: Sequence[Indexed], vals: Sequence[Decimal | None]) -> bool:
    """`_holds` on values already read (a reading with a lost cell filled in)."""
    for ident in own:
        lhs = [vals[i] for _, i in ident.lhs]
        rhs = [vals[i] for _, i in ident.rhs]
        # (`is None`, not `None in`: a Decimal compared with None asks the numbers ABCs, slowly)
        if any(v is None for v in lhs) or any(v is None for v in rhs):
            continue
        if sum(cast(list[Decimal], lhs), _ZERO) != sum(cast(list[Decimal], rhs), _ZERO):
            return False
    return True


def _disputed(pieces: tuple[str, ...], kinds: tuple[str, ...], own: tuple[Indexed, ...],
              cut: tuple[str, ...]) -> frozenset[int] | None:
    """The cells on which a reading of the run with a lost cell (`_lost_cell_readings`) differs
    from `cut`; None when that search ran out of budget."""
    found = _lost_cell_readings(pieces, kinds, own)
    if found is None:
        return None
    mine = values_of(cut)
    return frozenset(i for alt in found for i, (a, b) in enumerate(zip(alt, mine)) if a != b)


@dataclass(frozen=True)
class _RowSums:
    """A table 三 row's own sums, as a preference between its readings."""

    template: str
    cols: tuple[str, ...]
    own: tuple[Indexed, ...] = field(init=False, repr=False, compare=False)
    """`_own_sums` of the template and columns, looked up once (it is asked for every partial cut)."""
    hashed: int = field(init=False, repr=False, compare=False)
    """The generated hash, made once: `_readings_of`'s cache hashes the check of every row."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "own", _own_sums(self.template, self.cols))
        object.__setattr__(self, "hashed", hash((self.template, self.cols)))

    def __hash__(self) -> int:
        return self.hashed

    def __call__(self, cells: tuple[str, ...]) -> bool:
        return _holds(self.own, cells)


@lru_cache(maxsize=256)
def _row_sums(template: str, cols: tuple[str, ...]) -> _RowSums | None:
    """The row check of a table 三 of this shape (None when its rows have no own sums), one
    object per shape: `_readings_of`'s cache then finds its key by identity, not by `__eq__`."""
    return _RowSums(template, cols) if _own_sums(template, cols) else None


def solve_requests(table: TableResult, only: Iterable[str] | None = None) -> TableSolution:
    """Split table 三's rows and keep the combinations agreeing with R1–R4 over the table.

    `only`: the rows to split (others are taken as parsed); all rows when None.
    """
    cols = table.columns
    template = table.template or "2019"
    kinds = ("count",) * len(cols)
    row_check = _row_sums(template, cols)
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
            raws = [getattr(cells.get(c), "raw", "") for c in cols]
            rows[key] = RowSolution(key, (), [tuple(raws)], Status.FIXED)
    solution = TableSolution(rows, {k: cols for k in rows})
    identities = _requests_indexed(template, cols, tuple(table.rows))
    if any(s.status in CUT_STATUSES and len(s.raws) > 1 for s in rows.values()):
        solution.violations = solve_rows(rows, identities)
    if any(s.status is _UNCONFIRMED for s in rows.values()):
        confirm_by_columns(rows, identities)
    if row_check is not None:
        own = _own_sums(template, cols)
        check_by_columns(rows, identities, lambda sol: _disputed(sol.pieces, kinds, own, sol.raws[0]))
    return solution


@lru_cache(maxsize=256)
def _requests_indexed(template: str, cols: tuple[str, ...], rows: tuple[str, ...]) -> tuple[Indexed, ...]:
    """Table 三's identities over a table of this shape, indexed by column; remembered per shape.
    Why: keyed on the shape's names (cheap to hash), where `index_identities` is keyed on the
    identities themselves (every one hashed per look-up), and a table uses them up to three times."""
    return index_identities(requests_identities(template, cols, rows), cols)


@cache
def _block_sums() -> tuple[Indexed, ...]:
    """R5 over one block's cells."""
    spec = appeals_template()
    block = spec.blocks[0]
    return tuple(i for i in index_identities(appeals_identities(), spec.columns)
                 if all(r == block for r, _ in i.lhs + i.rhs))


@dataclass(frozen=True)
class _BlockSums:
    """R5 on each block of `width` cells as soon as it is complete."""

    width: int

    def __call__(self, cells: tuple[str, ...]) -> bool:
        return bool(len(cells) % self.width) or _holds(_block_sums(), cells[-self.width:])


@dataclass(frozen=True)
class _WithBlank:
    """`check` on a partial cut read with a blank cell ("0") inserted at position `at`."""

    at: int
    check: Check

    def __call__(self, cells: tuple[str, ...]) -> bool:
        if len(cells) < self.at:
            return self.check(cells)
        full = cells[:self.at] + ("0",) + cells[self.at:]
        return self.check(full[:-1]) and self.check(full)


def solve_appeals(table: TableResult) -> TableSolution:
    """Split table 四's fifteen cells; each block of five must satisfy R5 when any split can."""
    spec = appeals_template()
    width = len(spec.columns)
    n = width * len(spec.blocks)
    rows: dict[str, RowSolution] = {}
    rt = table.row_texts.get("appeals")
    columns = {b: spec.columns for b in spec.blocks}
    if rt is None:
        return TableSolution(rows, columns)
    pieces = value_run(rt.segment)
    if not pieces:
        return TableSolution(rows, columns)
    r5 = _BlockSums(width)
    kinds = ("count",) * n
    nb = len(spec.blocks)
    verdicts: dict[tuple[str, ...], bool] = {}

    def holds(cells: tuple[str, ...], b: int) -> bool:
        """R5 on block `b` of a full reading; each distinct block summed once (the readings
        below share most of their blocks)."""
        block = cells[b * width:(b + 1) * width]
        ok = verdicts.get(block)
        if ok is None:
            ok = verdicts[block] = r5(block)
        return ok

    split = _split_of(pieces, kinds, r5)
    broken: set[int] = set()   # blocks whose R5 some kept split breaks
    if split.complete and not split.cells:
        # The report breaks R5 somewhere: keep the splits breaking it least (and one more).
        split = _split_of(pieces, kinds, None)
        if split.complete and split.cells:
            bad = [sum(1 for b in range(nb) if not holds(s, b)) for s in split.cells]
            limit = min(bad) + 1
            split = Split(tuple(s for s, v in zip(split.cells, bad) if v <= limit), True)
            broken = {b for s in split.cells for b in range(nb) if not holds(s, b)}
    elif split.complete:
        # a blank cell lost in the flattening may fit R5 as well (see `_lost_blank_readings`)
        seen = {values_of(r) for r in split.cells}
        extra: list[tuple[str, ...]] = []
        # Every cut one cell short, searched once: of these, a search under `_WithBlank(k, r5)`
        # keeps exactly those whose reading (a "0" at k) satisfies R5 in every block, as tested
        # below; it is searched per k only when the one search ran out of budget.
        short = _split_of(pieces, kinds[1:], None)
        for k in range(n):
            if short.complete:
                cuts = short.cells
            else:
                lost_split = _split_of(pieces, kinds[1:], _WithBlank(k, r5))
                if not lost_split.complete:
                    broken = set(range(len(spec.blocks)))   # a lost blank cannot be ruled out: nothing certain
                cuts = lost_split.cells
            for cut in cuts:
                reading = cut[:k] + ("0",) + cut[k:]
                if all(holds(reading, b) for b in range(nb)):
                    v = values_of(reading)
                    if v not in seen:
                        seen.add(v)
                        extra.append(reading)
        split = Split(split.cells + tuple(extra), True)
    raws = _dedupe(split.cells)
    status = Status.GAVE_UP if not split.complete else (Status.UNSPLIT if not raws else None)
    for bi, block in enumerate(spec.blocks):
        # Blocks are cut from one run: a block is certain only when all full splits agree on it,
        # and none of them breaks its R5 (a lost or misprinted cell is in it or before it).
        block_raws = _dedupe(r[bi * width:(bi + 1) * width] for r in raws)
        rows[block] = RowSolution(block, pieces, block_raws,
                                  status or (Status.UNCONFIRMED if bi in broken else
                                             Status.SOLVED if len(block_raws) == 1 else Status.AMBIGUOUS))
    return TableSolution(rows, columns)


@dataclass(frozen=True)
class _Order:
    """Sound order constraints of table 二's 规章 / 规范性文件 rows (never identities: it has none).

    2019: 对外公开总数量 (all published documents) >= 本年新公开数量.
    2021: 现行有效件数 >= 本年制发件数 - 本年废止件数 (at most `repealed` of this year's
    documents can have been repealed again). 现行有效 >= 制发 alone is not sound.
    """

    template: str
    columns: tuple[str, ...]

    def __call__(self, cells: tuple[str, ...]) -> bool:
        if len(cells) < len(self.columns):
            return True
        v = dict(zip(self.columns, values_of(cells)))
        if self.template == "2019":
            a, b = v["total"], v["published"]
            return a is None or b is None or a >= b
        f, i, r = v["in_force"], v["issued"], v["repealed"]
        return f is None or i is None or r is None or f >= i - r


def _order_check(template: str, key: str, columns: tuple[str, ...]) -> Check | None:
    if key not in ("rules", "normative_docs") or template not in ("2019", "2021"):
        return None
    return _Order(template, columns)


@lru_cache(maxsize=1 << 10)
def _split_of(pieces: tuple[str, ...], kinds: tuple[str, ...], check: Check | None) -> Split:
    """`split_run` remembered (table 四's one run; the check is a value, see `_readings_of`)."""
    return split_run(pieces, kinds, check)


def solve_proactive(table: TableResult, only: Iterable[str] | None = None,
                    extra: dict[str, Check] | None = None) -> TableSolution:
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
        kinds = tuple(template.kind(c) for c in spec.columns)
        check = _order_check(template.name, spec.key, spec.columns)
        more = (extra or {}).get(spec.key)
        if more is not None:
            base = check
            check = (lambda cells, a=base, b=more, n=len(kinds): (a is None or a(cells)) and
                     (len(cells) < n or b(cells)))
        sol = _row_solution(spec.key, table.row_texts[spec.key].segment, kinds, check=check,
                            remember=more is None)
        if sol is not None:
            rows[spec.key] = sol
            columns[spec.key] = spec.columns
    return TableSolution(rows, columns)


def cross_year_constraints(previous: dict, template: str) -> dict[str, Check]:
    """Row checks for this year's table 二 from the same body's previous report (2021 template).

    现行有效 this year = 现行有效 last year + 制发 − 废止. `previous` is last year's
    `tables.proactive` JSON. Returns `extra` for `solve_proactive`.
    """
    if template != "2021":
        return {}
    checks: dict[str, Check] = {}
    for key in ("rules", "normative_docs"):
        last = (previous.get(key) or {}).get("in_force")
        if last is None:
            continue

        def ok(cells: tuple[str, ...], last: int = last) -> bool:
            issued, repealed, in_force = (parse_cell(c).value for c in cells)
            if issued is None or repealed is None or in_force is None:
                return True
            return in_force == last + issued - repealed
        checks[key] = ok
    return checks
