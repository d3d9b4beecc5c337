"""The theme features' fast paths give what the reference functions give.

``normalize_text`` against the plain regex, OpenCC and NFKC steps it was written as.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

import pytest

from gknlp.text.pinyin import drop_glosses
from gknlp.text import t2s as t2s_changes
from gknlp.themes import features as theme_features
from gknlp.themes.features import normalize_text


ODD_TEXTS = ["", " ", "a", "培训", "公开  栏\n\n公示 栏", " 两头 ", "1\t\t2", "（一）加强培训，",
             "ｅ\u0301", "e\u0301", "가\u11a8", "\u1100\u1161", "ﬁ", "…", "①②", "㈠",
             "𠮷野家", "，\u0301", "e，\u0301", "宣傳展板(biāo)、懸掛\u3000\u3000條幅",
             "\x00\x00", "信息公开\n政务公开", "政府信息公开工作年度报告"]


def test_theme_features_whitespace_fold_is_the_regex():
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        assert (re.match(r"\s", ch) is not None) == ch.isspace(), hex(code)


def _reference_normalize(text: str) -> str:
    text = drop_glosses(text)
    text = unicodedata.normalize("NFKC", t2s_changes.t2s().convert(text))
    return re.sub(r"\s+", " ", text).strip()


def test_theme_features_normalize_equals_the_plain_steps(paragraphs):
    for text in paragraphs + ODD_TEXTS:
        assert normalize_text(text) == _reference_normalize(text)


# ------------------------------------------------------------ OpenCC skipped on simplified text


def _opencc_dict_tool() -> bool:
    import opencc

    return (Path(opencc.__file__).parent / "clib" / "bin" / "opencc_dict").is_file()


needs_opencc_dict = pytest.mark.skipif(not _opencc_dict_tool(),
                                       reason="this OpenCC build ships no opencc_dict tool")


@needs_opencc_dict
def test_t2s_changes_file_is_built_from_the_installed_opencc():
    assert t2s_changes.build() == t2s_changes.T2S_CHANGES.read_text(encoding="utf-8")


def test_t2s_changes_every_unflagged_character_is_kept():
    convert = t2s_changes.t2s().convert
    for code in range(0x10000):
        ch = chr(code)
        if not t2s_changes.may_change(ch):
            assert convert(ch) == ch, hex(code)
    assert t2s_changes.may_change("\ud800") and t2s_changes.may_change("𠮷")


@needs_opencc_dict
def test_t2s_changes_unflagged_strings_are_kept(paragraphs):
    """Random strings of phrase-key pieces and unflagged characters: OpenCC keeps them."""
    import random

    convert = t2s_changes.t2s().convert
    rng = random.Random(0)
    keys = [key for key, _ in t2s_changes.opencc_t2s_entries() if len(key) > 1]
    kept = [chr(c) for c in range(0x3000, 0xA000) if not t2s_changes.may_change(chr(c))]
    texts = list(paragraphs)
    for _ in range(20_000):
        parts = [rng.choice(keys)[rng.randrange(2):] if rng.random() < 0.5 else rng.choice(kept)
                 for _ in range(rng.randrange(1, 12))]
        texts.append("".join(parts))
    n_unflagged = 0
    for text in texts:
        if not t2s_changes.may_change(text):
            n_unflagged += 1
            assert convert(text) == text, text
    assert n_unflagged > 1000


def test_t2s_changes_flag_traditional_text():
    assert t2s_changes.may_change("宣傳展板")
    assert not t2s_changes.may_change("宣传展板")


def test_theme_features_nfkc_is_unicodedata_nfkc():
    """The full-width forms replaced before NFKC: the same string for each of them alone, before
    a combining mark, after a letter, and in runs."""
    full_width = [chr(c) for c in range(0xFF00, 0xFF70)] + ["\u3000", "\u3001", "\u3002"]
    texts = [ch + tail for ch in full_width for tail in ("", "\u0301", "\u0338", "a", "ｅ", "。")]
    texts += ["e" + ch for ch in full_width] + ["".join(full_width), "".join(reversed(full_width))]
    for text in texts + ODD_TEXTS:
        assert theme_features.nfkc(text) == unicodedata.normalize("NFKC", text), repr(text)


# Act frames (rules P1-P3, P5, A1-A8, A12): made-up sentences, normalised as the model sees them.
CHANNEL_CASES = [
    # building a channel: the act next to the channel word
    ("开设微信公众号,方便群众查询。", {"channel:build", "channel:build:clause", "channel:build:near"},
     {"channel:count"}),
    # publishing through a channel and counting what was posted (P2)
    ("通过微信公众号发布文章120篇,阅读量3万次。",
     {"channel:through", "channel:through:near", "channel:count", "channel:count:only"},
     {"channel:build"}),
    # a count beside a channel that was also set up: count, but not "only"
    ("新增专栏3个,在专栏共发布信息20条。", {"channel:build:near", "channel:count"}, {"channel:count:only"}),
    # checking a channel (P3)
    ("每月对网站开展巡查。", {"channel:check", "channel:check:near"}, {"channel:build"}),
    # a shortcoming of a channel (a P1 problem)
    ("部分栏目内容不够丰富。", {"channel:problem", "channel:problem:near"}, set()),
    # 12345 and service platforms are not disclosure channels (P5): masked
    ("优化12345便民服务平台。", set(), {"channel:weak", "channel:build"}),
    # far apart in one clause: same clause, not near
    ("建立健全本局各类工作制度并在门户网站公开。", {"channel:weak:clause"}, {"channel:weak:near"}),
    # no channel word: nothing
    ("开设培训班两期。", set(), {"channel:build"}),
    # a channel word but no act: nothing; an act in another sentence is not the channel's
    ("门户网站内容丰富。", set(), {"channel:build", "channel:weak", "channel:through", "channel:check"}),
    ("门户网站运行平稳。开设培训班两期。", {"channel:weak", "channel:weak:near"},
     {"channel:build", "channel:build:clause"}),
    # the channel heads the object of the act, across a list with 、 (P1)
    ("设立“十四五”规划和专项规划、空间规划、区域规划专栏。", {"channel:build:object", "channel:build:clause"},
     {"channel:build:near"}),
    # an attributive act (开设的) is no act: checking accounts is not building them (P3)
    ("对各单位开设的政务新媒体账号开展检查。", {"channel:check:near", "work:check:near"},
     {"channel:build:clause", "channel:build:near"}),
    # words inside a cited title are not the paragraph's acts (A12)
    ("转载《福建省政府门户网站开通疫情防控诉求与建议通道》等信息。", set(),
     {"channel:build", "channel:build:near"}),
    # only published through a channel (P2)
    ("通过门户网站公开信息200条。", {"channel:through:near:only", "channel:count:only"}, {"channel:build"}),
    ("在门户网站开设专栏,在专栏公开信息200条。", {"channel:through:near", "channel:build:near"},
     {"channel:through:near:only", "channel:count:only"}),
    # checks of the disclosure work itself (A2/A3), and complaints about it (A6, C8)
    ("将政务公开工作纳入绩效考核。", {"work:check:near"}, set()),
    ("未收到对本机关政府信息公开工作的投诉、举报。", {"work:complaint:near"}, {"work:check"}),
    # 监督/检查 as disclosed content, or in a body's name, is not a check of the work (A1)
    ("公开环保督察信息、环境监管执法信息。", set(), {"work:check"}),
    ("市场监督管理局政务公开工作稳步推进。", set(), {"work:check"}),
    # a 监督保障 heading over 保密审查 and 发布审核 (A5, A8)
    ("(五)监督保障。加强政务公开保密审查,严格发布审核。", set(), {"work:check"}),
]


@pytest.mark.parametrize("text, present, absent", CHANNEL_CASES,
                         ids=[f"channel-{i}" for i in range(len(CHANNEL_CASES))])
def test_theme_features_channel_acts(text, present, absent):
    feats = set(theme_features.channel_acts(normalize_text(text)))
    assert present <= feats, feats
    assert not (absent & feats), feats


def test_theme_features_anchored_clauses_are_the_clauses_with_anchors(paragraphs):
    """The anchors found once per sentence, placed in their clauses: each clause's own matches."""
    texts = [normalize_text(t) for t in paragraphs] + ["网站，栏目：专栏，，网站", "，网站", "网站，", "，"]
    for frame in theme_features.channel_act_patterns():
        for text in texts:
            for sentence in re.split("[。；;！!？?]", text):
                if not frame.anchor.search(sentence):
                    continue   # (channel_acts looks only at sentences with an anchor)
                expected = [(clause, spans) for clause in frame.clause.split(sentence)
                            if (spans := [m.span() for m in frame.anchor.finditer(clause)])]
                assert theme_features._anchored_clauses(frame, sentence) == expected, sentence
