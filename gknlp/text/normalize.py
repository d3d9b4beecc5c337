"""Normalise report text while keeping a map back to the source characters.

Every step is a deletion or a one-to-one character replacement, so the normalised
text carries, for each of its characters, the index of the source character it came
from. Spans reported on the normalised text can therefore always be traced back.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from itertools import chain

from gknlp.data import load_toml
from gknlp.text.anchored import anchored_matches
from gknlp.text.pinyin import GLOSS
from gknlp.text.t2s import flagged, keeps_length, may_change, t2s
from gknlp.text.unwrap import PAGE_MARK

__all__ = ["NormalizedText", "normalize", "detect_script", "to_simplified"]

# Word/HTML conversion debris.
_DEBRIS = re.compile(
    r"\[bookmark:[^\]]*\]"
    r"|<!--\[if[^\]]*\]-->|<!--\[endif\]-->"
    r"|<!--.*?-->",
    re.S,
)
_DEBRIS_CLOSERS = {"<!--": "-->", "[bookmark:": "]"}
"""Text every `_DEBRIS` match opens with, and what it needs after: a report holding no opener is
not scanned, and an opener with no closer after it is not tried (from each such opener the
pattern would scan to the end of the text: quadratic on a text of unclosed ``<!--``)."""
# Page footers on a line of their own (the one pattern of text.unwrap), with their line break.
_PAGE_MARK = re.compile(r"(?m)^(?:" + PAGE_MARK.pattern + r")$\n?")
_FOOTER_OPENING = re.compile(r"[ \t\u3000]*[—–\-－第]")
_FOOTER_LINE = re.compile(r"\n" + _FOOTER_OPENING.pattern)
"""A line break, then a line whose first mark (after blanks) can open a page footer."""
_WIDTH = {**{0xFF10 + i: 0x30 + i for i in range(10)},
          **{0xFF21 + i: 0x41 + i for i in range(26)},
          **{0xFF41 + i: 0x61 + i for i in range(26)},
          0x3000: 0x20, 0x00A0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x2009: 0x20, 0x200B: None,
          0xFEFF: None, 0xFF05: 0x25, 0x0D: None}
_WIDTH_DELETE = "".join(chr(k) for k, v in _WIDTH.items() if v is None)
_WIDTH_REPLACE = {k: v for k, v in _WIDTH.items() if v is not None}
_NON_CJK = re.compile("[^\u4e00-\u9fff][^\u4e00-\u9fff]*")  # not [^…]+: re skips ahead to a class, not a repeat
# A full-width point between digits; the "．" comes first so that a scan skips to it.
_FULLWIDTH_POINT = re.compile(r"．(?<=\d．)(?=\d)")


@dataclass(frozen=True)
class NormalizedText:
    """Normalised text plus, for every character, its index in the source text.

    The map is kept as runs of consecutive source characters (`run_starts[k]` in the text
    comes from `run_sources[k]` in the source, and so on until the next run), because
    deletions are rare: most texts are one run, and the per-character `source_index` is
    only built when asked for.
    """

    text: str
    run_starts: tuple[int, ...] = field(repr=False)
    run_sources: tuple[int, ...] = field(repr=False)
    script: str = "simplified"

    @cached_property
    def source_index(self) -> tuple[int, ...]:
        """For each character of `text`, the index of the source character it came from."""
        ends = (*self.run_starts[1:], len(self.text))
        return tuple(chain.from_iterable(range(src, src + end - start)
                                         for start, end, src in zip(self.run_starts, ends, self.run_sources)))

    def _source_of(self, i: int) -> int:
        if i < 0:  # as a tuple index would
            i += len(self.text)
        k = bisect_right(self.run_starts, i) - 1
        return self.run_sources[k] + i - self.run_starts[k]

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalised text back to the source text."""
        if start >= len(self.text):
            last = self._source_of(len(self.text) - 1) + 1 if self.text else 0
            return last, last
        src_start = self._source_of(start)
        src_end = self._source_of(end - 1) + 1 if end > start else src_start
        return src_start, src_end

    def from_source(self, offset: int) -> int:
        """The first index of `text` whose source character is at or after `offset`
        (``len(text)`` if none): ``bisect_left(source_index, offset)`` without building it."""
        k = bisect_right(self.run_sources, offset) - 1
        if k < 0:
            return 0
        end = self.run_starts[k + 1] if k + 1 < len(self.run_starts) else len(self.text)
        return min(self.run_starts[k] + offset - self.run_sources[k], end)


