"""Labels and headings compared as letters only."""

from __future__ import annotations

import re

from gknlp.text.labels import GAP, gap_tolerant


def test_gap_is_every_non_word_character() -> None:
    """GAP (``\\W*``) takes exactly the characters ``[^\\w]`` does, over the BMP and a sample beyond."""
    gap, plain = re.compile(GAP), re.compile(r"[^\w]*")
    for cp in [*range(0x10000), *range(0x10000, 0x110000, 97)]:
        ch = chr(cp)
        assert (gap.fullmatch(ch) is None) == (plain.fullmatch(ch) is None), hex(cp)
    assert gap.fullmatch(" \t|\n，。“”") and not gap.fullmatch("a") and not gap.fullmatch("中")


def test_gap_tolerant_reads_a_wrapped_label() -> None:
    pattern = re.compile(gap_tolerant("主动公开政府信息"))
    assert pattern.fullmatch("主动公开\n政府 | 信息")
    assert pattern.fullmatch("主动公开政府信息")
    assert not pattern.fullmatch("主动公开政府文件")
