"""Quoted counts in report narrative (``累计张贴通告125多次`` → value 125, more_than, 次).

The grammar runs on raw characters, not tokens: jieba splits ``125多次`` and glues
classifiers to nouns, so token rules miss counts. One regular expression finds
``[approx] numeral [多|余] unit [以上|左右]``; the clause to its left supplies the
qualifier (共, 累计…), the change direction (增加, 减少…) and the counted noun; the
category comes from patterns kept in ``gknlp/data/counts/categories.json``.
What is counted is the noun after the measure word when one is written there
(``关停3个长期未更新的政务新媒体`` → 政务新媒体), else the noun before the number without
its verb, unless the verb is part of the noun (``不予公开3件``). Each count also looks at
the one before it in its sentence: a change in the same unit (``较上年增加3件``) becomes
that count's ``change``; a bare ``占40%`` is about it; items of a list it opens take its
category. The scan is linear in the text: numbers begin only where no numeral precedes
them and are bounded in length, and clause and sentence starts come from delimiter
positions found once per text.
All domain words (units, cues, categories, fixed names) are data files; this module
holds only the engine. It never imports spaCy.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from bisect import bisect_right
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Final

from gknlp.counts.numerals import parse_number
from gknlp.data import data_path
from gknlp.text.anchored import anchored_matches
from gknlp.text.pinyin import BRACKETED_LATIN
from gknlp.types import to_json_number

__all__ = ["Count", "find_counts", "count_dicts", "APPROX_VALUES", "DELTA_VALUES"]

APPROX_VALUES: Final[tuple[str, ...]] = ("exact", "more_than", "about", "at_least", "less_than")
DELTA_VALUES: Final[tuple[str | None, ...]] = (None, "increase", "decrease")


@dataclass(frozen=True, slots=True)
class Count:
    """One quoted count; offsets are Python str indices into the text searched."""

    text: str
    start: int
    end: int
    value: Decimal
    value_max: Decimal | None
    approx: str
    qualifier: str | None
    delta: str | None
    unit: str
    counted: str | None
    category: str
    value_text: str
    change: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form: Decimals become int/float, ``value_text`` keeps the digits."""
        return _json_form({f: getattr(self, f) for f in _COUNT_FIELDS})  # asdict() deep-copies: slow


_COUNT_FIELDS: Final[tuple[str, ...]] = tuple(f.name for f in fields(Count))


def _json_form(d: dict[str, Any]) -> dict[str, Any]:
    """A count's fields (as a dict) in JSON-friendly form, in place."""
    d["value"] = _json_number(d["value"])
    if d["value_max"] is not None:
        d["value_max"] = _json_number(d["value_max"])
    change = d.get("change")
    if change is not None:
        d["change"] = {**change, "value": _json_number(change["value"])}
    return d


def _json_number(value: Decimal) -> int | float:
    """Integral Decimals become ints (exact); others floats (``value_text`` keeps digits)."""
    return to_json_number(value)


# --------------------------------------------------------------------------- data

_DATA_DIR: Final[Path] = data_path("counts")


@dataclass(frozen=True, slots=True)
class _Rules:
    """Compiled data files; built once, never mutated."""

    units: dict[str, str]
    count_re: re.Pattern[str]
    count_hint: re.Pattern[str]
    prefix_max: int
    extra_res: tuple[tuple[re.Pattern[str], re.Pattern[str], tuple[str, ...], re.Pattern[str] | None], ...]
    qualifier_re: re.Pattern[str]
    qualifier_mask_re: re.Pattern[str]
    approx_prefix: dict[str, str]
    approx_inner: dict[str, str]
    approx_outer: dict[str, str]
    bare_only_prefixes: frozenset[str]
    delta: dict[str, str]
    delta_cues: tuple[str, ...]
    verbs_re: re.Pattern[str]
    verbs: frozenset[str]
    compound_re: re.Pattern[str]
    joined_re: re.Pattern[str]
    short_rest_verbs: dict[str, re.Pattern[str]]
    then_verb_re: re.Pattern[str]
    right_stop_re: re.Pattern[str]
    right_not_start: tuple[str, ...]
    right_max: int
    modifier_re: re.Pattern[str]
    head_after: tuple[str, ...]
    generic_heads: tuple[str, ...]
    measure_nouns_re: re.Pattern[str]
    owner_re: re.Pattern[str]
    clause_openers: tuple[str, ...]
    share_re: re.Pattern[str]
    change_re: re.Pattern[str]
    list_opener_re: re.Pattern[str]
    list_item_keeps: dict[str, frozenset[str]]
    list_break_re: re.Pattern[str]
    clause_delims: frozenset[str]
    clause_delim_re: re.Pattern[str]
    sentence_delim_re: re.Pattern[str]
    bare_hundreds: dict[str, int]
    link_suffixes: tuple[str, ...]
    lone_articles: frozenset[str]
    not_before_number: tuple[str, ...]
    not_after_unit_re: re.Pattern[str]
    fixed_re: re.Pattern[str]
    slogan_re: re.Pattern[str]
    not_after_ge_re: re.Pattern[str]
    trailing_strip: tuple[str, ...]
    connectors: tuple[str, ...]
    sentence_window: int
    clause_window: int
    categories: tuple[dict[str, Any], ...]
    unit_categories: dict[str, str]
    pass_categories: tuple[tuple[str, tuple[tuple[frozenset[str] | None, re.Pattern[str], str], ...]], ...]
    fallback: str