class _Builder:
    """Apply deletions and 1:1 replacements, carrying the runs of the map to the source."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.run_starts = [0] if text else []
        self.run_sources = [0] if text else []

    def _source_runs(self, start: int, end: int) -> Iterator[tuple[int, int]]:
        """(source offset, length) of the runs covering text[start:end]."""
        k = bisect_right(self.run_starts, start) - 1
        while start < end:
            run_end = self.run_starts[k + 1] if k + 1 < len(self.run_starts) else len(self.text)
            stop = min(end, run_end)
            yield self.run_sources[k] + start - self.run_starts[k], stop - start
            start = stop
            k += 1

    def delete(self, pattern: re.Pattern[str], starts: Iterable[int] | None = None) -> None:
        """Delete every match of `pattern`; with `starts`, a pattern that can only match
        at those positions is tried there only (see gknlp.text.anchored)."""
        keep: list[tuple[int, int]] = []
        pos = 0
        matches = pattern.finditer(self.text) if starts is None else anchored_matches(pattern, self.text, starts)
        for m in matches:
            if m.start() > pos:
                keep.append((pos, m.start()))
            pos = max(pos, m.end())
        if pos == 0:  # nothing deleted (empty matches delete nothing)
            return
        if pos < len(self.text):
            keep.append((pos, len(self.text)))
        run_starts: list[int] = []
        sources: list[int] = []
        length = 0
        for a, b in keep:
            for src, n in self._source_runs(a, b):
                if not sources or src != sources[-1] + length - run_starts[-1]:
                    run_starts.append(length)
                    sources.append(src)
                length += n
        self.text = "".join(self.text[a:b] for a, b in keep)
        self.run_starts, self.run_sources = run_starts, sources

    def delete_chars(self, chars: str) -> None:
        """Delete every occurrence of these characters (a few: each is looked for with `in`,
        a fast search, before the text is scanned for all of them)."""
        if any(ch in self.text for ch in chars):
            self.delete(_char_class(chars))

    def replace_same_length(self, new_text: str) -> None:
        if len(new_text) != len(self.text):
            raise ValueError("replacement must keep the length")
        self.text = new_text


@cache
def _char_class(chars: str) -> re.Pattern[str]:
    """A run of these characters, written [c][c]* rather than [c]+: re skips ahead to a
    pattern's opening class in C, but tries a pattern opening with a repeat at every
    character (three times slower on a report that holds none of them)."""
    one = "[" + re.escape(chars) + "]"
    return re.compile(one + one + "*")


def _translate(text: str, table: dict[int, int]) -> str:
    """``text.translate(table)``: only the runs of characters in the table are translated,
    since str.translate looks every character up in the dict."""
    chars = _char_class("".join(map(chr, table)))
    return chars.sub(lambda m: m[0].translate(table), text) if chars.search(text) else text


@cache
def _chrome() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Crawler page chrome to delete (data/chrome.toml): breadcrumbs, share bars, Word CSS;
    each with the text its matches contain ("" when not given)."""
    data = load_toml("chrome.toml")
    return tuple((re.compile(c["pattern"], re.M), c.get("contains", "")) for c in data["chrome"])


_BLANKS = "[ \\t]*"
_METACHARACTERS = frozenset(".^$*+?{}[]\\|()")


def _is_blank_led(pattern: re.Pattern[str], contains: str) -> bool:
    """Whether a chrome pattern reads ``[ \\t]*`` then its `contains` text, taken literally."""
    return bool(contains) and pattern.pattern.startswith(_BLANKS + contains) and not _METACHARACTERS & set(contains)


