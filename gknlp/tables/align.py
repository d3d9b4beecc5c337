"""Align a table's text against a template's row labels and cut each row's cells.

Every layout (tabs, one cell per line, pipes, HTML rendered as tab rows, markdown,
space-separated PDF text, crawled text with no delimiter at all) reaches this module as
plain text. Row labels are found in template order with a pattern that ignores spaces,
line breaks and punctuation inside them; the text between one label and the next holds
that row's cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from gknlp.tables.cells import is_value_token

__all__ = ["label_pattern", "find_label", "LabelMatch", "row_tokens", "Tokens", "squash"]

_NON_WORD = re.compile(r"[^\w]+")
_GAP = r"[^\w]*"  # spaces, tabs, pipes, line breaks, punctuation, quotes between label characters
_CN_DIGITS = "一二三四五六七八九十"


def squash(text: str) -> str:
    """A label's comparable form: no spaces, no punctuation."""
    return _NON_WORD.sub("", text)


def _enum_pattern(enum: str) -> str:
    e = re.escape(enum)
    return rf"(?:[(（]\s*{e}\s*[)）]\s*|{e}\s*[、.．,，:：]\s*)?"


@lru_cache(maxsize=512)
def label_pattern(labels: tuple[str, ...], enum: str | None = None) -> re.Pattern[str]:
    """A pattern matching any of `labels` (longest first), with its optional enumerator."""
    alts = []
    for label in sorted({squash(x) for x in labels}, key=len, reverse=True):
        alts.append(_GAP.join(re.escape(ch) for ch in label))
    prefix = _enum_pattern(enum) if enum else ""
    return re.compile(f"{prefix}(?:{'|'.join(alts)})")


@dataclass(frozen=True)
class LabelMatch:
    key: str
    start: int
    end: int


def find_label(text: str, labels: tuple[str, ...], enum: str | None, start: int, end: int | None = None,
               key: str = "") -> LabelMatch | None:
    """The first occurrence of a row label in text[start:end]."""
    m = label_pattern(tuple(labels), enum).search(text, start, len(text) if end is None else end)
    return LabelMatch(key, m.start(), m.end()) if m else None


@dataclass(frozen=True)
class Tokens:
    """What stands between two labels: the cells in order ('' for an empty cell)."""

    cells: tuple[str, ...]
    delimited: bool  # cells came from separators (tab, pipe, spaces, lines), not one run

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(c for c in self.cells if c)


_SEP = re.compile(r"[|\t]")
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")  # markdown |---|---|
_SPACE = re.compile(r"[ \u3000\u00a0]+")


def _expand(piece: str) -> list[str]:
    """A piece with inner spaces is several cells when every part is a value (3001 53 0)."""
    parts = [p for p in _SPACE.split(piece.strip()) if p]
    if len(parts) > 1 and all(is_value_token(p) for p in parts):
        return parts
    return [piece.strip()]


def row_tokens(segment: str) -> Tokens:
    """Cut the text after a row label into cells.

    Rules, from the layouts seen in real reports:
    - the part of the first line before its first separator ends the label's own cell;
    - a line made only of separators (`|`, `| ||`, a lone tab) is one empty cell;
    - otherwise leading and trailing separators are borders, inner empty pieces are empty cells;
    - lines with no separator split on spaces; label text (non-value tokens) is dropped.
    """
    cells: list[str] = []
    delimited = False
    for li, line in enumerate(segment.split("\n")):
        if _MD_RULE.match(line):
            continue
        if _SEP.search(line):
            delimited = True
            pieces = [p.strip() for p in _SEP.split(line)]
            if li == 0:
                pieces = pieces[1:]
                if not any(pieces):
                    continue
            elif not any(pieces):
                cells.append("")
                continue
            if pieces and pieces[0] == "":
                pieces = pieces[1:]
            while pieces and pieces[-1] == "":
                pieces.pop()
            for p in pieces:
                if p == "":
                    cells.append("")
                else:
                    cells.extend(_expand(p))
        else:
            parts = [p for p in _SPACE.split(line.strip()) if p]
            if len(parts) > 1:
                delimited = True
            cells.extend(parts)
    kept = [c for c in cells if c == "" or is_value_token(c)]
    if li_has_multiple_lines(segment) and len(kept) > 1:
        delimited = True
    return Tokens(tuple(kept), delimited)


def li_has_multiple_lines(segment: str) -> bool:
    return segment.strip(" \t|").count("\n") > 0
