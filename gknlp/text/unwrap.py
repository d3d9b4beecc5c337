"""Hard-wrapped lines joined back into paragraphs, with a map from the joined text to the source.

A printer (or a PDF-to-text tool) breaks lines where the page ends, not where the sentence
ends: `常务会议 7⏎期`. Sections, paragraphs and counts are found on lines, so the breaks
must go before them. The rule (issue 13): a line that fills the measure, ends without
``。；：！？!?`` and is followed by a line that does not start a heading continues its
paragraph. CJK text is joined with nothing between; only two Latin letters or digits that
meet at a join get a space. The measure is counted in display columns (a Chinese character
two, a digit or Latin letter one), as the printed line is, so a full line with digits in it
(``截至 2024 年 12 月``) is full too; justified lines squeeze punctuation, so a line within an
eighth of the measure counts as full. A page footer (``— 2 —``) between two lines goes, so a
paragraph runs on over the page break. A short line with no sentence mark (a signature, a date)
is never joined to the line before it. Markdown table rows (``|``) and headings (``#``) are
never joined.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import Callable, Sequence

__all__ = ["Unwrapped", "join_lines", "ends_paragraph", "starts_heading", "joiner", "unwrap_text",
           "looks_hard_wrapped", "display_width", "PAGE_MARK", "CLOSERS", "MARKDOWN_HEADING"]

_END_MARKS = "。；：！？!?;:"
CLOSERS = "”’」』）)】》\"' \u3000"
"""What may close a sentence after its mark (。” ）): looked through to find the mark."""
HEADING = re.compile(
    r"^[ \t\u3000]*(?:[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[、．.](?!\d)"
    r"|第[一二三四五六七八九十\d]{1,3}[章节部分条]|附件|附表|表\d)")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
MARKDOWN_HEADING = re.compile(r"#{1,6}(?!#)[ \t]*")
"""A Markdown heading's marks (``### （一）主动公开``): a line of its own, and not part of its text."""
PRINTED_LINE_MAX = 200
"""Characters a printed line never exceeds (no page prints 100 Chinese characters, or 200 digits, a
line): a deliberate bound of the hard-wrap test (since session 8), which measured every line before."""
#: A page footer, the whole line: —6—, - 4 -, — 12 —, 第3页, 第 3 页 共 9 页.
PAGE_MARK = re.compile(
    r"[ \t\u3000]*(?:[—–\-－]{1,2}[ \t\u3000]*\d{1,3}[ \t\u3000]*[—–\-－]{1,2}"
    r"|第[ \t]*\d{1,3}[ \t]*页(?:[ \t]*共[ \t]*\d{1,3}[ \t]*页)?)[ \t\u3000]*")


def _markdown_block(line: str) -> bool:
    """A Markdown table row or heading: a line of its own."""
    return line.startswith("|") or MARKDOWN_HEADING.match(line) is not None


_MARK = re.compile(r"[，、。；：！？,;:!?]")


def _closing(line: str, measure: int) -> bool:
    """A short line with no sentence mark: a signature, a date, the rest of a title. A paragraph's
    last line, however short, has its mark; so this is never the rest of one."""
    return display_width(line) < measure // 2 and _MARK.search(line) is None


class _CharWidths(dict[str, int]):
    """Each character's columns, looked up once: a report has a few thousand distinct
    characters and tens of thousands of them, so a lookup beats asking `unicodedata`."""

    LIMIT = 65_536  # past this many distinct characters (hostile input), compute without keeping

    def __missing__(self, ch: str) -> int:
        width = 2 if unicodedata.east_asian_width(ch) in "WFA" else 1
        if len(self) < self.LIMIT:
            self[ch] = width
        return width


_CHAR_WIDTHS = _CharWidths()

_BEYOND_BMP = re.compile("[\U00010000-\U0010FFFF]")


@cache
def _wide_run() -> re.Pattern[str]:
    """A run of Basic Multilingual Plane characters of East Asian width W, F or A, as one
    character class (a bitmap re tests in C: deleting the wide runs of a line leaves its narrow
    characters, counted without a Python step per character). Built once from `unicodedata`."""
    # One byte per code point from U+0080 (1: wide); its runs of 1 are the ranges, found in C
    # (a Python test per code point to grow the ranges cost 10 ms of every process's start-up).
    wide = bytes(map("WFA".__contains__, map(unicodedata.east_asian_width, map(chr, range(0x80, 0x10000)))))
    ranges = [(0x80 + m.start(), 0x80 + m.end() - 1) for m in re.finditer(b"\x01+", wide)]
    one = "[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges) + "]"
    return re.compile(one + one + "*")  # [c][c]*: re skips ahead to an opening class, not a repeat


def display_width(line: str) -> int:
    """Columns a line takes in print: two for a Chinese character or full-width mark, one for
    a digit, a Latin letter or a half-width space (East Asian width W, F or A count two)."""
    if line.isascii():
        return len(line)
    rest = _wide_run().sub("", line)   # its narrow characters, and any beyond the BMP (not in the class)
    if _BEYOND_BMP.search(rest) is None:
        return 2 * len(line) - len(rest)
    return 2 * len(line) - sum(_CHAR_WIDTHS[ch] == 1 for ch in rest)