def _blank_led_starts(text: str, literal: str) -> list[int]:
    """Where a pattern reading ``[ \\t]*`` + `literal` + … can start: at an occurrence of
    `literal` or in the blanks just before it. (re tries a pattern opening with a repeat at
    every character; str.find skips to the few occurrences.)"""
    starts: set[int] = set()
    at = text.find(literal)
    while at >= 0:
        first = at
        while first > 0 and text[first - 1] in " \t":
            first -= 1
        starts.update(range(first, at + 1))
        at = text.find(literal, at + 1)
    return sorted(starts)


def _footer_starts(text: str) -> list[int]:
    """The line starts where `_PAGE_MARK` can match: lines opening (after blanks) with a dash or
    第. (re tries a pattern opening with ``^`` at every character; a pattern opening with a
    line break is searched for that character, and footer-like lines are few.)"""
    starts = [0] if _FOOTER_OPENING.match(text) else []
    starts.extend(m.start() + 1 for m in _FOOTER_LINE.finditer(text))
    return starts


_BOUND_PREFIX = 600
"""Characters of a report's head whose CJK characters bound its sample from below."""


def detect_script(text: str) -> str:
    """'traditional' when enough CJK characters change under t2s, else 'simplified'."""
    head = text[:20000]
    if not keeps_length():
        if not may_change(head):  # no character t2s could change: most reports, at one regex scan
            return "simplified"
        return _script_of_cjk(_NON_CJK.sub("", head))
    # t2s changes only flagged characters, in place: at most `count` of the sample's characters
    # change, and the sample holds at least the CJK characters of a prefix. None (most reports)
    # or a few (覆 of 覆盖) decide a report without t2s; the count stops past the bound.
    flags = flagged(head)
    if next(flags, None) is None:
        return "simplified"
    least = len(_NON_CJK.sub("", head[:_BOUND_PREFIX]))
    if least:
        count = 1
        for _ in flags:
            if (count := count + 1) / least > 0.02:
                break
        if count / least <= 0.02:
            return "simplified"
    return _script_of_cjk(_NON_CJK.sub("", head))


def _script_of_cjk(sample: str) -> str:
    """The decision on a report head's CJK characters: traditional when over 2% change
    (`detect_script` decides below that bound without it)."""
    if not sample:
        return "simplified"
    converted = t2s().convert(sample)
    if converted == sample:
        return "simplified"
    if len(converted) != len(sample):
        changed = abs(len(converted) - len(sample)) + 1
    else:
        changed = sum(a != b for a, b in zip(sample, converted))
    return "traditional" if changed / len(sample) > 0.02 else "simplified"


def to_simplified(text: str) -> str:
    """t2s keeping the length: per line first, per character where a line changes length."""
    conv = t2s().convert
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        c = conv(line)
        if len(c) != len(line):
            c = "".join(ch2 if len(ch2 := conv(ch)) == 1 else ch for ch in line)
        out.append(c)
    return "".join(out)


def _debris_starts(text: str) -> list[int]:
    """Where a `_DEBRIS` match can start: an opener with its closer somewhere after it."""
    starts: list[int] = []
    for opener, closer in _DEBRIS_CLOSERS.items():
        last = text.rfind(closer)
        p = text.find(opener)
        while 0 <= p < last:
            starts.append(p)
            p = text.find(opener, p + 1)
    return sorted(starts)


def normalize(text: str) -> NormalizedText:
    """Fold widths, drop pinyin and debris, convert traditional to simplified."""
    b = _Builder(text)
    b.delete_chars(_WIDTH_DELETE)
    b.replace_same_length(_translate(b.text, _WIDTH_REPLACE))
    if any(opener in b.text for opener in _DEBRIS_CLOSERS):
        b.delete(_DEBRIS, _debris_starts(b.text))
    for pattern, contains in _chrome():
        if contains in b.text:
            b.delete(pattern, _blank_led_starts(b.text, contains) if _is_blank_led(pattern, contains) else None)
    b.delete(GLOSS)
    b.delete(_PAGE_MARK, _footer_starts(b.text))
    b.replace_same_length(_FULLWIDTH_POINT.sub(".", b.text))
    script = detect_script(b.text)
    if script == "traditional":
        b.replace_same_length(to_simplified(b.text))
    return NormalizedText(b.text, tuple(b.run_starts), tuple(b.run_sources), script)
