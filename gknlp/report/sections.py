"""Find the six sections of a report and split narrative sections into paragraphs.

Headings are found by pattern (an enumerator, then a heading phrase from
`data/sections.toml`), and the best ordered choice among the candidates is made by a
small dynamic programme, so that a sub-heading such as （一）主动公开情况 inside 总体情况
or （一）存在的主要问题 inside section five does not end a section early.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from typing import NamedTuple

from gknlp.data import load_toml
from gknlp.text.anchored import anchored_matches
from gknlp.text.labels import gap_tolerant, squash
from gknlp.text.unwrap import CLOSERS, MARKDOWN_HEADING, ends_paragraph

__all__ = ["Section", "Paragraph", "SECTION_KEYS", "ROLES", "find_sections", "split_paragraphs", "ordinal",
           "sections_with_role"]

_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_NUMERALS = "一二三四五六七八九十"
_ORDINAL = re.compile(r"\d{1,2}|[一二三四五六七八九十]")
_ENUM_BODY = (r"第[一二三四五六七八九十]部分[、:：.．]?"
              r"|[一二三四五六七八九十][、.．,，]"
              r"|\d{1,2}\s*[、.．](?!\d)"
              r"|[(（]\s*(?:[一二三四五六七八九十]|\d{1,2})\s*[)）]")
_ENUM = rf"(?P<enum>{_ENUM_BODY})"
_PRE = r"[^\n。；;：:，,\d]{0,14}?"  # words between the enumerator and the heading phrase


def ordinal(enum: str) -> int | None:
    """The number an enumerator stands for: 一、→1, (六)→6, 2、→2, 第三部分→3."""
    m = _ORDINAL.search(enum)
    if not m:
        return None
    s = m.group()
    return int(s) if s.isdigit() else _CN[s]


@dataclass(frozen=True)
class SectionSpec:
    key: str
    ordinal: int
    headings: tuple[str, ...]
    boundary: bool = False  # not reported: its heading only ends the section before it
    roles: frozenset[str] = frozenset()  # see ROLES
    opened_by: tuple[str, ...] = ()  # words of a （一） sub-heading that opens it when its heading is lost


@cache
def _specs() -> tuple[SectionSpec, ...]:
    """The sections in the order a report gives them, boundary sections included."""
    data = load_toml("sections.toml")
    specs = tuple(SectionSpec(s["key"], s["ordinal"], tuple(s["headings"]), bool(s.get("boundary", False)),
                              frozenset(s.get("roles", ())), tuple(s.get("opened_by", ())))
                  for s in data["sections"])
    reported = tuple(s.key for s in specs if not s.boundary)
    if reported != SECTION_KEYS:
        raise ValueError(f"sections.toml: the reported sections are {reported}, expected {SECTION_KEYS}")
    unknown = frozenset().union(*(s.roles for s in specs)) - ROLES
    if unknown:
        raise ValueError(f"sections.toml: unknown roles {sorted(unknown)}, expected some of {sorted(ROLES)}")
    return specs


def sections_with_role(role: str) -> tuple[str, ...]:
    """The keys of the sections with this role (data/sections.toml), in report order:
    ``sections_with_role("narrative")`` → ("overall", "problems", "other")."""
    if role not in ROLES:
        raise ValueError(f"unknown section role {role!r}, expected one of {sorted(ROLES)}")
    return tuple(s.key for s in _specs() if role in s.roles)


@cache
def _boundary_keys() -> frozenset[str]:
    return frozenset(s.key for s in _specs() if s.boundary)


SECTION_KEYS = ("overall", "proactive", "requests", "appeals", "problems", "other")
ROLES = frozenset({"table", "narrative", "themed"})
"""What the pipeline does with a section: reads a standard table from it, splits it into
paragraphs, or also gives those paragraphs themes."""


def _alternation(headings: tuple[str, ...]) -> str:
    """The headings as one regex alternation, letters compared with any gap between them."""
    return "|".join(gap_tolerant(h) for h in headings)


def _longest_first(headings: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(headings, key=len, reverse=True))


def _spec(key: str) -> SectionSpec:
    return next(s for s in _specs() if s.key == key)


@cache
def _heading_pattern(key: str) -> re.Pattern[str]:
    spec = _spec(key)
    return re.compile(rf"{_ENUM}\s*(?P<pre>{_PRE})(?P<head>{_alternation(_longest_first(spec.headings))})")


@cache
def _bare_pattern(key: str) -> re.Pattern[str]:
    spec = _spec(key)
    return re.compile(rf"(?m)^[ \t]*(?P<head>{_alternation(spec.headings)})[ \t:：]*$")


@cache
def _numeral_pattern(key: str) -> re.Pattern[str]:
    """A Chinese numeral run straight into the heading with no separator (一总体情况), at a line
    or sentence start: kept only when the numeral is the section's own ordinal."""
    spec = _spec(key)
    return re.compile(rf"(?:^|(?<=[。；;：:\n]))[ \t\u3000]*(?P<enum>[{_NUMERALS}])"
                      rf"(?P<head>{_alternation(_longest_first(spec.headings))})", re.M)


