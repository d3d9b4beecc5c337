"""Pinyin glosses that some sites print after each character: 鄉(xiāng), 數(shù).

Written once here: the normaliser deletes them, and the theme features and the counts
grammar drop them from text that did not go through the normaliser.
"""

from __future__ import annotations

import re

__all__ = ["TONED", "GLOSS", "BRACKETED_LATIN", "drop_glosses"]

TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
"""The letters with a tone mark (and ü): a gloss holds at least one, which tells it from a
Latin word in brackets."""

GLOSS = re.compile(rf"\((?<=[\u3400-\u9fff]\()(?=[a-z{TONED}]*[{TONED}])[a-z{TONED}]{{1,7}}\)")
"""One gloss: up to seven lower-case letters, one toned, in ASCII brackets straight after a
CJK character. The "(" comes first (the character before is checked by a look-behind) so
that a scan skips to each "(" instead of trying every character."""

BRACKETED_LATIN = re.compile(rf"[(（][a-zA-Z{TONED}]{{1,40}}[)）]")  # bounded: a linear scan
"""Any run of Latin or pinyin letters in brackets, ASCII or full-width: a superset of
:data:`GLOSS` (乡（xiāng）, 申请(shenqing), 政务APP(app)). The normaliser may delete only true
glosses; the counts grammar masks all of these so that none is read as part of a noun."""


def drop_glosses(text: str) -> str:
    """The text without its pinyin glosses."""
    return GLOSS.sub("", text)