def _load(name: str) -> Any:
    """Read one JSON data file shipped in ``gknlp/data/counts``."""
    path = _DATA_DIR / name
    return json.loads(path.read_text(encoding="utf-8"))


_PLAIN_CLASS: Final[re.Pattern[str]] = re.compile(r"\[([^\]\\^\-\[]+)\]")


def _class_chars(pattern: str) -> tuple[str, ...]:
    """The characters of a pattern written as a plain class (``[数量]``), one of which every match
    of a pattern opening with it holds; () (no such test) for any other pattern."""
    m = _PLAIN_CLASS.fullmatch(pattern)
    return tuple(m.group(1)) if m else ()


def _alternation(words: list[str] | tuple[str, ...]) -> str:
    """Regex alternation, longest first so ``人次`` beats ``人``."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _alternation_by_first(words: list[str]) -> str:
    """`_alternation` with the words grouped by their first character (``一(?:网通办|带一路)|两…``):
    the same matches, as words of different first characters never match at one place, but a
    pattern scanned over every paragraph tries one group where a character opens some word, not
    a hundred words."""
    groups: dict[str, list[str]] = {}
    for word in sorted(set(words), key=len, reverse=True):
        groups.setdefault(word[0], []).append(re.escape(word[1:]))
    return "|".join(f"{re.escape(first)}(?:{'|'.join(rests)})" for first, rests in groups.items())


_DEBRIS_RE: Final[re.Pattern[str]] = BRACKETED_LATIN
"""Pinyin annotations left by crawled pages (``鄉(xiāng)``); masked before matching."""
_MASK: Final[str] = "\ue000"

_DIGITS: Final[str] = "0-9０-９"
_CN_NUMERALS: Final[str] = "〇零一二两兩三四五六七八九十百千万萬亿億"
_LARGE: Final[str] = "万萬亿億"
_RANGE_SEP: Final[str] = r"\s{0,2}(?:-|－|~|～|〜|至|到|—)\s{0,2}"
_RANGE_SEP_RE: Final[re.Pattern[str]] = re.compile(_RANGE_SEP)
_NUMBER_CHARS: Final[frozenset[str]] = frozenset(
    "0123456789０１２３４５６７８９" + _CN_NUMERALS + ",，.．" + "-－~～〜至到—")
"""Every character a grammar number holds but spaces (digits, numerals, separators of thousands,
decimals and ranges): `_scan_start` steps back over them."""
_SPACES_RE: Final[re.Pattern[str]] = re.compile(r"\s")
_TIME_PREFIX_RE: Final[re.Pattern[str]] = re.compile(
    r"^(?:[0-9０-９]{4}年度?|今年以来|今年|本年度|本年|上年度|上年|年内|全年|上半年|下半年|以来|截至目前|目前|同时|此外|另外|并|已|还|先后|共|了|等)+"
)
_COMPARISON_TAIL_RE: Final[re.Pattern[str]] = re.compile(
    r"(?:较|比|同比|与)(?:上年|去年|上一年度?|上年度|[0-9０-９]{4}年度?|同期)?(?:同期)?(?:相比|相较)?$"
)
_TITLE_RE: Final[re.Pattern[str]] = re.compile(r"《[^《》]{0,80}》")


_PASSES: Final[tuple[str, ...]] = ("verb_and_counted", "strong_verb", "counted", "verb", "clause", "sentence")
"""Category passes, narrowest evidence first (see categories.json)."""


def _numbers(max_digits: int, max_numerals: int) -> tuple[str, str]:
    """Arabic and Chinese numeral patterns. Each begins only where no numeral precedes it and
    is bounded in length, so a run of a million numerals costs one attempt, not one per
    character (the scan stays linear)."""
    d = _DIGITS
    ar = (
        rf"[{d}]{{1,{max_digits}}}(?![{d}])(?:[,，][{d}]{{3}}(?![{d}]))*"
        rf"(?:[.．][{d}]{{1,{max_digits}}}(?![{d}]))?(?:\s?[十百千{_LARGE}])?"
    )
    cn = rf"[{_CN_NUMERALS}]{{1,{max_numerals}}}(?![{_CN_NUMERALS}])"
    return ar, cn


@cache
def _rules() -> _Rules:
    """Load and compile the data files once."""
    unit_data = _load("units.json")["units"]
    cues = _load("cues.json")
    cats = _load("categories.json")
    units = {u["unit"]: u["kind"] for u in unit_data}
    prefix = cues["approx_prefix"]
    inner = cues["approx_suffix_inner"]
    outer = cues["approx_suffix_outer"]
    num_ar, num_cn = _numbers(int(cues["max_integer_digits"]), int(cues["max_numeral_chars"]))
    not_num = rf"(?<![{_DIGITS}.．A-Za-z{_CN_NUMERALS}])"
    number = rf"{not_num}(?:{num_ar}|{num_cn})(?:{_RANGE_SEP}(?:{num_ar}|{num_cn}))?"
    # A count starts with an approx prefix or a numeral. Saying so in a lookahead lets `re`
    # reject other characters at once; without it the optional prefix is tried at every
    # position. After the number comes an inner approx word or the unit, so their first
    # letters: saying so lets `re` give up on a number (a year, 一 in 进一步) before trying
    # every unit. (Kept while counts are >= 5% of the end-to-end time: bench/stages.py.)
    first_chars = "".join(re.escape(ch) for ch in sorted({w[0] for w in prefix} | set(_CN_NUMERALS)))
    unit_chars = "".join(re.escape(ch) for ch in sorted({w[0] for w in [*inner, *units]}))
    count_re = re.compile(
        rf"(?=[{_DIGITS}{first_chars}])"
        rf"(?:(?P<prefix>{_alternation(list(prefix))})\s?)?"
        rf"(?P<num>{number})"
        rf"(?=\s?[{unit_chars}])"
        rf"\s?(?P<inner>{_alternation(list(inner))})?"
        rf"(?P<unit>{_alternation(list(units))})"
        rf"(?P<outer>{_alternation(list(outer))})?"
    )
    # Every grammar match holds a numeral followed by the first letter of a unit or inner approx
    # word (the number's last character, the look-ahead after it): a text without that pair has
    # none, and this pattern, opening with a class, finds the pair several times faster than
    # the grammar can be tried at every character (most paragraphs quote no count).
    count_hint = re.compile(rf"[{_DIGITS}{_CN_NUMERALS}]\s?[{unit_chars}]")
    # A bare number after an X数/X量 noun (empty unit), and 百分之N (unit %).
    unit_alt = _alternation(list(units))
    bare_re = re.compile(
        rf"(?<={cues['bare_number_nouns']})(?:{_alternation(cues['bare_number_links'])})?\s?"
        rf"(?P<prefix>{_alternation([w for w in prefix if w not in cues['bare_only_prefixes']])})?\s?"
        rf"(?P<num>{not_num}{num_ar})(?P<inner>)(?P<unit>)(?P<outer>{_alternation(list(outer))})?"
        rf"(?![{_DIGITS}.．、）)%％年月日时号十百千{_LARGE}]|\s?(?:{unit_alt}|{_alternation(list(inner))}))"
    )
    percent_re = re.compile(
        rf"(?P<prefix>{_alternation(list(prefix))})?(?P<pct>{_alternation(cues['percent_words'])})"
        rf"(?P<num>{num_cn}|{num_ar})(?P<inner>)(?P<unit>)(?P<outer>{_alternation(list(outer))})?"
    )
    categories = tuple(
        {
            "name": c["name"],
            "units": frozenset(c["units"]) if c.get("units") else None,
            **{k: re.compile(c[k]) for k in _PASSES if k in c},
        }
        for c in cats["categories"]
    )
    # Lookup tables for _category, in file order: categories decided by unit alone, then per
    # pass the entries having a pattern for it.
    unit_categories: dict[str, str] = {}
    for entry in categories:
        if entry["units"] is not None and not any(k in entry for k in _PASSES):
            for unit in entry["units"]:
                unit_categories.setdefault(unit, entry["name"])
    pass_categories = tuple(
        (key, tuple((e["units"], e[key], e["name"]) for e in categories if key in e)) for key in _PASSES
    )
    clause_delims = frozenset(cues["clause_delimiters"]) | {" ", "\u3000", "\xa0"}
    sentence_delims = frozenset(cues["sentence_delimiters"])
    quote_max = int(cues["quoted_slogan_max"])
    return _Rules(
        units=units,
        count_re=count_re,
        count_hint=count_hint,
        prefix_max=max(map(len, prefix), default=0),
        extra_res=(
            (bare_re, re.compile(cues["bare_number_nouns"] + rf"[^{_DIGITS}]{{0,3}}[{_DIGITS}]"),
             _class_chars(cues["bare_number_nouns"]),
             re.compile(cues["bare_number_nouns"]) if _class_chars(cues["bare_number_nouns"]) else None),
            (percent_re, re.compile(_alternation(cues["percent_words"])), tuple(cues["percent_words"]), None),
        ),
        qualifier_re=re.compile(_alternation(cues["qualifiers"])),
        qualifier_mask_re=re.compile(_alternation(cues["qualifier_false_friends"])),
        approx_prefix=prefix,
        approx_inner=inner,
        approx_outer=outer,
        bare_only_prefixes=frozenset(cues["bare_only_prefixes"]),
        delta=cues["delta"],
        delta_cues=tuple(sorted(cues["delta"], key=len, reverse=True)),
        verbs_re=re.compile(_alternation(cues["verbs"])),
        verbs=frozenset(cues["verbs"]),
        compound_re=re.compile(_alternation(cues["compound_nouns"])),
        joined_re=re.compile(_alternation([w for w in cues["compound_nouns"] if set(w) & clause_delims] or ["\ue001"])),
        short_rest_verbs={k: re.compile(v) for k, v in cues["short_rest_verbs"].items()},
        then_verb_re=re.compile(rf"(?:并且|并|后)(?:{_alternation(cues['verbs'])})"),
        right_stop_re=re.compile(_alternation(cues["right_noun_stop"])),
        right_not_start=tuple(sorted(cues["right_noun_not_start"], key=len, reverse=True)),
        right_max=int(cues["right_noun_max"]),
        modifier_re=re.compile(_alternation([*cues["modifier_markers"], *cues["verbs"]])),
        head_after=tuple(cues["head_after"]),
        generic_heads=tuple(sorted(cues["generic_heads"], key=len, reverse=True)),
        measure_nouns_re=re.compile(f"(?:{_alternation(cues['measure_nouns'])})$"),
        owner_re=re.compile(cues["owner_prefixes_re"]),
        clause_openers=tuple(sorted(cues["clause_openers"], key=len, reverse=True)),
        share_re=re.compile(_alternation(cues["share_words"])),
        change_re=re.compile(cues["change_re"]),
        list_opener_re=re.compile(cues["list_openers_re"]),
        list_item_keeps={k: frozenset(v) for k, v in cues["list_item_keeps"].items()},
        list_break_re=re.compile("[" + re.escape(cues["list_breaks"]) + "]"),
        clause_delims=clause_delims,
        clause_delim_re=re.compile("[" + "".join(re.escape(ch) for ch in sorted(clause_delims)) + "]"),
        sentence_delim_re=re.compile("[" + "".join(re.escape(ch) for ch in sorted(sentence_delims)) + "]"),
        bare_hundreds=cues["bare_hundreds"],
        link_suffixes=tuple(sorted(cues["link_suffixes"], key=len, reverse=True)),
        lone_articles=frozenset(cues["lone_article_numerals"]),
        not_before_number=tuple(cues["not_before_number"]),
        not_after_unit_re=re.compile("|".join(cues["not_after_unit_re"])),
        not_after_ge_re=re.compile("|".join(cues["not_after_ge_re"])),
        trailing_strip=tuple(sorted(cues["trailing_strip"], key=len, reverse=True)),
        connectors=tuple(cues["connectors"]),
        fixed_re=re.compile(
            "|".join([_alternation_by_first(cues["fixed_names"]), *cues.get("fixed_names_re", [])])
        ),
        slogan_re=re.compile(rf"[“\"「‘][^“”\"「」‘’]{{1,{quote_max}}}[”\"」’]"),
        sentence_window=int(cues["sentence_window"]),
        clause_window=int(cues["clause_window"]),
        categories=categories,
        unit_categories=unit_categories,
        pass_categories=pass_categories,
        fallback=cats["fallback"],
    )


# ------------------------------------------------------------------------- engine


def _mask_debris(text: str) -> str:
    """Replace pinyin debris by a same-length private-use run (offsets unchanged)."""
    if "(" not in text and "（" not in text:  # every match opens with one: a fast test first
        return text
    return _DEBRIS_RE.sub(lambda m: _MASK * len(m.group()), text)


class _Spans:
    """Sorted, merged character spans, asked whether a span overlaps one (by bisection)."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for s, e in sorted(spans):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        self.starts = [s for s, _ in merged]
        self.ends = [e for _, e in merged]

    def overlaps(self, a: int, b: int) -> bool:
        i = bisect_right(self.starts, a) - 1
        if i >= 0 and self.ends[i] > a:
            return True
        return i + 1 < len(self.starts) and self.starts[i + 1] < b


