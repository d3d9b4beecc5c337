"""Text features of the theme model: normalisation, words, and theme cue terms.

Why a module of its own: these functions are named inside the saved model (its analyzers),
so they must stay importable under a stable name, apart from the training code.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from gknlp.segment import segmenter

__all__ = ["normalize_text", "jieba_words", "theme_cues", "file_hash", "THEME_CUES"]

THEME_CUES = Path(__file__).parent / "data" / "themes" / "theme_cues.json"


_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
_PINYIN = re.compile(rf"(?<=[\u3400-\u9fff])\((?=[a-z{_TONED}]*[{_TONED}])[a-z{_TONED}]{{1,7}}\)")
_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"^[\d.,%％]+$")


@cache
def _opencc():
    import opencc

    try:
        return opencc.OpenCC("t2s")
    except Exception:  # older builds want the file name
        return opencc.OpenCC("t2s.json")


def normalize_text(text: str) -> str:
    """Traditional -> simplified (OpenCC t2s), pinyin glosses dropped, NFKC widths, spaces."""
    text = _PINYIN.sub("", text)
    text = _opencc().convert(text)
    text = unicodedata.normalize("NFKC", text)
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=1 << 18)
def _word_feature(w: str) -> str | None:
    """A jieba token as a feature: None for spaces/punctuation, numbers folded to ``0``."""
    w = w.strip()
    if not w or not any(ch.isalnum() for ch in w):
        return None
    return "0" if _NUMBER.match(w) else w


def jieba_words(doc: str) -> list[str]:
    """Word analyzer: jieba words (single characters kept), numbers folded to ``0``."""
    return [f for f in map(_word_feature, segmenter()(doc)) if f is not None]


@cache
def _theme_cue_patterns() -> tuple[tuple[str, Any], ...]:
    data = json.loads(THEME_CUES.read_text(encoding="utf-8"))["themes"]
    return tuple((label, re.compile("|".join(map(re.escape, sorted(terms, key=len, reverse=True)))))
                 for label, terms in data.items() if terms)


def file_hash(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def theme_cues(doc: str) -> list[str]:
    """Cue analyzer: ``cue:<label>`` when a cue term of the theme occurs, ``cue:<label>:2+``
    when two distinct ones do (terms from ``data/themes/theme_cues.json``)."""
    out = []
    for label, pattern in _theme_cue_patterns():
        found = set(pattern.findall(doc))
        if found:
            out.append(f"cue:{label}")
            if len(found) > 1:
                out.append(f"cue:{label}:2+")
    return out


