"""Chinese, Arabic and mixed numerals to exact ``decimal.Decimal`` values.

Reports write the same quantity as ``12``, ``１２``, ``十二``, ``一十二``, ``3.5万``
or ``1,732.63``; researchers need the exact value (money keeps every digit), so
everything is parsed to :class:`~decimal.Decimal`, never ``float``.
The numeral characters are a closed, stable set, kept here as frozen constants.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from types import MappingProxyType
from typing import Final, Mapping

__all__ = [
    "CN_DIGITS",
    "CN_SMALL_UNITS",
    "CN_LARGE_UNITS",
    "CN_NUMERAL_CHARS",
    "parse_chinese",
    "parse_arabic",
    "parse_number",
    "is_numeral",
]

CN_DIGITS: Final[Mapping[str, int]] = MappingProxyType(
    {
        "〇": 0, "零": 0, "○": 0, "Ｏ": 0,
        "一": 1, "壹": 1, "幺": 1,
        "二": 2, "两": 2, "兩": 2, "贰": 2, "貳": 2,
        "三": 3, "叁": 3, "參": 3,
        "四": 4, "肆": 4,
        "五": 5, "伍": 5,
        "六": 6, "陆": 6, "陸": 6,
        "七": 7, "柒": 7,
        "八": 8, "捌": 8,
        "九": 9, "玖": 9,
    }
)
"""Digit characters (simplified, traditional and financial forms)."""

CN_SMALL_UNITS: Final[Mapping[str, int]] = MappingProxyType(
    {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
)
"""Positional multipliers below ten thousand."""

CN_LARGE_UNITS: Final[Mapping[str, int]] = MappingProxyType(
    {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
)
"""Section multipliers; 亿 groups above 万 (``一亿二千万``)."""

CN_NUMERAL_CHARS: Final[frozenset[str]] = frozenset(CN_DIGITS) | frozenset(
    CN_SMALL_UNITS
) | frozenset(CN_LARGE_UNITS)

_FULLWIDTH: Final[dict[int, int]] = str.maketrans(
    "０１２３４５６７８９．，", "0123456789.,"
)
_ARABIC_RE: Final[re.Pattern[str]] = re.compile(
    r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?|\.[0-9]+"
)


def is_numeral(text: str) -> bool:
    """True when ``text`` is made only of Chinese numeral characters."""
    return bool(text) and all(ch in CN_NUMERAL_CHARS for ch in text)


def parse_arabic(text: str) -> Decimal:
    """Parse Arabic digits (full-width allowed, thousands commas allowed) exactly."""
    s = text.translate(_FULLWIDTH).replace(" ", "")
    if not _ARABIC_RE.fullmatch(s):
        raise ValueError(f"not an Arabic number: {text!r}")
    return Decimal(s.replace(",", ""))


def _parse_section(text: str) -> int:
    """Value of a numeral below 10 000 (``三千零五``, ``十二``, ``二五``)."""
    if not text:
        return 0
    if all(ch in CN_DIGITS for ch in text):
        # digit-by-digit reading: 二〇二〇, 一二三
        value = 0
        for ch in text:
            value = value * 10 + CN_DIGITS[ch]
        return value
    total = 0
    digit: int | None = None
    last_unit = 10_000
    for ch in text:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        elif ch in CN_SMALL_UNITS:
            unit = CN_SMALL_UNITS[ch]
            if unit >= last_unit:
                raise ValueError(f"unit out of order in {text!r}")
            total += (1 if digit is None else digit) * unit
            digit = None
            last_unit = unit
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    if digit is not None:
        # 二百五 / 三千二 style abbreviation: a trailing digit after a unit
        # takes the next lower place (二百五 = 250), unless a 零 intervened.
        if last_unit < 10_000 and last_unit > 10 and "零" not in text and "〇" not in text:
            total += digit * (last_unit // 10)
        else:
            total += digit
    return total


def parse_chinese(text: str) -> Decimal:
    """Parse a Chinese numeral (``两``, ``十二``, ``一百零五``, ``三万五千``, ``1.2亿`` excluded).

    Raises ``ValueError`` on text that is not a well-formed numeral.
    """
    if not is_numeral(text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    total = 0
    rest = text
    for large_char, large in (("亿", 10**8), ("億", 10**8), ("万", 10**4), ("萬", 10**4)):
        if large_char in rest:
            head, _, rest = rest.partition(large_char)
            if large_char in rest:
                raise ValueError(f"repeated {large_char} in {text!r}")
            # 万 inside the 亿 group's remainder: value of head already < 10**8
            head_value = _parse_chinese_no_yi(head) if large == 10**8 else _parse_section(head)
            total += (head_value if head else 1) * large
    total += _parse_section(rest) if rest else 0
    return Decimal(total)


def _parse_chinese_no_yi(text: str) -> int:
    """Value of the part before 亿, which may itself contain 万."""
    if "万" in text or "萬" in text:
        return int(parse_chinese(text))
    return _parse_section(text)


_MIXED_RE: Final[re.Pattern[str]] = re.compile(
    r"(?P<num>[0-9０-９][0-9０-９,，.．]*)(?P<mult>[十百千万萬亿億]*)"
)


@lru_cache(maxsize=1 << 12)
def parse_number(text: str) -> Decimal:
    """Parse any numeral: Arabic (``13023``, ``1,732.63``), Chinese, or mixed (``3.5万``).

    The value is exact: ``1732.633648万`` → ``Decimal('17326336.48')``. Cached (Decimals
    are immutable): reports quote the same few numbers over and over.
    """
    s = text.strip()
    if not s:
        raise ValueError("empty numeral")
    m = _MIXED_RE.fullmatch(s)
    if m:
        value = parse_arabic(m.group("num").replace("，", ","))
        for ch in m.group("mult"):
            value *= CN_SMALL_UNITS.get(ch) or CN_LARGE_UNITS[ch]
        return _normalize(value)
    try:
        return parse_chinese(s)
    except (ValueError, InvalidOperation) as exc:
        raise ValueError(f"not a numeral: {text!r}") from exc


def _normalize(value: Decimal) -> Decimal:
    """Drop a meaningless exponent (``3.5E+4`` → ``35000``) while keeping the digits."""
    if value == value.to_integral_value():
        if value.adjusted() >= 27:  # quantize needs the digits within the context's 28
            return Decimal(int(value))  # (the context has already rounded it to 28 digits)
        return value.quantize(Decimal(1))
    return value.normalize()