class _Context:
    """What one paragraph offers every count in it, computed once: the text reversed (so a
    clause or sentence start is one bounded search back from the number, never a scan back to
    the start of the text), and the spans whose numerals are names, titles or slogans."""

    def __init__(self, masked: str, rules: _Rules) -> None:
        # a delimiter inside a compound noun (政策、规范性文件) breaks no clause
        joined = rules.joined_re.sub(lambda x: _MASK * len(x.group()), masked) if rules.joined_re.search(masked) else masked
        self._reversed = joined[::-1]
        self._n = len(masked)
        self._rules = rules
        self.blocked = _Spans(
            [m.span() for m in rules.fixed_re.finditer(masked)] + [m.span() for m in _TITLE_RE.finditer(masked)]
        )
        self._masked = masked
        self._slogans: _Spans | None = None

    @property
    def slogans(self) -> _Spans:
        """Short quotations (only Chinese numerals ask, so built on first use)."""
        if self._slogans is None:
            self._slogans = _Spans([m.span() for m in self._rules.slogan_re.finditer(self._masked)])
        return self._slogans

    def _after_last(self, delim_re: re.Pattern[str], pos: int, window: int) -> int:
        """Index after the last delimiter in the ``window`` characters before ``pos``
        (``pos - window`` when there is none there: callers never look further)."""
        r = self._n - pos
        m = delim_re.search(self._reversed, r, r + window)
        return self._n - m.start() if m else max(0, pos - window)

    def clause_start(self, masked: str, pos: int) -> int:
        """Index after the nearest clause delimiter left of ``pos`` (spaces next to it ignored)."""
        i = pos
        while i > 0 and masked[i - 1] in " \u3000\xa0":
            i -= 1
        return self._after_last(self._rules.clause_delim_re, i, self._rules.clause_window)

    def sentence_start(self, pos: int) -> int:
        """Index after the nearest sentence delimiter left of ``pos``."""
        return self._after_last(self._rules.sentence_delim_re, pos, self._rules.sentence_window)


