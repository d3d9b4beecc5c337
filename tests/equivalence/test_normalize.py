"""`normalize` gives exactly what the straightforward per-character form gives.

The module keeps its offset map as runs, translates widths only in the runs that need it,
tries a chrome pattern only where its text occurs, skips OpenCC for a report holding no
character it could change, and writes the pinyin and decimal-point patterns with their
literal first (the fast paths of a stage that costs a fifth of the end-to-end time without
them: bench/stages.py). The reference below keeps one source index per character and runs
every pattern as first written. Both must agree on the text, the script and every source
index, on the reports and on random texts made of the debris the normaliser removes.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from gknlp.read import read_file
from gknlp.text import normalize as N
from gknlp.text.pinyin import TONED

REPO = Path(__file__).resolve().parents[2]

# the patterns as first written: a look-behind first, so tried at every character
_PINYIN = re.compile(rf"(?<=[\u3400-\u9fff])\((?=[a-z{TONED}]*[{TONED}])[a-z{TONED}]{{1,7}}\)")
_FULLWIDTH_POINT = re.compile(r"(?<=\d)．(?=\d)")
_CJK_RUN = re.compile("[\u4e00-\u9fff]+")


def _delete(text: str, index: list[int], pattern: re.Pattern[str]) -> tuple[str, list[int]]:
    keep_text, keep_index, pos = [], [], 0
    for m in pattern.finditer(text):
        keep_text.append(text[pos:m.start()])
        keep_index.extend(index[pos:m.start()])
        pos = m.end()
    keep_text.append(text[pos:])
    keep_index.extend(index[pos:])
    return "".join(keep_text), keep_index


def _reference_script(text: str) -> str:
    """detect_script without its may_change shortcut: OpenCC sees every head."""
    return N._script_of_cjk("".join(_CJK_RUN.findall(text, 0, 20000)))


def _reference(text: str) -> tuple[str, tuple[int, ...], str]:
    index = list(range(len(text)))
    dropped = "".join(chr(k) for k, v in N._WIDTH.items() if v is None)
    text, index = _delete(text, index, re.compile("[" + re.escape(dropped) + "]+"))
    text = text.translate({k: v for k, v in N._WIDTH.items() if v is not None})
    for pattern in (N._DEBRIS, *(p for p, _ in N._chrome()), _PINYIN, N._PAGE_MARK):
        text, index = _delete(text, index, pattern)
    text = _FULLWIDTH_POINT.sub(".", text)
    script = _reference_script(text)
    if script == "traditional":
        text = N.to_simplified(text)
    return text, tuple(index), script


def _check(text: str) -> None:
    norm = N.normalize(text)
    expected_text, expected_index, expected_script = _reference(text)
    assert (norm.text, norm.script) == (expected_text, expected_script)
    assert norm.source_index == expected_index
    for i in range(len(norm.text)):
        assert norm.to_source(i, i + 1) == (expected_index[i], expected_index[i] + 1)
    for offset in range(len(text) + 2):
        assert norm.from_source(offset) == next((i for i, s in enumerate(expected_index) if s >= offset),
                                                len(norm.text))


_PIECES = ["鄉(xiāng)", "數(shù)", "(abc)", "政府", "公开", "黨委", "培訓", "\r\n", "\n", "\u200b", "\ufeff",
           "\u3000", "\u00a0", "１２３", "ＡＢ", "％", "3．5", "．", "—6—\n", "\n- 4 -\n", "第 3 页 共 9 页\n",
           "[bookmark: _GoBack]", "<!--[if gte mso 9]-->", "<!--x-->", " -->", "附件下载\n",
           "当前位置： 首页政务公开 ", "微信 微博 QQ空间 全真版 文字版", "table.MsoNormalTable {a:b;}",
           "来源： 时间：2023-01-09 16:22", "12", "。", " ", "x", "—", "－ 12 －", "第", "3页", "\u3000第3页",
           "\n\t- 4 -", "<!--", "[bookmark:", "-->", "\t \t-->", "--->",
           " \t附件下载", "附件下载 x"]


def test_normalize_equals_the_per_character_reference_on_random_texts() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        _check("".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 12))))


def _check_files(paths: list[Path]) -> None:
    for path in paths:
        text = read_file(path).text
        norm = N.normalize(text)
        assert (norm.text, norm.source_index, norm.script) == _reference(text), path.name


def test_normalize_equals_the_per_character_reference_on_the_seeds() -> None:
    _check_files(sorted((REPO / "gknlp" / "data" / "samples").glob("*.txt")))


@pytest.mark.corpus
def test_normalize_equals_the_per_character_reference_on_the_corpus(corpus_dir: Path) -> None:
    _check_files(sorted(p for sub in ("raw", "html", "other") if (corpus_dir / sub).is_dir()
                        for p in (corpus_dir / sub).iterdir() if p.suffix in (".txt", ".html", ".md")))


@pytest.mark.parametrize("text", ["", "\u200b", "\u200b\ufeff", "a\rb", "—6—\n", "鄉(xiāng)"],
                         ids=["empty", "all-deleted", "all-deleted-2", "cr", "page-mark-only", "pinyin"])
def test_normalize_edge_cases(text: str) -> None:
    _check(text)


def test_normalize_chrome_contains_is_in_every_match() -> None:
    """`contains` in data/chrome.toml may only skip texts the pattern cannot match."""
    for pattern, contains in N._chrome():
        for piece in _PIECES:
            for m in pattern.finditer(piece):
                assert contains in m.group(), (pattern.pattern, piece)
        assert contains in pattern.pattern.replace("\\", "")


def test_detect_script_equals_the_reference_on_reports_and_their_traditional_forms() -> None:
    """The shortcut never changes the decision: simplified reports, the same reports turned
    traditional by OpenCC s2t, and mixtures with a few traditional characters."""
    import opencc

    s2t = opencc.OpenCC("s2t").convert
    samples = sorted((REPO / "gknlp" / "data" / "samples").glob("*.txt"))
    texts = [read_file(p).text for p in samples]
    texts += [s2t(t) for t in texts]
    rng = random.Random(3)
    for t in list(texts[:len(samples)]):
        chars = list(t)
        for i in rng.sample(range(len(chars)), min(40, len(chars))):
            chars[i] = s2t(chars[i])
        texts.append("".join(chars))
    decisions = [N.detect_script(t) for t in texts]
    assert decisions == [_reference_script(t) for t in texts]
    assert decisions[:len(samples)].count("simplified") >= 3  # one seed is printed in traditional
    assert decisions[len(samples):2 * len(samples)] == ["traditional"] * len(samples)


def test_normalize_blank_led_chrome_starts_cover_every_match() -> None:
    """A chrome pattern reading [ \\t]* + its `contains` text is tried only where
    _blank_led_starts says; every match of the plain scan starts there."""
    blank_led = [(p, c) for p, c in N._chrome() if N._is_blank_led(p, c)]
    assert [c for _, c in blank_led] == ["附件下载", "-->"]
    rng = random.Random(11)
    for _ in range(2000):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 10)))
        for pattern, contains in blank_led:
            starts = set(N._blank_led_starts(text, contains))
            assert all(m.start() in starts for m in pattern.finditer(text)), text
