"""The anchored heading search gives exactly the candidates of the full-text scans.

`sections._candidates` tries the section patterns only where a heading can start (a fast
path: the plain scans below cost ten times the whole sections stage); `candidates_by_scan`,
the reference, runs every pattern over the whole text. They must agree on the corpus and on
random texts built from enumerators, headings and separators.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from gknlp.read import read_file
from gknlp.report import sections
from gknlp.report.sections import _Candidate, _bare_pattern, _heading_pattern, _heading_score, _numeral_pattern
from gknlp.report.sections import _specs, ordinal
from gknlp.text.normalize import normalize

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted((REPO / "gknlp" / "data" / "samples").glob("*.txt"))


def candidates_by_scan(text: str) -> dict[str, list[_Candidate]]:
    """The reference form of `sections._candidates`: every pattern scans the whole text."""
    out: dict[str, list[_Candidate]] = {}
    for spec in _specs():
        cands = [_Candidate(spec.key, m.start(), m.end(), _heading_score(text, m, spec))
                 for m in _heading_pattern(spec.key).finditer(text)]
        for m in _bare_pattern(spec.key).finditer(text):
            cands.append(_Candidate(spec.key, m.start("head"), m.end(), 8.0))
        for m in _numeral_pattern(spec.key).finditer(text):
            if ordinal(m["enum"]) == spec.ordinal:
                cands.append(_Candidate(spec.key, m.start("enum"), m.end(), 9.0))
        out[spec.key] = sorted(cands, key=lambda c: c.start)
    return out

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


def _texts(paths: list[Path]) -> list[str]:
    return [normalize(read_file(p).text).text for p in paths]


def test_sections_candidates_equal_full_scans_on_random_texts() -> None:
    rng = random.Random(20240601)
    found = 0
    for _ in range(4000):
        text = _random_text(rng)
        expected = candidates_by_scan(text)
        assert sections._candidates(text) == expected, text
        found += any(expected.values())
    assert found > 1000  # the generator does produce headings


def _check_reports(texts: list[str]) -> None:
    for text in texts:
        # also from an offset, as find_sections does after a crawler header
        for part in (text, text[1:], text[len(text) // 3:]):
            assert sections._candidates(part) == candidates_by_scan(part)


def test_sections_candidates_equal_full_scans_on_the_seeds() -> None:
    _check_reports(_texts(SAMPLES))


@pytest.mark.corpus
def test_sections_candidates_equal_full_scans_on_the_corpus(corpus_dir: Path) -> None:
    _check_reports(_texts(sorted(p for sub in ("raw", "html", "other") if (corpus_dir / sub).is_dir()
                                 for p in (corpus_dir / sub).iterdir() if p.suffix in (".txt", ".html", ".md"))))


@pytest.mark.parametrize("text", ["", "\n", "一", "一总体情况", " 总体情况", "\n\t总体情况：\n", "12、总体情况",
                                  "。 六其他需要报告的事项", "（ 1 ）总体情况", " 、总体情况", "123 \u3000、总体情况",
                                  "1、2、3.总体情况"],
                         ids=["empty", "newline", "numeral", "numeral-heading", "bare-indented", "bare-line",
                              "two-digit", "numeral-after-mark", "spaced-parens", "mark-after-space-at-start",
                              "three-digits-spaces", "digit-list"])
def test_sections_candidates_edge_cases(text: str) -> None:
    assert sections._candidates(text) == candidates_by_scan(text)
