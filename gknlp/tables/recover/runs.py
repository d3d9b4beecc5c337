"""Runs of cells a crawler flattened (`行政规范性文件693665`): the pieces, and every way to
cut them into a row's cells.

The grammar of a piece (signs and change words, units, placeholders) is the cell parser's
(`gknlp.tables.cells.GRAMMAR`, from `data/templates/cells.toml`), so a piece cut here
parses there (`2笔` stays a count of 2).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter

from gknlp.tables.cells import GRAMMAR, PLACEHOLDER
from gknlp.tables.parse import TableResult

__all__ = [
    "MAX_SPLITS",
    "MAX_STEPS",
    "Split",
    "cell_ok",
    "is_flattened",
    "split_run",
    "value_run",
    "value_run_text",
]

MAX_STEPS = 200_000
"""Search steps allowed for one row's splits; past it the row is given up (all cells ambiguous)."""
MAX_SPLITS = 2_000
"""Splits kept for one row; past it the row is given up."""

_SIGNS = GRAMMAR.sign_chars
_SIGN = GRAMMAR.sign
_PH = re.escape(GRAMMAR.run_placeholder_chars)
_RUN_START = re.compile(rf"{_SIGN}?\d|[{_PH}]+(?=[\s\d{_SIGNS}{_PH}]|$)")
_RUN_BODY = re.compile(rf"(?:\d+(?:\.\d+)?|{_SIGN}(?=\d)|{GRAMMAR.money_unit}|{GRAMMAR.count_unit}(?![\u4e00-\u9fff])"
                       rf"|[{_PH}]+| )+")
_ATOM = re.compile(rf"{_SIGN}?\d+(?:\.\d+)?{GRAMMAR.unit}?|[{_PH}]+")
_YEAR_TAIL = re.compile(r"(?:19|20)\d{2}$")
_RUN_TAIL = " " + GRAMMAR.sign_chars.replace("\\", "")
"""What a run may not end with: a space, a sign (of a next value the run does not hold)."""

_KIND_RE = {
    "count": re.compile(rf"^(?:0|[1-9]\d{{0,7}}){GRAMMAR.count_unit}?$"),
    "change": re.compile(rf"^{_SIGN}?(?:0|[1-9]\d{{0,7}}){GRAMMAR.count_unit}?$"),
    "money": re.compile(rf"^(?:0|[1-9]\d{{0,11}})(?:\.\d{{1,6}})?{GRAMMAR.money_unit}?$"),
}
_MAXLEN = {"count": 9, "change": 11, "money": 21}
_DIGITS_MAX = {"count": 8, "change": 8, "money": 12}
"""Most digits in a cell of each kind (as its `_KIND_RE` says): a run of plain digits is cut
into "0" or 1..n digits not starting with 0, without matching the regex."""


@lru_cache(maxsize=1 << 12)
def value_run(segment: str) -> tuple[str, ...]:
    """The pieces of the first value run in a row's text ('' if none); remembered (rows repeat).

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
    run = body.group().rstrip(_RUN_TAIL)
    after = segment[m.start() + len(run):]
    if after.startswith("年") and _YEAR_TAIL.search(run) and len(run.replace(" ", "")) > 4:
        run = run[:-4].rstrip()
    pieces: list[str] = []
    for part in run.split():
        pieces.extend(_ATOM.findall(part))
    return tuple(p for p in pieces if p)


def value_run_text(segment: str) -> str:
    """The row text up to the end of its first value run (for layout tests)."""
    m = _RUN_START.search(segment)
    if not m:
        return segment[:0]
    body = _RUN_BODY.match(segment, m.start())
    return segment[: body.end()] if body else segment[: m.end()]


_LAYOUT_CHAR = re.compile(r"[\n\t|]")
_SEGMENT = attrgetter("segment")


def is_flattened(table: TableResult) -> bool:
    """Rows on one line with no tab or pipe: a crawler's flattened table."""
    segs = list(map(_SEGMENT, table.row_texts.values()))
    if not segs:
        return False
    if _LAYOUT_CHAR.search("".join(segs[:-1])):   # (one search: the pattern is one character)
        return False   # (most tables: a tab or a line break between cells)
    return _LAYOUT_CHAR.search(value_run_text(segs[-1])) is None   # the last row's text runs on past the table


def _is_placeholder(piece: str) -> bool:
    return bool(PLACEHOLDER.match(piece)) and not any(ch.isdigit() for ch in piece)


def cell_ok(text: str, kind: str) -> bool:
    """A cell text that can stand in a column of this kind (count, change or money)."""
    return bool(_KIND_RE.get(kind, _KIND_RE["count"]).match(text))


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
    finally:
        # `rec` refers to itself: a cycle that would keep this search's lists alive until
        # the cyclic collector runs (the most of a worker's collections); break it here
        del rec
    return Split(tuple(out), True)


