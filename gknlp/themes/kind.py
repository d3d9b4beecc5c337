"""Whether a paragraph of 存在的主要问题及改进情况 states problems, measures, or both.

Why: researchers compare what bodies admit with what they promise; the cue words are data
(``data/themes/kind_cues.json``), scored sentence by sentence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from gknlp.data import data_path
from gknlp.themes.features import normalize_text

__all__ = ["paragraph_kind"]

_KIND_CUES = data_path("themes", "kind_cues.json")


@cache
def _kind_cues() -> dict[str, Any]:
    return json.loads(_KIND_CUES.read_text(encoding="utf-8"))


_SENTENCE = re.compile(r"[^。；;！？!?\n]+")
_ENUM = r"^[（(]?[一二三四五六七八九十\d]*[)）、.．]?\s*"


def _alternation(terms: Iterable[str]) -> str:
    return "|".join(map(re.escape, sorted(terms, key=len, reverse=True)))


def _kind_patterns(cues: Mapping[str, Any]) -> tuple[Any, Any, Any, Any]:
    heads = cues.get("heading", {})
    never = "(?!)"  # matches nothing: no heading cues given
    head_p = re.compile(_ENUM + "(?:" + (_alternation(heads.get("problem", [])) or never) + ")")
    head_m = re.compile(_ENUM + "(?:" + (_alternation(heads.get("measure", [])) or never) + ")")
    # a problem cue swallows the next two characters: 不够完善, 有待提高, 仍需加强
    problem = re.compile(f"(?:{_alternation(cues['problem'])})[\u4e00-\u9fff]{{0,2}}")
    measure = re.compile(_alternation(cues["measure"]))
    return head_p, head_m, problem, measure


@cache
def _default_kind_patterns() -> tuple[Any, Any, Any, Any]:
    return _kind_patterns(_kind_cues())


def paragraph_kind(text: str, cues: Mapping[str, Any] | None = None, *,
                   normalized: bool = False) -> str:
    """``"problem"``, ``"measure"`` or ``"mixed"`` for a paragraph of the problems section.

    Cue words are data (``data/themes/kind_cues.json``, or ``cues`` with the same keys). A
    paragraph opening with a sub-heading such as （一）存在的主要问题 or （二）改进措施 takes
    that side. Otherwise each sentence is scored: problem cues are matched first and blanked
    with the two characters after them, so 不够完善 or 仍需加强 is not also read as the
    measure cues 完善/加强; a sentence leans to the side with more cues (ties: ``tie``). The
    paragraph is ``problem``/``measure`` when all leaning sentences agree, else ``mixed``;
    with no cue at all it is ``default``. ``normalized=True`` says ``text`` is already
    :func:`normalize_text`'s output (the theme tagger has it), so it is not done again.
    """
    if cues is None:
        cues = _kind_cues()
        head_p, head_m, p_re, m_re = _default_kind_patterns()
    else:
        head_p, head_m, p_re, m_re = _kind_patterns(cues)
    if not normalized:
        text = normalize_text(text)
    if head_p.match(text):
        return "problem"
    if head_m.match(text):
        return "measure"
    sides = set()
    for sent in _SENTENCE.findall(text):
        sent, n_p = p_re.subn("□", sent)
        n_m = len(m_re.findall(sent))
        if n_p > n_m:
            sides.add("problem")
        elif n_m > n_p:
            sides.add("measure")
        elif n_p:
            sides.add(cues.get("tie", "mixed"))
    if sides == {"problem"}:
        return "problem"
    if sides == {"measure"}:
        return "measure"
    if not sides:
        return cues.get("default", "mixed")
    return "mixed"