_PLAIN_DIGITS_MAX: Final[int] = 28
"""Plain ASCII digits shorter than this are read by `Decimal` alone (within its 28-digit context)."""


def _parse_value(num: str) -> tuple[Decimal, Decimal | None]:
    """Low and high value of a numeral or a range (``3-5`` → 3, 5); spaces inside dropped."""
    if num.isascii() and num.isdigit() and len(num) < _PLAIN_DIGITS_MAX:  # most counts: 125
        return Decimal(num), None  # (as parse_number gives it: an integer, exponent 0)
    parts = _RANGE_SEP_RE.split(num)
    low = parse_number(_SPACES_RE.sub("", parts[0]))
    high = parse_number(_SPACES_RE.sub("", parts[1])) if len(parts) > 1 else None
    return low, high


def _shield(s: str, rules: _Rules) -> str:
    """``s`` with its compound nouns masked (same length), so verbs inside them are not seen."""
    return rules.compound_re.sub(lambda x: _MASK * len(x.group()), s)


def _strip_verbs(s: str, rules: _Rules) -> tuple[str, str | None]:
    """Drop the text up to and including the first verb, then any further leading verbs.
    Verbs inside a compound noun (不予公开, 信息公开) are not verbs here; a verb in
    ``short_rest_verbs`` stays when only a short noun follows it (主动公开信息数)."""
    verb: str | None = None
    shield = _shield(s, rules)
    m = rules.verbs_re.search(shield)
    if m:
        keep = rules.short_rest_verbs.get(m.group())
        if keep is not None and keep.fullmatch(s, m.end()):
            return s[m.start():], None
        verb = m.group()
        s, shield = s[m.end():], shield[m.end():]
    while True:
        t = _TIME_PREFIX_RE.match(shield)
        cut = t.end() if t else 0
        m2 = rules.verbs_re.match(shield, cut)
        if m2:
            verb = m2.group()
            cut = m2.end()
        if cut == 0:
            then = rules.then_verb_re.search(shield)  # 查处各类违法行为并作出行政处罚决定
            if then is None:
                return s, verb
            verb, cut = then.group(), then.end()
        s, shield = s[cut:], shield[cut:]


