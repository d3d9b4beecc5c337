"""The theme features' fast paths give what the reference functions give.

``nfkc`` against ``unicodedata.normalize``, and ``normalize_text`` against the plain
regex, OpenCC and NFKC steps it was written as.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

import pytest

from gknlp import theme_features
from gknlp.pipeline import extract
from gknlp.theme_features import nfkc, normalize_text

REPO = Path(__file__).resolve().parents[1]
SAMPLES = sorted((REPO / "gknlp" / "data" / "samples").glob("*.txt"))

ODD_TEXTS = ["", " ", "a", "培训", "公开  栏\n\n公示 栏", " 两头 ", "1\t\t2", "（一）加强培训，",
             "ｅ\u0301", "e\u0301", "가\u11a8", "\u1100\u1161", "ﬁ", "…", "①②", "㈠",
             "𠮷野家", "，\u0301", "e，\u0301", "宣傳展板(biāo)、懸掛\u3000\u3000條幅",
             "\x00\x00", "信息公开\n政务公开", "政府信息公开工作年度报告"]


@pytest.fixture(scope="module")
def paragraphs() -> list[str]:
    texts = []
    for path in SAMPLES:
        texts += [p["text"] for p in extract(path, annotators=[]).paragraphs]
    return texts


def _composition_seconds() -> set[str]:
    """Characters that canonical composition may join to the character before them."""
    seconds = {chr(c) for c in range(0x1161, 0x1176)} | {chr(c) for c in range(0x11A8, 0x11C3)}
    for code in range(sys.maxunicode + 1):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(chr(int(parts[1], 16)))
    return seconds


def test_theme_features_nfkc_stable_characters_never_change():
    stable = re.compile(f"[{theme_features._NFKC_STABLE}]")
    seconds = _composition_seconds()
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        if stable.match(ch):
            assert unicodedata.combining(ch) == 0, hex(code)
            assert unicodedata.normalize("NFKC", ch) == ch, hex(code)
            assert ch not in seconds, hex(code)


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_theme_features_nfkc_equals_unicodedata(text):
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_theme_features_nfkc_equals_unicodedata_on_samples(paragraphs):
    for text in paragraphs:
        assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_theme_features_nfkc_on_every_bmp_character_after_a_letter():
    for code in range(0x10000):
        text = "a" + chr(code) + "，"
        assert nfkc(text) == unicodedata.normalize("NFKC", text), hex(code)


def test_theme_features_whitespace_fold_is_the_regex():
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        assert (re.match(r"\s", ch) is not None) == ch.isspace(), hex(code)


def _reference_normalize(text: str) -> str:
    text = theme_features._PINYIN.sub("", text)
    text = unicodedata.normalize("NFKC", theme_features._opencc().convert(text))
    return re.sub(r"\s+", " ", text).strip()


def test_theme_features_normalize_equals_the_plain_steps(paragraphs):
    for text in paragraphs + ODD_TEXTS:
        assert normalize_text(text) == _reference_normalize(text)