@dataclass(frozen=True)
class Section:
    key: str
    start: int        # heading start
    body_start: int   # after the heading
    end: int
    heading: str | None
    inferred: bool = False
    how: str | None = None  # how an inferred section was found (for its section_inferred warning)

    def to_dict(self) -> dict:
        return {"start": self.start, "body_start": self.body_start, "end": self.end,
                "heading": self.heading, "inferred": self.inferred}


@dataclass(frozen=True)
class _Candidate:
    key: str
    start: int
    end: int
    score: float


def _heading_score(text: str, m: re.Match[str], spec: SectionSpec) -> float:
    """An enumerated heading scores more with its own ordinal, a top-level enumerator, at a
    line start, and with fewer words between the enumerator and the heading phrase."""
    score = 10.0
    if ordinal(m["enum"]) == spec.ordinal:
        score += 6
    if not m["enum"].startswith(("(", "（")):
        score += 1
    at_line_start = m.start() == 0 or text[m.start() - 1] == "\n"
    score += 2 if at_line_start else 0
    score -= len(m["pre"]) * 0.2
    return score


# --- where a heading can start ------------------------------------------------------------
# Each pattern above starts with an alternation, so a scan tries it at every character. The
# finders below open with one literal or character class, which the regex engine skips to in
# C, and report the few places where a heading can start; the section patterns are then
# only `.match`ed there.


@dataclass(frozen=True)
class _LeadFinder:
    """Where a line or sentence opens with `head`: at the text start or after a lead mark."""

    at_start: re.Pattern[str]
    after_lead: re.Pattern[str]

    @classmethod
    def of(cls, lead: str, head: str) -> _LeadFinder:
        return cls(re.compile(head), re.compile(lead + head))

    def starts(self, text: str) -> list[tuple[int, str]]:
        """(start of the line or sentence, the letter after `head`) in text order."""
        out = [(0, text[m.end()])] if (m := self.at_start.match(text)) else []
        out += [(m.start() + 1, text[m.end()]) for m in self.after_lead.finditer(text)]
        return out


@dataclass(frozen=True)
class _EnumFinder:
    """Where an enumerator opens some section's heading pattern (`heading`).

    One scan skips in C to the characters that open an enumerator (第 ( （ and the numerals),
    where `heading` is tried within the scan, and to the 、 . ． that close a digit
    enumerator (1、 12. 3 ．) when the rest of a heading follows them (`after_digits`: the
    heading pattern after its digit enumerator), from which the one or two digits before are
    taken. Stopping at every digit instead spent most of the time in the table rows, which
    are full of digits and where a 、 or . after a digit is rare; and most 1、 2. of a report
    open no heading, so they are passed over in C too."""

    marks: re.Pattern[str]

    @classmethod
    def of(cls, heading: str, after_digits: str) -> _EnumFinder:
        """`heading`: a pattern for a heading with its enumerator; `after_digits`: the part of it
        after a digit enumerator `\\d{1,2}\\s*[、.．](?!\\d)` (so a hit there proves the heading)."""
        openers = f"第(（{_NUMERALS}"
        # Each hit consumes its one character; the empty group that closes the alternative
        # taken says which it was (1: a heading opens here, 2: a digit enumerator ends here).
        marks = (rf"[{openers}、.．](?:(?<=(?={heading})[{openers}])()"
                 rf"|(?<=[\d\s][、.．])(?!\d)(?={after_digits})())")
        return cls(re.compile(marks))

    def starts(self, text: str) -> list[int]:
        """The starts in text order (a digit enumerator's digits lie after the previous hit)."""
        out: list[int] = []
        for m in self.marks.finditer(text):
            if m.lastindex == 1:
                out.append(m.start())
                continue
            digits_end = m.start()  # \d{1,2}\s*[、.．]: step back over the spaces
            while digits_end > 0 and text[digits_end - 1].isspace():
                digits_end -= 1
            out += [p for p in (digits_end - 2, digits_end - 1) if p >= 0 and text[p:digits_end].isdecimal()]
        return out


