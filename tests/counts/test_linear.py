"""The counts scan (and the section and normalisation regexes) stay linear in the input
(issues 15 and 16): about 1 MB of each pathological shape costs, per character, a small
multiple of what ordinary report text costs in the same run. A measured ratio, not a
wall-clock limit: a quadratic scan is hundreds of times slower per character at this size."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import pytest

from gknlp.counts.grammar import count_dicts
from gknlp.report.sections import find_sections, split_paragraphs
from gknlp.text.normalize import normalize

SAMPLES = Path(__file__).resolve().parents[2] / "gknlp" / "data" / "samples"
SIZE = 1_000_000
RATIO = 80.0  # a count every 5 characters costs ~15-50x ordinary text per character; quadratic, > 1000x
# (40 until session 9: ordinary text got cheaper per character (a paragraph without a numeral-unit
# pair is not scanned), counts packed every 5 characters did not; main itself measured 17-48 under load)
GROWTH = 3.0  # per-character cost at 1 MB over that at 250 kB: 1 when linear, 4 when quadratic


def _repeat(piece: str, size: int) -> str:
    return (piece * (size // len(piece) + 1))[:size]


def _ordinary(size: int) -> str:
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt")))
    return _repeat(text, size)


SHAPES: dict[str, str] = {
    "chinese_numerals": _repeat("一二三四五六七八九十百千万", SIZE),
    "chinese_numerals_then_unit": "三" * (SIZE - 1) + "个",
    "digits_with_percent": _repeat("12.5%", SIZE),
    "one_long_number": "7" * SIZE,
    "ranges": _repeat("3-5个", SIZE),
    "repeated_headings": _repeat("一、总体情况\n（一）主动公开政府信息情况\n1.", SIZE),
    "counts_without_delimiters": _repeat("公开信息3条", SIZE),
}


def _per_char(func: Callable[[str], object], text: str, runs: int = 1) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        func(text)
        best = min(best, time.perf_counter() - t0)
    return best / len(text)


def _sections(text: str) -> object:
    normal = normalize(text).text
    sections = find_sections(normal)
    return [split_paragraphs(normal, s) for s in sections.values() if s is not None]


@pytest.mark.parametrize("func", [count_dicts, _sections], ids=["counts", "normalize+sections+paragraphs"])
def test_counts_scan_is_linear_on_pathological_shapes(func: Callable[[str], object]) -> None:
    func("预热")
    ordinary = _per_char(func, _ordinary(300_000), runs=2)
    full = {name: _per_char(func, text) for name, text in SHAPES.items()}
    slow = {name: t / ordinary for name, t in full.items()}
    assert all(ratio <= RATIO for ratio in slow.values()), {k: round(v, 1) for k, v in slow.items()}
    # the quarter-size text keeps the shape's last character (the 个 of numerals-then-unit: a
    # text of numerals alone, holding no numeral-unit pair, is not scanned for counts at all)
    growth = {name: full[name] / _per_char(func, text[: SIZE // 4 - 1] + text[-1], runs=2)
              for name, text in SHAPES.items()}
    assert all(g <= GROWTH for g in growth.values()), {k: round(v, 2) for k, v in growth.items()}


def test_counts_long_numerals_are_not_counts() -> None:
    """Runs longer than the data's limits are no numbers (and are never parsed digit by digit)."""
    assert count_dicts("三" * 40_000 + "个") == []
    assert count_dicts("1" * 40 + "件") == []
    assert [c["value"] for c in count_dicts("收到申请" + "1" * 15 + "件")] == [111111111111111]
