"""``pattern.finditer(text)`` tried only at the positions where a match can start.

Why: `re` skips ahead fast only to a pattern's opening literal; a pattern opening with a
line anchor, a repeat or a lookahead is tried at every character. When a cheap scan finds
every position where such a pattern can start, matching it there gives the same matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["anchored_matches"]


def anchored_matches(pattern: re.Pattern[str], text: str, starts: Iterable[int]) -> list[re.Match[str]]:
    """``list(pattern.finditer(text))`` for a pattern that matches nothing empty and can match
    only at one of `starts` (ascending): the same non-overlapping matches, tried there only."""
    out: list[re.Match[str]] = []
    last_end = 0
    for p in starts:
        if p >= last_end and (m := pattern.match(text, p)):
            out.append(m)
            last_end = m.end()
    return out