def _head(noun: str, rules: _Rules) -> str:
    """The head of a noun phrase written left of the number: after the last ``head_after`` word
    (医用耗材价格等信息 → 信息), then after its last 的 (产品质量的监督检查情况 → 监督检查情况),
    without an owner (我区各级单位政府信息 → 政府信息)."""
    for word in rules.head_after:
        k = noun.rfind(word)
        if k >= 0 and len(noun) - k - len(word) >= 2:
            noun = noun[k + len(word):]
    k = noun.rfind("的")
    if 0 <= k < len(noun) - 3 or k == 0:
        noun = noun[k + 1:]
    owner = rules.owner_re.match(noun)
    if owner and len(noun) - owner.end() >= 2:
        noun = noun[owner.end():]
    return noun


_MODIFIER_MAX: Final[int] = 8
"""A 的-clause before a right noun is at most this long (维护不及时的网站)."""


def _right_noun(masked: str, text: str, pos: int, rules: _Rules, has_left: bool) -> str | None:
    """The noun written after the measure word (``关停3个长期未更新的政务新媒体``), or None.
    A noun that runs straight into the next number is that number's, unless nothing is
    written left of this one (``接入53个部门2261项事项``)."""
    n = len(masked)
    i = pos
    while i < n and masked[i] == "的":
        i += 1
    if i < n and masked[i] == "《":
        j = masked.find("》", i, i + 40)
        return _clean(text[i + 1 : j]) if j > i + 1 else None
    j = i
    into_number = False
    while j < n and j - i < rules.right_max and masked[j] not in rules.clause_delims:
        if masked[j].isdigit() or masked[j] in _CN_NUMERALS:
            into_number = rules.count_re.match(masked, j) is not None
            if into_number or masked[j].isdigit():
                break
        j += 1
    seg = masked[i:j]
    if not seg or not ("\u4e00" <= seg[0] <= "\u9fff") or seg.startswith(rules.right_not_start):
        return None
    if rules.verbs_re.match(_shield(seg, rules)):
        return None
    k = seg.find("的")
    if 0 < k <= _MODIFIER_MAX and rules.modifier_re.search(_shield(seg, rules), 0, k):
        i, seg = i + k + 1, seg[k + 1:]
    m = rules.right_stop_re.search(rules.qualifier_mask_re.sub(lambda x: _MASK * len(x.group()), seg))
    stopped = m is not None
    if m:
        seg, into_number = seg[: m.start()], False
    k = seg.find("的")
    if k >= 0:
        seg, into_number = seg[:k], False
    v = rules.verbs_re.search(_shield(seg, rules), 1)
    if v:
        seg, into_number = seg[: v.start()], False
    while seg.endswith(rules.trailing_strip):
        tail = next(t for t in rules.trailing_strip if seg.endswith(t))
        seg = seg[: -len(tail)]
    owner = rules.owner_re.match(seg)
    if owner and len(seg) - owner.end() >= 2:
        i, seg = i + owner.end(), seg[owner.end():]
    if len(seg) < (1 if stopped else 2) or (into_number and has_left):
        return None
    return _clean(text[i : i + len(seg)])