@dataclass(frozen=True)
class _Finders:
    """The section patterns, the first letters of their headings, and the start finders."""

    specs: tuple[SectionSpec, ...]
    heading: tuple[re.Pattern[str], ...]
    bare: tuple[re.Pattern[str], ...]
    numeral: tuple[re.Pattern[str], ...]
    first_letters: tuple[frozenset[str], ...]
    enum_heading: _EnumFinder      # an enumerator starting some section's heading pattern
    lines: _LeadFinder             # a line opening with a heading's first letter (bare)
    numerals: _LeadFinder          # a numeral, then a first letter, opening a sentence (numeral)


@cache
def _finders() -> _Finders:
    specs = _specs()
    first_letters = tuple(frozenset(squash(h)[0] for h in s.headings) for s in specs)
    letters = "[" + re.escape("".join(sorted(frozenset().union(*first_letters)))) + "]"
    after_enum = rf"\s*{_PRE}(?={letters})(?:{_alternation(tuple(h for s in specs for h in s.headings))})"
    return _Finders(
        specs=specs,
        heading=tuple(_heading_pattern(s.key) for s in specs),
        bare=tuple(_bare_pattern(s.key) for s in specs),
        numeral=tuple(_numeral_pattern(s.key) for s in specs),
        first_letters=first_letters,
        enum_heading=_EnumFinder.of(rf"(?:{_ENUM_BODY}){after_enum}", after_enum),
        lines=_LeadFinder.of("\n", rf"[ \t]*(?={letters})"),
        numerals=_LeadFinder.of("[。；;：:\n]", rf"[ \t\u3000]*[{_NUMERALS}](?={letters})"),
    )


def _candidates(text: str) -> dict[str, list[_Candidate]]:
    """Every heading candidate of each section, in text order. Each pattern is only matched
    where a heading can start (the finders); tests/equivalence/ checks that a scan of the whole
    text with every pattern gives the same list."""
    f = _finders()
    enum_starts = f.enum_heading.starts(text)
    lines = f.lines.starts(text)
    sentences = f.numerals.starts(text)
    out: dict[str, list[_Candidate]] = {}
    for spec, heading, bare, numeral, letters in zip(f.specs, f.heading, f.bare, f.numeral, f.first_letters):
        cands = [_Candidate(spec.key, m.start(), m.end(), _heading_score(text, m, spec))
                 for m in anchored_matches(heading, text, enum_starts)]
        for m in anchored_matches(bare, text, [p for p, letter in lines if letter in letters]):
            cands.append(_Candidate(spec.key, m.start("head"), m.end(), 8.0))
        for m in anchored_matches(numeral, text, [p for p, letter in sentences if letter in letters]):
            if ordinal(m["enum"]) == spec.ordinal:
                cands.append(_Candidate(spec.key, m.start("enum"), m.end(), 9.0))
        out[spec.key] = sorted(cands, key=lambda c: c.start)
    return out


def _best_sequence(cands: dict[str, list[_Candidate]]) -> dict[str, _Candidate]:
    """Highest-scoring choice of at most one heading per section (boundary sections
    included), in section order."""
    # states: list of (last_end, score, chosen) kept Pareto-small by position.
    states: list[tuple[int, float, dict[str, _Candidate]]] = [(-1, 0.0, {})]
    for key in (spec.key for spec in _specs()):
        new_states = list(states)
        for last_end, score, chosen in states:
            for c in cands.get(key, []):
                if c.start >= last_end:
                    new_states.append((c.end, score + c.score, {**chosen, key: c}))
        # prune: for each end position keep the best score; drop dominated states
        new_states.sort(key=lambda s: (s[0], -s[1]))
        pruned: list[tuple[int, float, dict[str, _Candidate]]] = []
        best = float("-inf")
        for st in new_states:
            if st[1] > best:
                pruned.append(st)
                best = st[1]
        states = pruned
    return max(states, key=lambda s: (s[1], -s[0]))[2]


