"""The pinyin patterns: a gloss after a CJK character, and any bracketed Latin annotation."""

from __future__ import annotations

import pytest

from gknlp.text.pinyin import BRACKETED_LATIN, GLOSS, drop_glosses


@pytest.mark.parametrize("text, dropped", [
    ("鄉(xiāng)", "鄉"),
    ("數(shù)據(jù)", "數據"),
    ("女(nǚ)", "女"),
    ("嗯(ńg)", "嗯"),
    ("公开(abc)", "公开(abc)"),         # no tone mark: a word, not a gloss
    ("APP(xiāng)", "APP(xiāng)"),    # not after a CJK character
    ("鄉（xiāng）", "鄉（xiāng）"),    # full-width brackets: not how the sites print glosses
    ("鄉(xiāngxiāng)", "鄉(xiāngxiāng)"),  # longer than a syllable
    ("鄉(Xiāng)", "鄉(Xiāng)"),        # upper case
], ids=["one", "two", "u-umlaut", "n-tone", "untoned", "after-latin", "full-width", "too-long", "upper"])
def test_pinyin_drop_glosses(text: str, dropped: str) -> None:
    assert drop_glosses(text) == dropped


@pytest.mark.parametrize("text, found", [
    ("乡（xiāng）镇", ["（xiāng）"]),
    ("开通政务APP(app)3个", ["(app)"]),
    ("鄉(xiāng)", ["(xiāng)"]),
    ("申请（12）件", []),
], ids=["full-width", "latin-word", "gloss", "digits"])
def test_pinyin_bracketed_latin_covers_the_glosses(text: str, found: list[str]) -> None:
    assert BRACKETED_LATIN.findall(text) == found
    assert all(BRACKETED_LATIN.search(m.group()) for m in GLOSS.finditer(text))
