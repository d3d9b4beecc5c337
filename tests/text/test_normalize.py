"""normalize on small texts: what is folded, what is deleted, and the map back to the source."""

from __future__ import annotations

import pytest

from gknlp.text.normalize import detect_script, normalize, to_simplified


@pytest.mark.parametrize("source, text", [
    ("１２３ＡＢｃ％", "123ABc%"),
    ("政府\u3000信息\u00a0公开", "政府 信息 公开"),
    ("\ufeff公开\u200b栏\r\n", "公开栏\n"),
    ("增长3．5个百分点，第．项", "增长3.5个百分点，第．项"),
    ("鄉(xiāng)鎮(zhèn)", "乡镇"),
    ("公开(abc)栏", "公开(abc)栏"),
    ("上文\n—6—\n下文\n- 4 -\n第 3 页 共 9 页\n末", "上文\n下文\n末"),
    ("—1—\n  第2页\n第一部分 - 3 -\n\n第3页共9页\n- 5 -", "第一部分 - 3 -\n\n"),
    ("正文[bookmark: _GoBack]<!--[if gte mso 9]-->完", "正文完"),
    ("甲<!--注<!--释-->乙<!--未完[bookmark: x丙", "甲乙<!--未完[bookmark: x丙"),
    ("", ""),
], ids=["widths", "spaces", "invisible-and-cr", "decimal-point", "pinyin-traditional", "not-pinyin",
        "page-footers", "page-footers-first-last-indented", "word-debris", "unclosed-debris", "empty"])
def test_normalize_text(source: str, text: str) -> None:
    assert normalize(source).text == text


def test_normalize_maps_back_to_the_source() -> None:
    source = "\ufeff一、总体情况—6—\n\n鄉(xiāng)村12件"
    norm = normalize(source)
    assert norm.text == "一、总体情况—6—\n\n乡村12件"
    start = norm.text.index("12件")
    assert norm.to_source(start, start + 3) == (source.index("12件"), source.index("12件") + 3)
    assert source[slice(*norm.to_source(0, 6))] == "一、总体情况"
    village = norm.text.index("村")
    assert norm.to_source(village, village + 1) == (source.index("村"), source.index("村") + 1)
    assert norm.from_source(source.index("(")) == village  # a deleted character maps to the next kept one
    assert norm.from_source(len(source)) == len(norm.text)


@pytest.mark.parametrize("text, script", [
    ("本年度政府信息公开工作情况良好。", "simplified"),
    ("本年度政府資訊公開工作情況良好，繼續推進。", "traditional"),
    ("", "simplified"),
], ids=["simplified", "traditional", "empty"])
def test_detect_script(text: str, script: str) -> None:
    assert detect_script(text) == script


@pytest.mark.parametrize("text, script", [
    ("本年度政府信息公开工作覆盖全区。" * 30, "simplified"),     # 1 flagged of 14: t2s decides
    ("本年度政府信息公开工作情况良好，覆盖全区。" * 40, "simplified"),  # 5%: t2s decides (覆盖 stays)
    ("本年度政府信息公开工作情况良好，持续推进。" * 60 + "覆盖", "simplified"),  # decided without t2s
    ("本年度政府信息公开工作情况良好，持续推进。" * 120 + "資訊公開" * 30, "traditional"),  # past the prefix
], ids=["flagged-dense", "flagged-5pc", "flagged-rare", "traditional-late"])
def test_detect_script_bound_agrees_with_opencc(text: str, script: str) -> None:
    """The bound (flagged characters over a prefix's CJK characters) never decides otherwise than
    OpenCC run on the whole sample."""
    from gknlp.text.normalize import _NON_CJK, _script_of_cjk

    assert detect_script(text) == script == _script_of_cjk(_NON_CJK.sub("", text[:20000]))


def test_to_simplified_keeps_the_length() -> None:
    text = "鄉鎮政府資訊公開\n頭髮"
    out = to_simplified(text)
    assert out == "乡镇政府资讯公开\n头发"
    assert len(out) == len(text)


def test_normalize_reads_unclosed_debris_openers_in_one_pass() -> None:
    """Thousands of ``<!--`` or ``[bookmark:`` with no closer after them (hostile input) are
    kept as text without scanning to the end of the text from each (7.6 s for 20,000 before)."""
    import time

    for opener in ("<!--", "[bookmark:"):
        text = "正文" + opener * 50_000 + "完"
        started = time.process_time()
        assert normalize(text).text == text
        assert time.process_time() - started < 2
    closed = "<!--" * 50_000 + "-->正文"
    assert normalize(closed).text == "正文"
