"""Quoted counts in report narrative (``累计张贴通告125多次`` → value 125, more_than, 次).

The grammar runs on raw characters, not tokens: jieba splits ``125多次`` and glues
classifiers to nouns, so token rules miss counts. One regular expression finds
``[approx] numeral [多|余] unit [以上|左右]``; the clause to its left supplies the
qualifier (共, 累计…), the change direction (增加, 减少…) and the counted noun; the
category comes from patterns kept in ``gknlp/data/counts/categories.json``.
All domain words (units, cues, categories, fixed names) are data files; this module
holds only the engine. It never imports spaCy.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Final

from gknlp.counts.numerals import parse_number
from gknlp.data import data_path
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

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form: Decimals become int/float, ``value_text`` keeps the digits."""
        return _json_form({f: getattr(self, f) for f in _COUNT_FIELDS})  # asdict() deep-copies: slow


_COUNT_FIELDS: Final[tuple[str, ...]] = tuple(f.name for f in fields(Count))


def _json_form(d: dict[str, Any]) -> dict[str, Any]:
    """A count's fields (as a dict) in JSON-friendly form, in place."""
    d["value"] = _json_number(d["value"])
    if d["value_max"] is not None:
        d["value_max"] = _json_number(d["value_max"])
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
    qualifiers: tuple[str, ...]
    qualifier_re: re.Pattern[str]
    qualifier_mask_re: re.Pattern[str]
    approx_prefix: dict[str, str]
    approx_inner: dict[str, str]
    approx_outer: dict[str, str]
    delta: dict[str, str]
    delta_cues: tuple[str, ...]
    verbs_re: re.Pattern[str]
    verbs: frozenset[str]
    right_stop_re: re.Pattern[str]
    right_max: int
    clause_delims: frozenset[str]
    sentence_delims: frozenset[str]
    clause_back_re: re.Pattern[str]
    sentence_back_re: re.Pattern[str]
    bare_hundreds: dict[str, int]
    link_suffixes: tuple[str, ...]
    lone_articles: frozenset[str]
    not_before_number: tuple[str, ...]
    not_after_unit_re: re.Pattern[str]
    fixed_re: re.Pattern[str]
    not_after_ge_re: re.Pattern[str]
    trailing_strip: tuple[str, ...]
    connectors: tuple[str, ...]
    categories: tuple[dict[str, Any], ...]
    unit_categories: dict[str, str]
    pass_categories: tuple[tuple[str, tuple[tuple[frozenset[str] | None, re.Pattern[str], str], ...]], ...]
    fallback: str


def _load(name: str) -> Any:
    """Read one JSON data file shipped in ``gknlp/data/counts``."""
    path = _DATA_DIR / name
    return json.loads(path.read_text(encoding="utf-8"))