def find_sections(text: str, body_start: int = 0) -> dict[str, Section | None]:
    """The six sections by key; None for a section whose heading is missing."""
    chosen = _best_sequence(_candidates(text[body_start:]) if body_start else _candidates(text))
    if body_start:
        chosen = {k: _Candidate(c.key, c.start + body_start, c.end + body_start, c.score) for k, c in chosen.items()}
    found = sorted(chosen.values(), key=lambda c: c.start)
    sections: dict[str, Section | None] = {k: None for k in SECTION_KEYS}
    for i, c in enumerate(found):
        if c.key in _boundary_keys():
            continue  # its heading only ends the section before it
        end = found[i + 1].start if i + 1 < len(found) else len(text)
        sections[c.key] = Section(c.key, c.start, c.end, end, text[c.start:c.end].strip())
    for spec in _specs():
        if spec.opened_by and sections.get(spec.key, 0) is None:
            _open_by_subheading(text, sections, spec)
    first = found[0] if found else None
    if sections["overall"] is None and first is not None and first.key != "overall":
        lead = text[body_start:first.start]
        if len(lead.strip()) > 40:
            sections["overall"] = Section("overall", body_start, body_start, first.start, None, inferred=True,
                                          how="taken as the text before the next section")
    return sections


def _open_by_subheading(text: str, sections: dict[str, Section | None], spec: SectionSpec) -> None:
    """A section whose heading the text lost (a PDF's text dropped it after a table) begins at
    the first （一） sub-heading naming it (`opened_by`: （一）主要问题) inside the section found
    before it; that section ends there. Marked inferred."""
    keys = list(SECTION_KEYS)
    before = next((sections[k] for k in reversed(keys[:keys.index(spec.key)]) if sections[k] is not None), None)
    if before is None:
        return
    words = "|".join(map(re.escape, spec.opened_by))
    m = re.compile(rf"^[ \t\u3000]*[(（][一1][)）][^\n]{{0,24}}?(?:{words})", re.M).search(
        text, before.body_start, before.end)
    if m is None:
        return
    at = m.start() + len(m.group()) - len(m.group().lstrip(" \t\u3000"))
    sections[before.key] = replace(before, end=at)
    sections[spec.key] = Section(spec.key, at, at, before.end, None, inferred=True,
                                 how="it begins at the （一） sub-heading that names it")


# --- paragraphs -------------------------------------------------------------------------

# The enumerators of sub-headings: （一） (12), and 1. 2、 (not 3.5).
_PAREN_ENUM = rf"[(（]\s*(?:[{_NUMERALS}]{{1,2}}|\d{{1,2}})\s*[)）]"
_DIGIT_ENUM = r"\d{1,2}\s*[.、．](?!\d)"
_SUB_MARK = re.compile(_PAREN_ENUM)
# 1. / 2、 not inside a number, and 一是 / 二是 not in 统一是, 唯一是. (Each opens with a test of
# its first character, the look-behind after it: a pattern opening with a look-behind is tried
# at every position of a body, one opening with a character test only where that character is.)
_NUM_MARK = re.compile(r"(?=\d)(?<![\d.])(\d{1,2})\s*[.、．](?!\d)")
_SHI_MARK = re.compile(r"[一二三四五六七八九十](?<![统唯之].)是")
_LINE_ENUM = re.compile(rf"^\s*(?:{_PAREN_ENUM}|{_DIGIT_ENUM}|[{_NUMERALS}]、)")
_INLINE_HEAD = re.compile(rf"^\s*(?:{_PAREN_ENUM}|{_DIGIT_ENUM})[^。：:；;\n]{{2,30}}?[。：:](?=.)")


class Paragraph(NamedTuple):
    """One paragraph of a narrative section (a tuple: about ten are built per report)."""

    id: str
    section: str
    heading: str | None
    text: str
    start: int
    end: int

    def to_dict(self) -> dict:
        return {"id": self.id, "section": self.section, "heading": self.heading, "text": self.text,
                "start": self.start, "end": self.end}


def _sequential_marks(body: str, pattern: re.Pattern[str], value) -> list[int]:
    """Positions of markers numbered 1, 2, 3… in order (ignores stray numbers)."""
    positions: list[int] = []
    expected = 1
    for m in pattern.finditer(body):
        if value(m) == expected:
            positions.append(m.start())
            expected += 1
    return positions if len(positions) >= 2 else []


def _chunks_one_line(body: str) -> list[tuple[int, int]]:
    """Split a body without line breaks at its sub-heading markers."""
    for pattern, value in ((_SUB_MARK, lambda m: ordinal(m.group())),
                           (_NUM_MARK, lambda m: int(m.group(1))),
                           (_SHI_MARK, lambda m: ordinal(m.group()))):
        marks = _sequential_marks(body, pattern, value)
        if marks:
            bounds = ([0] if body[:marks[0]].strip() else []) + marks + [len(body)]
            return [(a, b) for a, b in zip(bounds, bounds[1:]) if body[a:b].strip()]
    return [(0, len(body))] if body.strip() else []


