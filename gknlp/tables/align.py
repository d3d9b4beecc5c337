"""Align a table's text against a template's row labels and cut each row's cells.

Every layout (tabs, one cell per line, pipes, HTML rendered as tab rows, markdown,
space-separated PDF text, crawled text with no delimiter at all) reaches this module as
plain text. Row labels are found in template order with a pattern that ignores spaces,
line breaks and punctuation inside them; the text between one label and the next holds
that row's cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from gknlp.tables.cells import GRAMMAR, is_value_token
from gknlp.text.labels import gap_tolerant, squash

__all__ = [
    "FuzzyMatch",
    "LabelFinder",
    "LabelMatch",
    "Tokens",
    "cut_row_tokens",
    "edit_bound",
    "enumerator_start",
    "find_label",
    "fuzzy_label",
    "label_finder",
    "label_pattern",
    "row_tokens",
    "squash",
]

_CN_DIGITS = "一二三四五六七八九十"


def _enum_pattern(enum: str) -> str:
    e = re.escape(enum)
    return rf"(?:[(（]\s*{e}\s*[)）]\s*|{e}\s*[、.．,，:：]\s*)"


def _squashed(labels: tuple[str, ...]) -> list[str]:
    """The labels' comparable forms, longest first (so the longest variant wins)."""
    return sorted({squash(x) for x in labels}, key=len, reverse=True)


def _label_alternation(labels: tuple[str, ...]) -> list[str]:
    """One alternative per label, allowing non-word gaps between its characters."""
    return [gap_tolerant(label) for label in _squashed(labels)]


@lru_cache(maxsize=512)
def label_pattern(labels: tuple[str, ...], enum: str | None = None) -> re.Pattern[str]:
    """A pattern matching any of `labels` (longest first), with its optional enumerator."""
    prefix = _enum_pattern(enum) + "?" if enum else ""
    return re.compile(f"{prefix}(?:{'|'.join(_label_alternation(labels))})")