def _alternation(words: list[str] | tuple[str, ...]) -> str:
    """Regex alternation, longest first so ``人次`` beats ``人``."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_DEBRIS_RE: Final[re.Pattern[str]] = BRACKETED_LATIN
"""Pinyin annotations left by crawled pages (``鄉(xiāng)``); masked before matching."""
_MASK: Final[str] = "\ue000"

_DIGITS: Final[str] = "0-9０-９"
_CN_NUMERALS: Final[str] = "〇零一二两兩三四五六七八九十百千万萬亿億"
_NUM_AR: Final[str] = rf"[{_DIGITS}]+(?:[,，][{_DIGITS}]{{3}})*(?:[.．][{_DIGITS}]+)?[十百千万萬亿億]?"
_NUM_CN: Final[str] = rf"[{_CN_NUMERALS}]+"
_RANGE_SEP: Final[str] = r"\s*(?:-|－|~|～|〜|至|到|—)\s*"
_RANGE_SEP_RE: Final[re.Pattern[str]] = re.compile(_RANGE_SEP)
_TIME_PREFIX_RE: Final[re.Pattern[str]] = re.compile(
    r"^(?:[0-9０-９]{4}年度?|今年以来|今年|本年度|本年|年内|全年|上半年|下半年|以来|截至目前|目前|同时|此外|另外|并|已|还|先后|共|了|等)+"
)


_PASSES: Final[tuple[str, ...]] = ("strong_verb", "counted", "verb", "clause", "sentence")
"""Category passes, narrowest evidence first (see categories.json)."""


def _last_of(chars: frozenset[str]) -> re.Pattern[str]:
    """Matches from 0 up to and including the last of `chars` (a backward scan done by `re`)."""
    return re.compile("(?s:.*)[" + "".join(re.escape(ch) for ch in sorted(chars)) + "]")


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
    # A count starts with an approx prefix or a numeral. Saying so in a lookahead lets `re`
    # reject other characters at once; without it the optional prefix is tried at every
    # position. (re still stops at each character: opening with the class and looking back,
    # as sections._EnumFinder does, measured no faster here, the time going to the numbers.)
    first_chars = "".join(re.escape(ch) for ch in sorted({w[0] for w in prefix} | set(_CN_NUMERALS)))
    # After the number comes an inner approx word or the unit, so their first letters: saying
    # so lets `re` give up on a number (a year, 一 in 进一步) before trying every unit.
    unit_chars = "".join(re.escape(ch) for ch in sorted({w[0] for w in [*inner, *units]}))
    count_re = re.compile(
        rf"(?=[{_DIGITS}{first_chars}])"
        rf"(?P<prefix>{_alternation(list(prefix))})?"
        rf"(?P<num>(?<![0-9０-９.．A-Za-z])(?:{_NUM_AR}|{_NUM_CN})(?:{_RANGE_SEP}(?:{_NUM_AR}|{_NUM_CN}))?)"
        rf"(?=\s?[{unit_chars}])"
        rf"\s?(?P<inner>{_alternation(list(inner))})?"
        rf"(?P<unit>{_alternation(list(units))})"
        rf"(?P<outer>{_alternation(list(outer))})?"
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
    return _Rules(
        units=units,
        count_re=count_re,
        qualifiers=tuple(cues["qualifiers"]),
        qualifier_re=re.compile(_alternation(cues["qualifiers"])),
        qualifier_mask_re=re.compile(_alternation(cues["qualifier_false_friends"])),
        approx_prefix=prefix,
        approx_inner=inner,
        approx_outer=outer,
        delta=cues["delta"],
        delta_cues=tuple(sorted(cues["delta"], key=len, reverse=True)),
        verbs_re=re.compile(_alternation(cues["verbs"])),
        verbs=frozenset(cues["verbs"]),
        right_stop_re=re.compile(_alternation(cues["right_noun_stop"])),
        right_max=int(cues["right_noun_max"]),
        clause_delims=clause_delims,
        sentence_delims=sentence_delims,
        clause_back_re=_last_of(clause_delims),
        sentence_back_re=_last_of(sentence_delims),
        bare_hundreds=cues["bare_hundreds"],
        link_suffixes=tuple(sorted(cues["link_suffixes"], key=len, reverse=True)),
        lone_articles=frozenset(cues["lone_article_numerals"]),
        not_before_number=tuple(cues["not_before_number"]),
        not_after_unit_re=re.compile("|".join(cues["not_after_unit_re"])),
        not_after_ge_re=re.compile("|".join(cues["not_after_ge_re"])),
        trailing_strip=tuple(sorted(cues["trailing_strip"], key=len, reverse=True)),
        connectors=tuple(cues["connectors"]),
        fixed_re=re.compile(
            "|".join([_alternation(cues["fixed_names"]), *cues.get("fixed_names_re", [])])
        ),
        categories=categories,
        unit_categories=unit_categories,
        pass_categories=pass_categories,
        fallback=cats["fallback"],
    )


# ------------------------------------------------------------------------- engine


def _mask_debris(text: str) -> str:
    """Replace pinyin debris by a same-length private-use run (offsets unchanged)."""
    return _DEBRIS_RE.sub(lambda m: _MASK * len(m.group()), text)


def _fixed_spans(masked: str, rules: _Rules) -> list[tuple[int, int]]:
    """Character spans of fixed names and slogans whose numerals are not counts."""
    return [m.span() for m in rules.fixed_re.finditer(masked)]


_TITLE_RE: Final[re.Pattern[str]] = re.compile(r"《[^《》]{0,80}》")


def _title_spans(masked: str) -> list[tuple[int, int]]:
    """Spans inside 《…》: numbers in titles are never counts."""
    return [m.span() for m in _TITLE_RE.finditer(masked)]


def _overlaps(a: int, b: int, spans: list[tuple[int, int]]) -> bool:
    return any(a < e and s < b for s, e in spans)


def _clause_start(masked: str, pos: int, rules: _Rules) -> int:
    """Index after the nearest delimiter left of ``pos`` (spaces next to the number ignored)."""
    i = pos
    while i > 0 and masked[i - 1] in " \u3000\xa0":
        i -= 1
    return _after_last(rules.clause_back_re, masked, i)


def _after_last(back_re: re.Pattern[str], text: str, end: int) -> int:
    """Index after the last delimiter in text[:end] (0 when there is none)."""
    m = back_re.match(text, 0, end)
    return m.end() if m else 0


def _parse_value(num: str) -> tuple[Decimal, Decimal | None]:
    """Low and high value of a numeral or a range (``3-5`` → 3, 5)."""
    parts = _RANGE_SEP_RE.split(num)
    low = parse_number(parts[0])
    high = parse_number(parts[1]) if len(parts) > 1 else None
    return low, high


def _strip_verbs(s: str, rules: _Rules) -> tuple[str, str | None]:
    """Drop the text up to and including the first verb, then any further leading verbs."""
    verb: str | None = None
    m = rules.verbs_re.search(s)
    if m:
        verb = m.group()
        s = s[m.end():]
    while True:
        s2 = _TIME_PREFIX_RE.sub("", s)
        m2 = rules.verbs_re.match(s2)
        if m2:
            verb = m2.group()
            s2 = s2[m2.end():]
        if s2 == s:
            return s, verb
        s = s2


def _right_noun(masked: str, text: str, pos: int, rules: _Rules) -> str | None:
    """The noun written after the unit (``两名公益性岗位人员``), cut at a stop word."""
    i = pos
    while i < len(masked) and masked[i] in "的":
        i += 1
    j = i
    while j < len(masked) and j - i < rules.right_max and masked[j] not in rules.clause_delims:
        j += 1
    seg = masked[i:j]
    m = rules.right_stop_re.search(seg)
    if m:
        seg = seg[: m.start()]
    seg = _strip_verbs(seg, rules)[0] if rules.verbs_re.match(seg) else seg
    if not seg or not ("\u4e00" <= seg[0] <= "\u9fff"):
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


def _analyse(
    text: str, masked: str, m: re.Match[str], rules: _Rules, prev_end: int = 0
) -> dict[str, Any] | None:
    """Turn one grammar match into a count's fields (as `Count` has them), or None when it
    is not a count. A dict, not a Count: the pipeline wants dicts, and building a frozen
    object only to take it apart again cost as much as the analysis."""
    num = m.group("num")
    unit = m.group("unit")
    prefix = m.group("prefix")
    num_start = m.start("num")
    before = masked[max(0, num_start - 4) : num_start]
    after_unit = masked[m.end("unit") :]
    # ordinals, document numbers, article numbers
    if before.endswith(rules.not_before_number):
        return None
    if prefix and prefix.endswith(rules.not_before_number):
        return None
    if rules.not_after_unit_re.match(after_unit):
        return None
    if unit in {"个", "個"} and rules.not_after_ge_re.match(after_unit):
        return None
    # a lone 一 before a classifier is an indefinite article
    if num in rules.lone_articles:
        return None
    if num_start > 0 and masked[num_start - 1] in _CN_NUMERALS and not prefix:
        return None
    # 上 is an approx marker only before a bare 百/千/万 (上百 → at_least 100)
    approx = "exact"
    start = m.start("num")
    if prefix:
        if prefix == "上" and num not in rules.bare_hundreds:
            prefix = None
        else:
            approx = rules.approx_prefix[prefix]
            start = m.start("prefix")
    if m.group("inner"):
        approx = rules.approx_inner[m.group("inner")]
    if m.group("outer"):
        approx = rules.approx_outer[m.group("outer")]
    try:
        value, value_max = _parse_value(num)
    except ValueError:
        return None
    # 3.5万元 / 三万元: the 万 belongs to the unit, not the value
    if unit == "元" and num[-1] in "万萬亿億":
        unit = num[-1] + unit
        num = num[:-1]
        try:
            value = parse_number(num) if num else Decimal(1)
        except ValueError:
            return None
    end = m.end()
    # clause to the left: qualifier, delta, counted noun
    left_edge = m.start("prefix") if m.group("prefix") else num_start
    c0 = max(_clause_start(masked, left_edge, rules), min(prev_end, left_edge))
    clause = masked[c0:left_edge].rstrip(" \u3000\xa0")
    s0 = _after_last(rules.sentence_back_re, masked, left_edge)
    sentence = masked[s0:left_edge]

    delta: str | None = None
    core = clause[:-1] if clause.endswith("了") else clause
    # (each `endswith(tuple)` first: one call answers "none" for most clauses)
    if core.endswith(rules.delta_cues):
        cue = next(cue for cue in rules.delta_cues if core.endswith(cue))
        delta = rules.delta[cue]
        core = core[: -len(cue)]
    if core.endswith(rules.link_suffixes):
        for link in rules.link_suffixes:
            if core.endswith(link) and len(core) > len(link):
                core = core[: -len(link)]
                break
    qualifier: str | None = None
    qmasked = rules.qualifier_mask_re.sub(lambda x: _MASK * len(x.group()), core)
    q_matches = list(rules.qualifier_re.finditer(qmasked))
    pre, post = core, ""
    if q_matches:
        q = q_matches[-1]
        qualifier = q.group()
        pre, post = core[: q.start()], core[q.end():]
        if post == "" and len(q_matches) > 1:
            pre = core[: q_matches[0].start()]
    keep_verbs = rules.units.get(unit) == "rate"
    noun, verb = _strip_verbs(post, rules) if post and not keep_verbs else (post, None)
    if keep_verbs and not post:
        noun = _TIME_PREFIX_RE.sub("", pre)
    elif not noun and not post:
        noun, verb2 = _strip_verbs(pre, rules)
        verb = verb or verb2
    elif not noun and pre and verb is None:
        noun, verb = _strip_verbs(pre, rules)
    noun = noun.rstrip("了的")
    stripped = noun.endswith(rules.trailing_strip)
    while stripped and noun:
        stripped = False
        for tail in rules.trailing_strip:
            if noun.endswith(tail) and len(noun) > len(tail):
                noun, stripped = noun[: -len(tail)], True
                break
    if len(noun) <= 1 or (c0 == prev_end and prev_end and clause.endswith(rules.connectors)):
        noun = ""
    counted = _clean(text[c0 + core.find(noun) : c0 + core.find(noun) + len(noun)]) if noun else None
    if counted is None:
        counted = _right_noun(masked, text, end, rules)
    if counted is None and verb:
        counted = verb
    category = _category(
        {"strong_verb": verb or "", "counted": counted or "", "verb": verb or "", "clause": clause, "sentence": sentence},
        unit,
        rules,
    )
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
    }


def _scan(text: str) -> list[dict[str, Any]]:
    """The fields of every quoted count in ``text``, in order of position."""
    rules = _rules()
    masked = _mask_debris(text)
    blocked: list[tuple[int, int]] | None = None  # computed at the first match: most paragraphs have none
    out: list[dict[str, Any]] = []
    prev_end = 0
    for m in rules.count_re.finditer(masked):
        if blocked is None:
            blocked = _fixed_spans(masked, rules) + _title_spans(masked)
        if _overlaps(m.start("num"), m.end("num"), blocked):
            continue
        count = _analyse(text, masked, m, rules, prev_end)
        if count is not None:
            out.append(count)
            prev_end = count["end"]
    return out


def find_counts(text: str) -> list[Count]:
    """Every quoted count in ``text`` (a narrative paragraph), in order of position."""
    return [Count(**fields) for fields in _scan(text)]


def count_dicts(text: str) -> list[dict[str, Any]]:
    """``[c.to_dict() for c in find_counts(text)]``, without building the Counts."""
    return [_json_form(fields) for fields in _scan(text)]