def ends_paragraph(line: str) -> bool:
    """A line whose last mark (closing quotes and brackets aside) ends a sentence or a list."""
    stripped = line.rstrip(CLOSERS)
    return not stripped or stripped[-1] in _END_MARKS


def starts_heading(line: str) -> bool:
    """A line opening with an enumeration mark (一、 （二） 3. 第四部分 附件)."""
    return bool(HEADING.match(line))


def joiner(left: str, right: str) -> str:
    """What goes between two joined lines: a space only between two Latin letters or digits."""
    if left and right and _ASCII_WORD.match(left[-1]) and _ASCII_WORD.match(right[0]):
        return " "
    return ""


@dataclass
class Unwrapped:
    """Joined text and where each stretch of it came from in the source.

    `starts[k]` is an offset in `text` where a copied stretch begins, `sources[k]` the source
    offset of that same character; characters inside a stretch map one to one."""

    text: str
    starts: list[int] = field(default_factory=list)
    sources: list[int] = field(default_factory=list)

    def to_source(self, offset: int) -> int:
        """The source offset of a character of `text` (an inserted joiner maps to the next one)."""
        k = bisect_right(self.starts, offset) - 1
        if k < 0:
            return offset
        return self.sources[k] + (offset - self.starts[k])


def join_lines(lines: Sequence[str], joins: Sequence[bool], source_starts: Sequence[int] | None = None) -> Unwrapped:
    """Lines into text: line i and i+1 joined where ``joins[i]``, else a line break between them.

    `source_starts[i]` is where line i begins in the source (default: the lines as written
    one after another with a "\\n" between them)."""
    if source_starts is None:
        pos, source_starts = 0, []
        for line in lines:
            source_starts.append(pos)
            pos += len(line) + 1
    out: list[str] = []
    starts: list[int] = []
    sources: list[int] = []
    n = 0
    for i, line in enumerate(lines):
        if i:
            sep = joiner(lines[i - 1], line) if joins[i - 1] else "\n"
            out.append(sep)
            n += len(sep)
        starts.append(n)
        sources.append(source_starts[i])
        out.append(line)
        n += len(line)
    return Unwrapped("".join(out), starts, sources)


def looks_hard_wrapped(lines: Sequence[str], size: Callable[[str], int] = len) -> int | None:
    """The measure (`size` of a full line: characters by default) of text broken at a fixed
    width, or None.

    Hard-wrapped text has many lines of the same, longest size; text written one paragraph
    to a line has sizes all over the place. A quarter of the long lines at one size (±1) is
    taken as the sign. Markdown table rows do not count. A line of more than
    `PRINTED_LINE_MAX` characters was never a printed line: it is only counted as longer than
    the measure and its size is not measured (a crawled page's paragraphs run to thousands of
    characters), so text whose lines all run past it is not hard-wrapped, and no measure is
    wider than its longest measured line. `size(s)` must be at least ``len(s)`` (characters,
    columns)."""
    long_lines = [s for line in lines if len(s := line.strip()) >= 15 and "\t" not in line
                  and not s.startswith("|")]
    if len(long_lines) < 8:
        return None
    lengths = [size(s) for s in long_lines if len(s) <= PRINTED_LINE_MAX]
    if not lengths:
        return None
    counts = Counter(lengths)
    best, _ = max(counts.items(), key=lambda kv: (counts[kv[0] - 1] + kv[1] + counts[kv[0] + 1], kv[0]))
    near = counts[best - 1] + counts[best] + counts[best + 1]
    longer = sum(v for k, v in counts.items() if k > best + 1) + len(long_lines) - len(lengths)
    if near >= max(6, len(long_lines) // 4) and longer <= near // 3:
        return best
    return None


def unwrap_text(text: str) -> Unwrapped | None:
    """Plain text or Markdown made from a PDF, with its printed line breaks joined; None when it
    is not hard-wrapped (then the text is left exactly as it is)."""
    lines = text.split("\n")
    measure = looks_hard_wrapped(lines, display_width)
    if measure is None:
        return None
    full = measure - max(2, measure // 8)  # justified lines: punctuation and digits squeezed
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    # A page's footer between two halves of a paragraph goes, so that the halves join.
    kept = [i for i, line in enumerate(lines) if not PAGE_MARK.fullmatch(line)]
    lines, starts = [lines[i] for i in kept], [starts[i] for i in kept]
    joins = []
    for cur, nxt in zip(lines, lines[1:]):
        s, t = cur.strip(), nxt.strip()
        joins.append(bool(s and t) and "\t" not in cur and "\t" not in nxt and display_width(s) >= full
                     and not ends_paragraph(s) and not starts_heading(t)
                     and not _markdown_block(s) and not _markdown_block(t) and not _closing(t, measure))
    return join_lines(lines, joins, starts)
