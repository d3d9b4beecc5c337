"""Numeral parsing: exact Decimals for Chinese, Arabic and mixed numerals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gknlp.counts.numerals import is_numeral, parse_arabic, parse_chinese, parse_number


@pytest.mark.parametrize(
    "text,value",
    [
        ("一", 1), ("两", 2), ("兩", 2), ("十", 10), ("十二", 12), ("一十二", 12), ("二十", 20),
        ("一百零五", 105), ("一百一十", 110), ("两千", 2000), ("三万五千", 35000), ("百", 100),
        ("千", 1000), ("一万零一", 10001), ("二〇二〇", 2020), ("一亿二千万", 120_000_000),
        ("十万", 100_000), ("三千零五", 3005), ("二百五", 250),
    ],
)
def test_numerals_chinese(text: str, value: int) -> None:
    assert parse_chinese(text) == Decimal(value)


@pytest.mark.parametrize(
    "text,value",
    [
        ("13023", "13023"), ("１２", "12"), ("1,732.63", "1732.63"), ("99.53", "99.53"),
        ("3.5万", "35000"), ("1.2亿", "120000000"), ("1732.633648", "1732.633648"), ("十二", "12"),
    ],
)
def test_numerals_parse_number(text: str, value: str) -> None:
    assert parse_number(text) == Decimal(value)


def test_numerals_exact_digits_kept() -> None:
    assert str(parse_arabic("1732.633648")) == "1732.633648"
    assert str(parse_number("13575394432.52")) == "13575394432.52"


@pytest.mark.parametrize("text", ["", "abc", "是", "十十", "1.2.3"])
def test_numerals_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


def test_numerals_is_numeral() -> None:
    assert is_numeral("三万五千") and not is_numeral("三是") and not is_numeral("")


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=99_999_999))
def test_numerals_agree_with_cn2an(n: int) -> None:
    """cn2an is a test oracle only: its Chinese rendering must parse back to n."""
    cn2an = pytest.importorskip("cn2an")
    text = cn2an.an2cn(n, "low")
    assert parse_chinese(text) == Decimal(n), text


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=999_999))
def test_numerals_arabic_roundtrip(whole: int, frac: int) -> None:
    text = f"{whole}.{frac:06d}"
    assert parse_number(text) == Decimal(text)