class LabelFinder:
    """Searches like `label_pattern(labels, enum)`, giving the same spans, much faster.

    Why: the optional enumerator in front (`（一）`, `1、`) hides the label's first
    character from `re`'s fast scan, so a label absent from the text cost a full match
    attempt at every position (rows of the other template are absent in every report).
    Here the label alone is searched, then the enumerator is matched backwards from it:
    it must end where the label starts and can only span enumerator characters and
    spaces. When a label could itself start with an enumerator character the reference
    pattern is used instead.
    """

    __slots__ = ("_before", "_label", "_run_chars")

    def __init__(self, labels: tuple[str, ...], enum: str | None) -> None:
        self._label = re.compile("|".join(_label_alternation(labels)))
        self._before: re.Pattern[str] | None = None  # the enumerator, anchored at the label
        self._run_chars = frozenset("(（)）、.．,，:： \t\n\r\u3000\xa0" + (enum or ""))
        if enum and any(not x or x[0] in self._run_chars for x in _squashed(labels)):
            self._label = label_pattern(labels, enum)  # the label may start like an enumerator
        elif enum:
            self._before = re.compile(_enum_pattern(enum) + r"\Z")

    def search(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """The span of the first label (with its enumerator) in text[start:end], or None."""
        m = self._label.search(text, start, end)
        if m is None:
            return None
        q = m.start()
        if self._before is not None:
            r = q  # the enumerator can only span the run of its own characters and spaces
            while r > start and (text[r - 1] in self._run_chars or text[r - 1].isspace()):
                r -= 1
            if r < q and (b := self._before.search(text, r, q)):  # leftmost start, as re.search
                return b.start(), m.end()
        return q, m.end()


@lru_cache(maxsize=512)
def label_finder(labels: tuple[str, ...], enum: str | None = None) -> LabelFinder:
    """The (cached) `LabelFinder` for a row's labels and enumerator."""
    return LabelFinder(labels, enum)


class LabelMatch(NamedTuple):
    """Where a row label was found (a tuple: built for every row of every report)."""

    key: str
    start: int
    end: int


def find_label(text: str, labels: tuple[str, ...], enum: str | None, start: int, end: int | None = None,
               key: str = "") -> LabelMatch | None:
    """The first occurrence of a row label in text[start:end]."""
    span = label_finder(tuple(labels), enum).search(text, start, len(text) if end is None else end)
    return LabelMatch(key, *span) if span else None


@dataclass(frozen=True)
class Tokens:
    """What stands between two labels: the cells in order ('' for an empty cell)."""

    cells: tuple[str, ...]
    delimited: bool  # cells came from separators (tab, pipe, spaces, lines), not one run
    values: tuple[str, ...] = field(init=False, repr=False, compare=False)
    """The non-empty cells (read several times per row; set here, as `cached_property` is slow)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(filter(None, self.cells)))


_SEP = re.compile(r"[|\t]")
# markdown |---|---|; possessive: a line of thousands of blanks that is no rule fails at once
# (backtracking between the two blank runs around an optional | was quadratic)
_MD_RULE = re.compile(r"^\s*+\|?\s*+:?-{3,}:?\s*+(?:\|\s*+:?-{3,}:?\s*+)*+\|?\s*+$")
_SPACE = re.compile(r"[ \u3000\u00a0]+")


def _expand(piece: str) -> list[str]:
    """A piece with inner spaces is several cells when every part is a value (3001 53 0)."""
    parts = [p for p in _SPACE.split(piece.strip()) if p]
    if len(parts) > 1 and all(is_value_token(p) for p in parts):
        return parts
    return [piece.strip()]


@lru_cache(maxsize=1 << 12)
def row_tokens(segment: str) -> Tokens:
    """Cut the text after a row label into cells (`cut_row_tokens`), remembered: most rows of
    most reports are the same few runs of zeros."""
    return cut_row_tokens(segment)


_LABEL_TAIL = re.compile(r"\s(\S+)\s*$")
# A number a PDF's letter-spacing broke at its point (`1690. 9913`): kept as a cell, so that the
# row has a value too many and is not read (never `9913` read as the amount).
_BROKEN_NUMBER = re.compile(r"\d+[.．]$|[.．]\d+$")


def cut_row_tokens(segment: str) -> Tokens:
    """Cut the text after a row label into cells.

    Rules, from the layouts seen in real reports:
    - the part of the first line before its first separator ends the label's own cell;
    - a line made only of separators (`|`, `| ||`, a lone tab) is one empty cell, but not the
      segment's last line, which opens the next row's line (`| 行政许可 |`);
    - otherwise leading and trailing separators are borders, inner empty pieces are empty cells;
    - lines with no separator split on spaces; label text (non-value tokens) is dropped, but not
      half a number broken at its point (``1690.``), which is a cell that cannot be read.
    """
    cells: list[str] = []
    delimited = False
    lines = segment.split("\n")
    last = len(lines) - 1
    for li, line in enumerate(lines):
        if _MD_RULE.match(line):
            continue
        if _SEP.search(line):
            delimited = True
            raw = _SEP.split(line)
            pieces = [p.strip() for p in raw]
            if li == 0:
                # the label's cell, unless a value follows the label after a space or right
                # after it (a PDF line that set the first value too close to the label:
                # `1.属于国家秘密 0<tab>0…`, `其他对外管理服务事项0<tab>0…`)
                tail = _LABEL_TAIL.search(raw[0])
                own = raw[0].strip()
                if own and is_value_token(own):   # the value set against the label: `事项0<tab>0`
                    pieces = [own] + pieces[1:]
                else:
                    pieces = ([tail.group(1)] if tail and is_value_token(tail.group(1)) else []) + pieces[1:]
                if not any(pieces):
                    continue
            elif not any(pieces):
                if li < last:  # the last line is where the next row's label starts: its border
                    cells.append("")
                continue
            if pieces and pieces[0] == "":
                pieces = pieces[1:]
            if "|" in line and line.rstrip().endswith("|") and "\t" not in line:
                if pieces and pieces[-1] == "":
                    pieces.pop()   # a pipe row's closing border: the empty cells before it are cells
            else:
                while pieces and pieces[-1] == "":
                    pieces.pop()
            for p in pieces:
                if p == "" or not (" " in p or "\u3000" in p or "\xa0" in p):
                    cells.append(p)   # (a piece is stripped: with no inner space it is one cell)
                else:
                    cells.extend(_expand(p))
        else:
            parts = _units_joined([p for p in _SPACE.split(line.strip()) if p])
            if len(parts) > 1:
                delimited = True
            cells.extend(parts)
    kept = [c for c in cells if c == "" or is_value_token(c) or _BROKEN_NUMBER.match(c)]
    if li_has_multiple_lines(segment) and len(kept) > 1:
        delimited = True
    return Tokens(tuple(kept), delimited)


def _units_joined(parts: list[str]) -> list[str]:
    """A unit printed apart from its number (``75394432.52 元``) belongs to it: a money cell in 元
    is converted to 万元, never read as 万元."""
    out: list[str] = []
    for part in parts:
        if part in GRAMMAR.units and out and is_value_token(out[-1]) and is_value_token(out[-1] + part):
            out[-1] += part
        else:
            out.append(part)
    return out


def li_has_multiple_lines(segment: str) -> bool:
    return segment.strip(" \t|").count("\n") > 0


# --- tolerant labels -------------------------------------------------------------------------

_CHUNK = re.compile(r"[^\W\d_](?:[^\w]*[^\W\d_])*")
"""Label-like text: letters with non-word gaps (spaces, line breaks, pipes, punctuation)."""
_MAX_CHUNK = 120


def edit_bound(label: str) -> int:
    """The most edits a printed label may differ by from its template label (0 for short ones)."""
    return len(squash(label)) // 4


def _best_alignment(label: str, letters: str) -> tuple[int, int, int]:
    """(edits, start, end): the substring letters[start:end] closest to `label` (semi-global
    Levenshtein: free start and end in `letters`; ties go to a substitution, then a deletion,
    then an insertion, and to the leftmost end). Costs and starts in two lists, walked with zip
    (no tuple per cell: a dozen rows of about a hundred cells a call)."""
    cost = [0] * (len(letters) + 1)   # aligning label[:i] ending at j: its cost, and where it starts
    start = list(range(len(letters) + 1))
    for i, a in enumerate(label, 1):
        left, left_start = i, 0
        new_cost, new_start = [i], [0]
        for diag, up, diag_start, up_start, b in zip(cost, cost[1:], start, start[1:], letters):
            best, s = diag + (a != b), diag_start
            if up + 1 < best:
                best, s = up + 1, up_start
            if left + 1 < best:
                best, s = left + 1, left_start
            new_cost.append(best)
            new_start.append(s)
            left, left_start = best, s
        cost, start = new_cost, new_start
    edits = min(cost)
    end = cost.index(edits)
    return edits, start[end], end


def _levenshtein(a: str, b: str) -> int:
    """The edit distance between two strings."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


class FuzzyMatch(NamedTuple):
    start: int
    end: int
    printed: str
    edits: int


def fuzzy_label(text: str, start: int, end: int, labels: tuple[str, ...],
                rivals: tuple[tuple[str, ...], ...]) -> FuzzyMatch | None:
    """A printed label within a bounded edit distance of one of `labels` in text[start:end].

    Why: a typo (其他法律行政止公开) or an OCR slip must not lose a row. It is taken only when
    it is the one closest candidate in the region (between the row's found neighbours), and
    strictly closer to this row's labels than to any `rivals` (the other rows' labels): a
    label that matches two rows equally is not guessed."""
    best: list[tuple[int, int, int]] = []   # (edits, start, end) in text
    own = [(sq, edit_bound(sq)) for sq in map(squash, labels)]
    others = [(sq, frozenset(sq)) for sq in (squash(r) for rival in rivals for r in rival if r)]
    for m in _CHUNK.finditer(text, start, end):
        if m.end() - m.start() > _MAX_CHUNK * 3:
            continue
        pos = [m.start() + i for i, ch in enumerate(m.group()) if ch.isalnum()]
        letters = "".join(text[p] for p in pos)
        if len(letters) > _MAX_CHUNK:
            continue
        found = None
        present = set(letters)
        for sq, bound in own:
            if bound == 0 or sum(ch not in present for ch in sq) > bound:
                continue   # (cheap test first: more of its letters absent than edits allowed)
            cost, s, e = _best_alignment(sq, letters)
            if cost <= bound and e > s and (found is None or cost < found[0]):
                found = (cost, s, e)
        if found is None:
            continue
        cost, s, e = found
        piece = letters[s:e]
        # (a rival further in length than `cost`, or lacking more than `cost` of the piece's
        # letters, each an edit, is further in edits too: the distance is not computed)
        if any(abs(len(piece) - len(r)) <= cost and sum(ch not in chars for ch in piece) <= cost
               and _levenshtein(piece, r) <= cost for r, chars in others):
            continue
        best.append((cost, pos[s], pos[e - 1] + 1))
    if not best:
        return None
    best.sort()
    if len(best) > 1 and best[1][0] == best[0][0]:
        return None   # two places fit equally: not guessed
    cost, s, e = best[0]
    return FuzzyMatch(s, e, text[s:e], cost)


def enumerator_start(text: str, lo: int, start: int, enum: str | None) -> int:
    """Where a label found at `start` begins with its enumerator (`4.`, `（四）`) printed before
    it, not before `lo`; `start` when there is none (so the enumerator is not read as a value)."""
    if not enum:
        return start
    m = re.compile(_enum_pattern(enum) + r"\Z").search(text, max(lo, start - 12), start)
    return m.start() if m else start