def _clean(s: str) -> str | None:
    """Counted noun without pinyin debris or edge punctuation."""
    s = _DEBRIS_RE.sub("", s).strip(" \u3000\xa0“”\"'‘’")
    return s or None


def _category(scopes: dict[str, str], unit: str, rules: _Rules) -> str:
    """First category whose unit constraint and pattern match, pass by pass."""
    name = rules.unit_categories.get(unit)
    if name is not None:
        return name
    for key, entries in rules.pass_categories:
        scope = scopes.get(key)
        if not scope:
            continue
        for units, pattern, name in entries:
            if (units is None or unit in units) and pattern.search(scope):
                return name
    return rules.fallback


def _left_noun(core: str, keep_verbs: bool, rules: _Rules) -> tuple[str, str, str | None, str | None, bool]:
    """Counted noun written left of the number (its head, as a slice of ``core``), the whole
    noun phrase (for the category cues), the verb, the qualifier, and whether the clause is a
    bare share word (``占40%``)."""
    qualifier: str | None = None
    if core.startswith(rules.clause_openers):
        core = core[len(next(w for w in rules.clause_openers if core.startswith(w))):]
    qmasked = rules.qualifier_mask_re.sub(lambda x: _MASK * len(x.group()), core)
    q_matches = list(rules.qualifier_re.finditer(qmasked))
    pre, post = core, ""
    if q_matches:
        q = q_matches[-1]
        qualifier = q.group()
        pre, post = core[: q.start()], core[q.end():]
        for earlier in reversed(q_matches[:-1]):  # 公开信息累计共45条: pre is 公开信息
            if earlier.end() == len(pre):
                pre = pre[: earlier.start()]
    verb: str | None = None
    if keep_verbs:
        noun = post or _TIME_PREFIX_RE.sub("", pre)
        share = rules.share_re.search(noun)
        if share:
            if share.start() == 0:
                return "", "", None, qualifier, True
            noun = noun[: share.start()]
    else:
        noun, verb = _strip_verbs(post, rules) if post else ("", None)
        if not noun and pre:  # a topic noun before the verb: 群众诉求累计受理800件
            noun, verb_pre = _strip_verbs(pre, rules)
            verb = verb or verb_pre
    noun = noun.rstrip("了的")
    stripped = noun.endswith(rules.trailing_strip)
    while stripped and noun:
        stripped = False
        for tail in rules.trailing_strip:
            if noun.endswith(tail) and len(noun) > len(tail):
                noun, stripped = noun[: -len(tail)], True
                break
    return _head(noun, rules), noun, verb, qualifier, False


