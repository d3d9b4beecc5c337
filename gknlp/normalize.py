"""Normalise report text while keeping a map back to the source characters.

Every step is a deletion or a one-to-one character replacement, so the normalised
text carries, for each of its characters, the index of the source character it came
from. Spans reported on the normalised text can therefore always be traced back.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

__all__ = ["NormalizedText", "normalize", "detect_script"]

# Pinyin that some sites print after each character: 鄉(xiāng), 數(shù).
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
_PINYIN = re.compile(rf"(?<=[\u3400-\u9fff])\((?=[a-z{_TONED}]*[{_TONED}])[a-z{_TONED}]{{1,7}}\)")
# Word/HTML conversion debris.
_DEBRIS = re.compile(
    r"\[bookmark:[^\]]*\]"
    r"|<!--\[if[^\]]*\]-->|<!--\[endif\]-->"
    r"|<!--.*?-->",
    re.S,
)
# Page footers on a line of their own: —6—, - 4 -, — 12 —, 第3页, 第 3 页 共 9 页.
_PAGE_MARK = re.compile(
    r"(?m)^[ \t\u3000]*(?:[—–\-－]{1,2}[ \t\u3000]*\d{1,3}[ \t\u3000]*[—–\-－]{1,2}"
    r"|第[ \t]*\d{1,3}[ \t]*页(?:[ \t]*共[ \t]*\d{1,3}[ \t]*页)?)[ \t\u3000]*$\n?"
)
_WIDTH = {**{0xFF10 + i: 0x30 + i for i in range(10)},
          **{0xFF21 + i: 0x41 + i for i in range(26)},
          **{0xFF41 + i: 0x61 + i for i in range(26)},
          0x3000: 0x20, 0x00A0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x2009: 0x20, 0x200B: None,
          0xFEFF: None, 0xFF05: 0x25, 0x0D: None}
_CJK_RUN = re.compile("[\u4e00-\u9fff]+")
_FULLWIDTH_POINT = re.compile(r"(?<=\d)．(?=\d)")


@dataclass(frozen=True)
class NormalizedText:
    """Normalised text plus, for every character, its index in the source text."""

    text: str
    source_index: tuple[int, ...] = field(repr=False)
    script: str = "simplified"

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalised text back to the source text."""
        if start >= len(self.source_index):
            last = self.source_index[-1] + 1 if self.source_index else 0
            return last, last
        src_start = self.source_index[start]
        src_end = self.source_index[end - 1] + 1 if end > start else src_start
        return src_start, src_end


@cache
def _char_class(chars: str) -> re.Pattern[str]:
    return re.compile("[" + re.escape(chars) + "]+")


class _Builder:
    """Apply deletions and 1:1 replacements, carrying the source index map."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.index = list(range(len(text)))

    def delete(self, pattern: re.Pattern[str]) -> None:
        keep_text: list[str] = []
        keep_index: list[int] = []
        pos = 0
        for m in pattern.finditer(self.text):
            keep_text.append(self.text[pos:m.start()])
            keep_index.extend(self.index[pos:m.start()])
            pos = m.end()
        if pos == 0 and not keep_text:
            return
        keep_text.append(self.text[pos:])
        keep_index.extend(self.index[pos:])
        self.text = "".join(keep_text)
        self.index = keep_index

    def translate(self, table: dict[int, int | None]) -> None:
        """Map characters 1:1 (``str.translate``); characters mapped to None are deleted first."""
        dropped = "".join(chr(k) for k, v in table.items() if v is None)
        if dropped:
            self.delete(_char_class(dropped))
        self.text = self.text.translate({k: v for k, v in table.items() if v is not None})

    def replace_same_length(self, new_text: str) -> None:
        if len(new_text) != len(self.text):
            raise ValueError("replacement must keep the length")
        self.text = new_text


@cache
def _chrome() -> tuple[re.Pattern[str], ...]:
    """Crawler page chrome to delete (data/chrome.toml): breadcrumbs, share bars, Word CSS."""
    with resources.files("gknlp.data").joinpath("chrome.toml").open("rb") as fh:
        data = tomllib.load(fh)
    return tuple(re.compile(c["pattern"], re.M) for c in data["chrome"])


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def detect_script(text: str) -> str:
    """'traditional' when enough CJK characters change under t2s, else 'simplified'."""
    sample = "".join(_CJK_RUN.findall(text, 0, 20000))
    if not sample:
        return "simplified"
    converted = _t2s().convert(sample)
    if converted == sample:
        return "simplified"
    if len(converted) != len(sample):
        changed = abs(len(converted) - len(sample)) + 1
    else:
        changed = sum(a != b for a, b in zip(sample, converted))
    return "traditional" if changed / len(sample) > 0.02 else "simplified"


def _to_simplified(text: str) -> str:
    """t2s keeping the length: per line first, per character where a line changes length."""
    conv = _t2s().convert
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        c = conv(line)
        if len(c) != len(line):
            c = "".join(ch2 if len(ch2 := conv(ch)) == 1 else ch for ch in line)
        out.append(c)
    return "".join(out)


def normalize(text: str) -> NormalizedText:
    """Fold widths, drop pinyin and debris, convert traditional to simplified."""
    b = _Builder(text)
    b.translate(_WIDTH)
    b.delete(_DEBRIS)
    for pattern in _chrome():
        b.delete(pattern)
    b.delete(_PINYIN)
    b.delete(_PAGE_MARK)
    b.replace_same_length(_FULLWIDTH_POINT.sub(".", b.text))
    script = detect_script(b.text)
    if script == "traditional":
        b.replace_same_length(_to_simplified(b.text))
    return NormalizedText(b.text, tuple(b.index), script)
