"""The anchored heading search gives exactly the candidates of the full-text scans.

`sections._candidates` tries the section patterns only where a heading can start;
`sections._candidates_by_scan` runs every pattern over the whole text. They must agree on
the corpus and on random texts built from enumerators, headings and separators.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from gknlp.report import sections
from gknlp.text.normalize import normalize
from gknlp.read import read_file

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted((REPO / "gknlp" / "data" / "samples").glob("*.txt"))

_PIECES = ["一、", "二.", "三，", "五,", "12、", "1.", "3 .", "4．5", "（一）", "(2)", "( 六 )", "（ 10 ）",
           "第三部分", "第五部分：", "第二部分、", "\n", " ", "\t", "\u3000", "。", "；", "：", ":", ";", "一", "六",
           "十", "2023", "1", "内容很多", "关于", "年", "x", ".5", "、", "(", "）", "统一", "一是",
           "7 \t、", "123．", " \n.", "第", "．", "0"]


def _random_text(rng: random.Random) -> str:
    headings = [h for spec in sections._specs() for h in spec.headings]
    parts = []
    for _ in range(rng.randint(0, 14)):
        if rng.random() < 0.3:
            # a heading, sometimes with spaces, breaks or marks between its letters
            parts.append("".join(c + (rng.choice([" ", "\n", "、", "·"]) if rng.random() < 0.1 else "")
                                 for c in rng.choice(headings)))
        else:
            parts.append(rng.choice(_PIECES))
    return "".join(parts)


def _corpus_texts(corpus: Path | None) -> list[str]:
    paths = list(SAMPLES)
    if corpus is not None:
        paths += sorted(p for sub in ("raw", "html", "other") if (corpus / sub).is_dir()
                        for p in (corpus / sub).iterdir() if p.suffix in (".txt", ".html", ".md"))
    return [normalize(read_file(p).text).text for p in paths]


def test_sections_candidates_equal_full_scans_on_random_texts() -> None:
    rng = random.Random(20240601)
    found = 0
    for _ in range(4000):
        text = _random_text(rng)
        expected = sections._candidates_by_scan(text)
        assert sections._candidates(text) == expected, text
        found += any(expected.values())
    assert found > 1000  # the generator does produce headings


def test_sections_candidates_equal_full_scans_on_reports(request: pytest.FixtureRequest) -> None:
    corpus = Path(request.config.getoption("--corpus") or REPO.parent / "shared" / "corpus")
    texts = _corpus_texts(corpus if (corpus / "raw").is_dir() else None)
    for text in texts:
        # also from an offset, as find_sections does after a crawler header
        for part in (text, text[1:], text[len(text) // 3:]):
            assert sections._candidates(part) == sections._candidates_by_scan(part)


@pytest.mark.parametrize("text", ["", "\n", "一", "一总体情况", " 总体情况", "\n\t总体情况：\n", "12、总体情况",
                                  "。 六其他需要报告的事项", "（ 1 ）总体情况", " 、总体情况", "123 \u3000、总体情况",
                                  "1、2、3.总体情况"],
                         ids=["empty", "newline", "numeral", "numeral-heading", "bare-indented", "bare-line",
                              "two-digit", "numeral-after-mark", "spaced-parens", "mark-after-space-at-start",
                              "three-digits-spaces", "digit-list"])
def test_sections_candidates_edge_cases(text: str) -> None:
    assert sections._candidates(text) == sections._candidates_by_scan(text)


def test_sections_paragraph_marks_equal_look_behind_first_forms() -> None:
    """_NUM_MARK and _SHI_MARK put their look-behind after the first character; the matches
    are those of the forms with the look-behind first."""
    import re

    num_mark = re.compile(r"(?<![\d.])(\d{1,2})\s*[.、．](?!\d)")
    shi_mark = re.compile(r"(?<![统唯之])[一二三四五六七八九十]是")
    rng = random.Random(5)
    alphabet = list("0123.、．. 统唯之一二十是x\n")
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        for fast, slow in ((sections._NUM_MARK, num_mark), (sections._SHI_MARK, shi_mark)):
            assert [(m.span(), m.groups()) for m in fast.finditer(text)] == \
                   [(m.span(), m.groups()) for m in slow.finditer(text)], text


_FEES_BEFORE_APPEALS = ("一、概述\n本年度工作情况良好。\n二、主动公开政府信息情况\n主动公开信息120条。\n"
                        "三、依申请公开政府信息情况\n收到申请3件。\n四、政府信息公开的收费及减免情况\n未收取任何费用。\n"
                        "五、因政府信息公开申请行政复议、提起行政诉讼情况\n无。\n六、存在的主要问题及改进措施\n问题不少。\n")
_FEES_AFTER_APPEALS = ("一、总体情况 本年工作平稳。二、主动公开政府信息情况 略。三、收到和处理政府信息公开申请情况 略。"
                       "四、政府信息公开行政复议、行政诉讼情况 000000000000000"
                       "五、信息处理费收取情况 通知收取件数 0 0 0 六、存在的主要问题和改进情况 一是不够及时。")


@pytest.mark.parametrize("text, ended, by, following, next_heading", [
    (_FEES_BEFORE_APPEALS, "requests", "四、政府信息公开的收费及减免情况", "appeals", "五、因政府信息公开申请"),
    (_FEES_AFTER_APPEALS, "appeals", "五、信息处理费收取情况", "problems", "六、存在的主要问题"),
], ids=["pre-2019 template", "local section after appeals"])
def test_sections_fees_heading_ends_the_section_before_it(text: str, ended: str, by: str, following: str,
                                                          next_heading: str) -> None:
    """A fees section (not one of the six) ends the section before it and is not reported;
    the section after it is still found."""
    found = sections.find_sections(text)
    assert list(found) == list(sections.SECTION_KEYS)
    assert found[ended].end == text.index(by)
    assert found[following] is not None and found[following].start == text.index(next_heading)