def _analyse(
    text: str, masked: str, m: re.Match[str], rules: _Rules, ctx: _Context, prev_end: int = 0
) -> dict[str, Any] | None:
    """Turn one grammar match into a count's fields (as `Count` has them), or None when it
    is not a count. A dict, not a Count: the pipeline wants dicts, and building a frozen
    object only to take it apart again cost as much as the analysis."""
    num = m.group("num")
    unit = m.group("unit")
    prefix = m.group("prefix")
    pct = m.group("pct") if "pct" in m.re.groupindex else None  # (groupdict() builds a dict)
    if pct:
        unit = "%"
    num_start = m.start("num")
    before = masked[max(0, num_start - 4) : num_start]
    after_unit = masked[m.end("unit") : m.end("unit") + 8]
    # ordinals, document numbers, article numbers
    if before.endswith(rules.not_before_number):
        return None
    if prefix and prefix.endswith(rules.not_before_number):
        return None
    if rules.not_after_unit_re.match(after_unit):
        return None
    if unit in {"个", "個"} and rules.not_after_ge_re.match(after_unit):
        return None
    # a lone 一 before a classifier is an indefinite article; a bare 万/亿 is no number
    if num in rules.lone_articles:
        return None
    if num in _LARGE and not prefix:
        return None
    # numerals of a short quoted slogan (“两只手”, 打好“三张牌”) are no count
    if not num[0].isdigit() and ctx.slogans.overlaps(num_start, m.end("num")):
        return None
    approx = "exact"
    start = m.start("num")
    if prefix:
        # 上/数 are approx markers only before a bare 十/百/千/万 (上百 → at_least 100)
        if prefix in rules.bare_only_prefixes and num not in rules.bare_hundreds:
            prefix = None
        else:
            approx = rules.approx_prefix[prefix]
            start = m.start("prefix")
    if pct:
        start = min(start, m.start("pct"))
    if m.group("inner"):
        approx = rules.approx_inner[m.group("inner")]
    if m.group("outer"):
        approx = rules.approx_outer[m.group("outer")]
    try:
        value, value_max = _parse_value(num)
    except ValueError:
        return None
    # 3.5万元 / 三万元: the 万 belongs to the unit, not the value
    if unit == "元" and num.rstrip()[-1] in _LARGE:
        unit = num.rstrip()[-1] + unit
        num = num.rstrip()[:-1].rstrip()
        try:
            value = parse_number(_SPACES_RE.sub("", num)) if num else Decimal(1)
        except ValueError:
            return None
    end = m.end()
    # clause to the left: qualifier, delta, counted noun
    left_edge = start
    c0 = max(ctx.clause_start(masked, left_edge), min(prev_end, left_edge), left_edge - rules.clause_window)
    if c0 == left_edge and left_edge > 0 and masked[left_edge - 1] in "）)":
        # 制作政府信息（文件）617份: the noun goes on before a parenthesis that closes just here
        k = max(masked.rfind("（", max(0, left_edge - 20), left_edge), masked.rfind("(", max(0, left_edge - 20), left_edge))
        if k > 0:
            c0 = max(ctx.clause_start(masked, k), min(prev_end, k), k - rules.clause_window)
    clause = masked[c0:left_edge].rstrip(" \u3000\xa0")
    s0 = max(ctx.sentence_start(left_edge), left_edge - rules.sentence_window)
    sentence = masked[s0:left_edge]

    delta: str | None = None
    core = clause[:-1] if clause.endswith("了") else clause
    # (each `endswith(tuple)` first: one call answers "none" for most clauses)
    if core.endswith(rules.delta_cues):
        cue = next(cue for cue in rules.delta_cues if core.endswith(cue))
        delta = rules.delta[cue]
        core = _COMPARISON_TAIL_RE.sub("", core[: -len(cue)])
    if core.endswith(rules.link_suffixes):
        for link in rules.link_suffixes:
            if core.endswith(link) and len(core) > len(link):
                core = core[: -len(link)]
                break
    keep_verbs = rules.units.get(unit) == "rate"
    noun, full, verb, qualifier, share = _left_noun(core, keep_verbs, rules)
    if len(noun) <= 1 or (c0 == prev_end and prev_end and clause.endswith(rules.connectors)):
        noun = ""
    if noun and not keep_verbs:  # 平台接入53个部门: a noun ending in a verb is no noun
        v = None
        for v in rules.verbs_re.finditer(_shield(noun, rules)):
            pass
        verb_final = v is not None and v.end() == len(noun)
    else:
        verb_final = False
    left = None
    if noun:
        k = core.rfind(noun)
        left = _clean(text[c0 + k : c0 + k + len(noun)])
    # 不动产、医社保等16个部门 (examples before it) or 平台接入53个部门 (a left noun ending in a
    # verb): the noun after the number counts even when another number follows it
    weak_left = left is None or core.endswith("等") or verb_final
    right = None if keep_verbs and left else _right_noun(masked, text, end, rules, not weak_left)
    measure = rules.measure_nouns_re.search(right) if right else None
    if right and measure and measure.start() > 0:  # 两条微信阅读量…: 两条 counts 微信
        right = right[: measure.start()]
    counted = right or left
    if counted is None and verb:
        counted = verb
    head = counted or ""
    if right and head.endswith(rules.generic_heads):
        head = next(h for h in rules.generic_heads if head.endswith(h))
    scopes = {"verb_and_counted": f"{verb}+{head}" if verb and head else "",
              "strong_verb": verb or "", "counted": head, "verb": verb or "",
              "clause": "" if right else clause, "sentence": "" if right else sentence}
    category = _category(scopes, unit, rules)
    if category == rules.fallback and not right and full and full != head:  # 做客电台等活动: cues before 等
        category = _category({**scopes, "counted": full}, unit, rules)
    return {
        "text": text[start:end],
        "start": start,
        "end": end,
        "value": value,
        "value_max": value_max,
        "approx": approx,
        "qualifier": qualifier,
        "delta": delta,
        "unit": unit,
        "counted": counted,
        "category": category,
        "value_text": num,
        "change": None,
        "_share": share and not left,
    }