_RUN_ON_MIN = 20  # a line this long that stops mid-sentence runs on (a shorter one is a title or a signature)
_POINT_RUN_ON_MIN = 40  # a numbered point shorter than this that stops without its mark is complete
_POINT = re.compile(r"\s*(?:[一二三四五六七八九十]是|第[一二三四五六七八九十]|[(（]?\d{1,2}[)）.、．])")
_SENTENCE_MARK = re.compile(r"[，、。；：！？,;:!?]")
_SENTENCE_END = re.compile(r"[。；！？!?]")


def _is_heading_line(line: str) -> bool:
    """A sub-heading on a line of its own: a short enumerated line, a line ending in a colon, or
    a Markdown heading."""
    if MARKDOWN_HEADING.match(line):
        return len(line) <= 46
    return bool(len(line) <= 40 and (_LINE_ENUM.match(line) or line.endswith(("：", ":")))
                and not line.endswith(("；", ";")))


def _runs_on(line: str, nxt: str) -> bool:
    """A long line that stops mid-sentence, then a blank line, then `nxt`: one paragraph that an
    OCR block or a page broke. `nxt` must read as its rest: not a heading or a numbered point
    (一是, （二）, 3.), and with a sentence mark in it (a signature, a date or a title has none).
    A line ending in a bracket or a quote is complete, and so is a short numbered point of one
    sentence (二是…较少: lists often drop the final mark); lines with no blank between them are
    separate paragraphs however they end."""
    return (len(line) >= _RUN_ON_MIN and not ends_paragraph(line) and line[-1] not in CLOSERS
            and "\t" not in line and not line.startswith("|")
            and (len(line) >= _POINT_RUN_ON_MIN or _SENTENCE_END.search(line) is not None
                 or not _POINT.match(line))
            and not _is_heading_line(nxt) and not _POINT.match(nxt) and bool(_SENTENCE_MARK.search(nxt)))


def _chunks_lines(body: str) -> list[tuple[int, int, str | None]]:
    """Lines as paragraphs; a short enumerated line (or a Markdown heading) is the heading of
    the next one; a long line that stops mid-sentence runs on over a blank line (`_runs_on`)."""
    lines: list[tuple[int, int]] = []
    pos = 0
    blank = False
    for line in body.split("\n"):
        content = line.strip()
        if content and content.strip("#"):  # a line of bare "##" marks says nothing
            lead = len(line) - len(line.lstrip())
            prev = body[lines[-1][0]:lines[-1][1]] if lines else ""
            if blank and prev and not _is_heading_line(prev) and _runs_on(prev, content):
                lines[-1] = (lines[-1][0], pos + len(line.rstrip()))
            else:
                lines.append((pos + lead, pos + len(line.rstrip())))
            blank = False
        elif not content:
            blank = True
        pos += len(line) + 1
    out: list[tuple[int, int, str | None]] = []
    pending: tuple[int, int] | None = None

    def heading_of(a: int, b: int) -> str:
        line = body[a:b]
        return line[m.end():] if (m := MARKDOWN_HEADING.match(line)) else line

    for a, b in lines:
        line = body[a:b]
        is_heading = _is_heading_line(line)
        if is_heading and pending is None:
            pending = (a, b)
            continue
        if pending is not None:
            if is_heading:
                out.append((pending[0], pending[1], heading_of(*pending)))
                pending = (a, b)
                continue
            out.append((pending[0], b, heading_of(*pending)))
            pending = None
            continue
        m = _INLINE_HEAD.match(line)
        out.append((a, b, m.group().strip() if m else None))
    if pending is not None:
        out.append((pending[0], pending[1], heading_of(*pending)))
    return out


def split_paragraphs(text: str, section: Section) -> list[Paragraph]:
    """Paragraphs of one section, as a reader sees them; offsets into `text`."""
    body = text[section.body_start:section.end]
    base = section.body_start
    key = section.key
    if "\n" in body.strip():
        chunks = [(a, b, body[a:b], heading) for a, b, heading in _chunks_lines(body)]
    else:
        chunks = []
        for a, b in _chunks_one_line(body):
            seg = body[a:b]
            stripped = seg.strip()
            a += len(seg) - len(seg.lstrip())
            m = _INLINE_HEAD.match(stripped)
            chunks.append((a, a + len(stripped), stripped, m.group().strip() if m else None))
    return [Paragraph(f"{key}-{i}", key, heading, chunk, base + a, base + b)
            for i, (a, b, chunk, heading) in enumerate(chunks, 1)]