def _scan_start(masked: str, first_hint: int, rules: _Rules) -> int:
    """Where the grammar's scan may begin: no match starts earlier. Each match's number ends at a
    hint, at or after the first; the number is a run of number characters and spaces, and an
    approx word and a space may stand before it. So a match starts at most that much before the
    run holding the first hint (a later hint's run starts later still)."""
    i = first_hint
    while i > 0 and (masked[i - 1] in _NUMBER_CHARS or masked[i - 1].isspace()):
        i -= 1
    return max(0, i - rules.prefix_max - 1)


def _matches(masked: str, rules: _Rules) -> list[re.Match[str]]:
    """Matches of the grammar and of the bare-number and 百分之 patterns, in order, none
    overlapping an earlier one."""
    hint = rules.count_hint.search(masked)
    found = list(rules.count_re.finditer(masked, _scan_start(masked, hint.start(), rules))) if hint else []
    # (each extra pattern only where its anchor word occurs: a substring test is far cheaper
    # than letting `re` try a lookbehind at every position)
    # (and the anchor only where one of the words it needs is: `in` is faster still). The bare
    # number opens with a look-behind for one character of a class (`after`): it is tried only
    # after one, not at every character.
    extra: list[re.Match[str]] = []
    for r, anchor, words, after in rules.extra_res:
        for word in words:
            if word in masked:
                break
        else:
            if words:
                continue
        if anchor.search(masked) is not None:
            extra.extend(r.finditer(masked) if after is None
                         else anchored_matches(r, masked, [a.end() for a in after.finditer(masked)]))
    if not extra:
        return found
    out: list[re.Match[str]] = []
    last = -1
    for m in sorted([*found, *extra], key=lambda x: (x.start(), -x.end())):
        if m.start() >= last:
            out.append(m)
            last = m.end()
    return out


def _units_agree(prev_unit: str, unit: str, rules: _Rules) -> bool:
    """Whether a change in ``unit`` can be the change of a count in ``prev_unit``."""
    if prev_unit == unit:
        return True
    return rules.units.get(prev_unit) == "rate" and rules.units.get(unit) == "rate"


def _scan(text: str) -> list[dict[str, Any]]:
    """The fields of every quoted count in ``text``, in order of position. Each count also
    looks at the one before it in the same sentence: a change in the same unit after it
    (较上年增加3件) becomes its ``change``; a bare 占N% is about it; items of a list it opens
    (其中, 涉及 …) take its category."""
    rules = _rules()
    masked = _mask_debris(text)
    matches = _matches(masked, rules)
    if not matches:
        return []
    ctx = _Context(masked, rules)
    out: list[dict[str, Any]] = []
    prev_end = 0
    parent: dict[str, Any] | None = None
    for m in matches:
        if ctx.blocked.overlaps(m.start("num"), m.end("num")):
            continue
        count = _analyse(text, masked, m, rules, ctx, prev_end)
        if count is None:
            continue
        share = count.pop("_share")
        prev = out[-1] if out else None
        gap = masked[prev["end"] : count["start"]] if prev is not None else ""
        if parent is not None and rules.list_break_re.search(gap):
            parent = None
        if prev is not None and ctx.sentence_start(count["start"]) > prev["start"]:
            prev = None
        if prev is not None:
            clause = masked[max(ctx.clause_start(masked, count["start"]), prev["end"]) : count["start"]]
            core = clause.strip(" \u3000\xa0")
            if core and rules.change_re.match(core) and _units_agree(prev["unit"], count["unit"], rules) \
                    and prev["change"] is None:
                prev["change"] = {
                    "direction": count["delta"] or rules.delta.get(core.rstrip("了")[-2:], "increase"),
                    "value": count["value"], "value_text": count["value_text"],
                    "unit": count["unit"], "text": text[count["start"] - len(clause) : count["end"]],
                }
                prev_end = count["end"]
                continue
            if share and prev["counted"]:
                count["counted"] = prev["counted"]
            if not gap:  # 服务事项5大类53项, 8大类348项公共服务事项: adjacent counts share a noun
                if count["counted"] is None:
                    count["counted"] = prev["counted"]
                elif prev["counted"] is None:
                    prev["counted"] = count["counted"]
            noun = count["counted"]
            if noun and prev["counted"] and not gap.strip(" \u3000\xa0").startswith(tuple(rules.clause_delims)) \
                    and noun.startswith(prev["counted"]) and len(noun) > len(prev["counted"]) + 1 \
                    and gap.startswith(prev["counted"]):  # 两条微信阅读量达180万次: 阅读量
                count["counted"] = noun[len(prev["counted"]):]
            if rules.list_opener_re.search(gap):
                parent = prev
        if parent is not None and parent["unit"] == count["unit"] \
                and parent["category"] not in rules.list_item_keeps.get(count["category"], ()):
            count["category"] = parent["category"]
        out.append(count)
        prev_end = count["end"]
    return out


def find_counts(text: str) -> list[Count]:
    """Every quoted count in ``text`` (a narrative paragraph), in order of position."""
    return [Count(**fields) for fields in _scan(text)]


def count_dicts(text: str) -> list[dict[str, Any]]:
    """``[c.to_dict() for c in find_counts(text)]``, without building the Counts."""
    return [_json_form(fields) for fields in _scan(text)]
