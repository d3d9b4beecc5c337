"""Text features of the theme model: normalisation, words, and theme cue terms.

Why a module of its own: these functions are named inside the saved model (its analyzers),
so they must stay importable under a stable name, apart from the training code.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from gknlp.data import data_path
from gknlp.text.pinyin import drop_glosses
from gknlp.text.segment import segmenter
from gknlp.text.t2s import may_change, t2s

__all__ = ["normalize_text", "nfkc", "jieba_words", "jieba_tokens", "jieba_cut_joined",
           "word_feature", "theme_cues", "theme_cue_terms", "theme_cue_patterns", "file_hash",
           "THEME_CUES", "WHITE_SPACES", "char_unigrams_bigrams", "split_heading", "heading_of",
           "body_of", "heading_words", "heading_cues", "body_words", "body_chars", "body_cues",
           "channel_acts", "CHANNEL_ACTS"]

THEME_CUES = data_path("themes", "theme_cues.json")
CHANNEL_ACTS = data_path("themes", "channel_acts.json")


_NUMBER = re.compile(r"^[\d.,%％]+$")


def normalize_text(text: str) -> str:
    """Traditional -> simplified (OpenCC t2s), pinyin glosses dropped, NFKC widths, spaces.

    OpenCC only sees texts it may change (:mod:`gknlp.text.t2s`): the pipeline has
    already converted traditional reports, and most paragraphs are simplified ones.
    """
    text = drop_glosses(text)
    if may_change(text):
        text = t2s().convert(text)
    text = nfkc(text)
    return " ".join(text.split())  # = re.sub(r"\s+", " ", text).strip(): both use str.isspace


_FULL_WIDTH = re.compile("[\u3000\uff01-\uff5e]+")
"""The ideographic space and the full-width forms of ASCII (，：（ …)."""


def _decomposed(m: re.Match[str]) -> str:
    return unicodedata.normalize("NFKD", m[0])


_COMMON_FULL_WIDTH = tuple((ch, unicodedata.normalize("NFKD", ch)) for ch in "，（）；：")
"""The full-width forms most paragraphs hold (，alone is one in twenty characters), with their
decompositions: ``str.replace`` swaps each in one pass, without a call per run."""


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)`` (full-width ，：（ -> ,:( and the like), exactly.

    Why the first step: CPython's NFKC checks a text quickly and returns it when it needs no
    change, but composes it character by character (about 0.3 µs each) as soon as one
    character does, and in a Chinese paragraph that character is nearly always full-width
    punctuation. Replacing those characters by their compatibility decomposition first (what
    NFKC does to them; a character's decomposition is already decomposed, so NFKD of the
    whole text, and with it NFKC, is unchanged) leaves most paragraphs passing the quick
    check: about 15x faster, the same string. The commonest of those characters are replaced
    first by ``str.replace``; a text NFKC then leaves alone (the quick check: most paragraphs,
    and several times cheaper than the pattern's scan) is returned as it is; the pattern meets
    the rest, if any.
    """
    for full, decomposed in _COMMON_FULL_WIDTH:
        text = text.replace(full, decomposed)
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", _FULL_WIDTH.sub(_decomposed, text))


def word_feature(token: str) -> str | None:
    """A jieba token as a feature: None for spaces/punctuation, numbers folded to ``0``."""
    token = token.strip()
    if not token or not any(ch.isalnum() for ch in token):
        return None
    return "0" if _NUMBER.match(token) else token


_word_feature = lru_cache(maxsize=1 << 18)(word_feature)


def jieba_words(doc: str) -> list[str]:
    """Word analyzer: jieba words (single characters kept), numbers folded to ``0``."""
    if not doc:
        return []   # (four paragraphs in ten have no sub-heading: no cut for them)
    return [f for f in map(_word_feature, segmenter()(doc)) if f is not None]


def jieba_tokens(docs: Sequence[str]) -> list[list[str]]:
    """The raw jieba tokens of each doc (what :func:`jieba_words` maps to features)."""
    tokens = jieba_cut_joined(docs)
    if tokens is None:
        return list(map(segmenter(), docs))
    out = []
    start = 0
    for _ in range(len(docs) - 1):
        end = tokens.index("\n", start)
        out.append(tokens[start:end])
        start = end + 1
    out.append(tokens[start:])
    return out


def jieba_cut_joined(docs: Sequence[str]) -> list[str] | None:
    """One jieba cut of all docs joined by newlines: their cuts with a ``"\n"`` token
    between each two; None for no docs, or when a doc holds a line break itself.

    Why it is exact: jieba cuts text into runs of word characters and yields every
    whitespace character outside them as a token of its own, so a newline never joins a
    word (tests/test_theme_columns.py checks both engines).
    """
    joined = "\n".join(docs)
    if not docs or "\r" in joined or joined.count("\n") != len(docs) - 1:
        return None
    return segmenter()(joined)


@cache
def theme_cue_terms() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(label, cue terms) per theme that has any, from ``data/themes/theme_cues.json``."""
    data = json.loads(THEME_CUES.read_text(encoding="utf-8"))["themes"]
    return tuple((label, tuple(terms)) for label, terms in data.items() if terms)


@cache
def theme_cue_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(label, pattern) per theme of :func:`theme_cue_terms`; longest terms first."""
    return tuple((label, re.compile("|".join(map(re.escape, sorted(terms, key=len, reverse=True)))))
                 for label, terms in theme_cue_terms())


def file_hash(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def theme_cues(doc: str) -> list[str]:
    """Cue analyzer: ``cue:<label>`` when a cue term of the theme occurs, ``cue:<label>:2+``
    when two distinct ones do (terms from ``data/themes/theme_cues.json``)."""
    out = []
    for label, pattern in theme_cue_patterns():
        found = set(pattern.findall(doc))
        if found:
            out.append(f"cue:{label}")
            if len(found) > 1:
                out.append(f"cue:{label}:2+")
    return out




# --------------------------------------------------------------------------- heading and body
#
# A paragraph often opens with its sub-heading (（三）平台建设情况。, 2. 加强政策解读：, 一是加强培训。).
# The heading and the body are separate feature blocks of the model, because a heading and a
# body that disagree (a 监督保障 heading over a paragraph about training) were a main source of
# errors. The split is computed from the text itself, so tagging needs nothing but the text.

WHITE_SPACES = re.compile(r"\s\s+")  # as in sklearn.feature_extraction.text

_MARKER = (r"(?:[（(]\s*(?:[一二三四五六七八九十]{1,3}|\d{1,2})\s*[）)]"
           r"|[一二三四五六七八九十]{1,3}\s*[、是]|\d{1,2}\s*[.、．]|第[一二三四五六七八九十]{1,3}[，,、])")
_HEADING = re.compile(rf"\s*{_MARKER}\s*[^。：:；;\s]{{1,40}}?(?:[。：:；;]|\s|$)")


@lru_cache(maxsize=1 << 14)
def split_heading(text: str) -> tuple[str, str]:
    """``(heading, body)``: the sub-heading that opens ``text`` (a list marker, up to 40
    characters, then 。：；, a space or the end) and the rest; ``("", text)`` when none."""
    m = _HEADING.match(text)
    if not m:
        return "", text
    return m.group(0).strip(), text[m.end():]


def heading_of(text: str) -> str:
    return split_heading(text)[0]


def body_of(text: str) -> str:
    return split_heading(text)[1]


def char_unigrams_bigrams(text: str) -> set[str]:
    """The distinct tokens of scikit-learn's ``analyzer="char", ngram_range=(1, 2)``."""
    text = WHITE_SPACES.sub(" ", text)
    return set(text).union(map(str.__add__, text, text[1:]))


def heading_words(doc: str) -> list[str]:
    """Word analyzer of the heading block: :func:`jieba_words` of the sub-heading only."""
    return jieba_words(heading_of(doc))


def heading_cues(doc: str) -> list[str]:
    """Cue analyzer of the heading block: :func:`theme_cues` of the sub-heading only."""
    return theme_cues(heading_of(doc))


def body_words(doc: str) -> list[str]:
    """Word analyzer of the body block: :func:`jieba_words` of the text after the heading."""
    return jieba_words(body_of(doc))


def body_chars(doc: str) -> set[str]:
    """Character 1-2-grams of the text after the heading."""
    return char_unigrams_bigrams(body_of(doc))


def body_cues(doc: str) -> list[str]:
    """Cue analyzer of the body block: :func:`theme_cues` of the text after the heading."""
    return theme_cues(body_of(doc))


# --------------------------------------------------------------------------- channel acts
#
# Whether a paragraph builds or runs a disclosure channel (platform, rule P1), only publishes
# through one (P2) or checks one (P3 -> assessment), and whether it checks the disclosure work
# itself (assessment, A1-A3) rather than some other content, is said within a sentence: an
# object next to a verb. Words and character grams lose which verb goes with which object, so
# these features keep it. One engine reads every frame (anchor terms, masks, kinds of acts)
# from data/themes/channel_acts.json.

_SENTENCE = re.compile(r"[。；;！!？?]")
_TITLE = re.compile(r"《[^《》]{0,80}》")
"""A cited title: its words are not acts of the paragraph (rule A12)."""
_BLANK = "\u25a1"


@dataclass(frozen=True)
class _Frame:
    name: str
    anchor: re.Pattern[str]
    any_act: re.Pattern[str]        # an act of any kind (none: the frame has nothing to say)
    mask: re.Pattern[str] | None
    titles: bool                    # blank cited titles 《…》 before matching
    clause: re.Pattern[str]         # what splits a sentence into clauses
    before: int                     # "near": act ends at most this many characters before an anchor
    after: int                      # ... or starts at most this many after one
    not_before: re.Pattern[str] | None  # an act term followed by this is no act (开设的账号)
    object_kinds: tuple[str, ...]   # kinds whose object an anchor may head ...
    object_within: int              # ... at most this many characters after the act
    acts: tuple[tuple[str, re.Pattern[str]], ...]
    count: re.Pattern[str] | None
    count_kind: str
    count_unless: str
    only: tuple[tuple[str, frozenset[str]], ...]
    tags: dict[str, tuple[str, str, str, str, str]]  # kind -> its features, see _tags


def _tags(name: str, kind: str) -> tuple[str, str, str, str, str]:
    """A kind's features: beside an anchor, in its clause, near it, heading its object, near
    it alone (built once: formatting them per paragraph cost a tenth of the analyzer)."""
    return (f"{name}:{kind}", f"{name}:{kind}:clause", f"{name}:{kind}:near",
            f"{name}:{kind}:object", f"{name}:{kind}:near:only")


def _alternation(terms: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, sorted(terms, key=len, reverse=True))))


@cache
def channel_act_patterns() -> tuple[_Frame, ...]:
    """The frames of ``data/themes/channel_acts.json``, compiled."""
    data = json.loads(CHANNEL_ACTS.read_text(encoding="utf-8"))
    frames = []
    for name, frame in data["frames"].items():
        count = frame.get("count") or {}
        near = frame.get("near", {})
        obj = frame.get("object", {})
        clause_marks = frame.get("clause_marks", "，,、：:")
        if any(mark in term for term in frame["anchor"] for mark in clause_marks):
            raise ValueError(f"{CHANNEL_ACTS}: an anchor of frame {name!r} holds a clause mark")
        frames.append(_Frame(
            name=name,
            anchor=_alternation(frame["anchor"]),
            any_act=_alternation([term for terms in frame["acts"].values() for term in terms]),
            mask=_alternation(frame["mask"]) if frame.get("mask") else None,
            titles=bool(frame.get("mask_titles", False)),
            clause=re.compile("[" + re.escape(clause_marks) + "]"),
            before=int(near.get("before", 0)), after=int(near.get("after", 0)),
            not_before=_alternation(frame["not_before"]) if frame.get("not_before") else None,
            object_kinds=tuple(obj.get("kinds", ())), object_within=int(obj.get("within", 0)),
            acts=tuple((kind, _alternation(terms)) for kind, terms in frame["acts"].items()),
            count=re.compile(r"\d+(?:\.\d+)?\s*(?:" + _alternation(count["units"]).pattern + ")")
            if count else None,
            count_kind=count.get("kind", ""), count_unless=count.get("unless", ""),
            only=tuple((kind, frozenset(unless))
                       for kind, unless in frame.get("only", {}).items()),
            tags={kind: _tags(name, kind) for kind in frame["acts"]}))
    return tuple(frames)


def _near(hits: Sequence[tuple[int, int]], anchors: Sequence[tuple[int, int]],
          before: int, after: int) -> bool:
    """Whether an act span ends at most ``before`` characters before an anchor or starts at
    most ``after`` characters after one (``after`` < 0: never after)."""
    return any((h1 <= a0 and a0 - h1 <= before) or (h0 >= a1 and h0 - a1 <= after)
               for h0, h1 in hits for a0, a1 in anchors)


def _blank(m: re.Match[str]) -> str:
    return _BLANK * len(m[0])


def _anchored_clauses(frame: _Frame, sentence: str) -> list[tuple[str, list[tuple[int, int]]]]:
    """The clauses of ``sentence`` that hold an anchor, each with its anchors' spans.

    Why: the anchors are found in one scan of the sentence, not one per clause (most clauses
    hold none). No anchor term holds a clause mark (:func:`channel_act_patterns` checks), so
    the sentence's matches are its clauses' matches, shifted by the clause's start."""
    anchors = [m.span() for m in frame.anchor.finditer(sentence)]
    clauses = frame.clause.split(sentence)
    if len(clauses) == 1:
        return [(sentence, anchors)]
    out: list[tuple[str, list[tuple[int, int]]]] = []
    start = i = 0
    for clause in clauses:
        end = start + len(clause)
        inside = []
        while i < len(anchors) and anchors[i][0] < end:
            inside.append((anchors[i][0] - start, anchors[i][1] - start))
            i += 1
        if inside:
            out.append((clause, inside))
        start = end + 1   # (past the clause mark: one character)
    return out


def channel_acts(doc: str) -> list[str]:
    """Per frame of ``data/themes/channel_acts.json``:

    - ``<frame>:<kind>`` for each kind of act named beside an anchor in one sentence;
    - ``<frame>:<kind>:clause`` when they share a clause (between the frame's clause marks);
    - ``<frame>:<kind>:near`` when the act is next to the anchor in that clause (an act term
      followed by one of ``not_before``, e.g. the attributive 的, is not an act there);
    - ``<frame>:<kind>:object`` when an anchor follows an act of ``object.kinds`` in its clause
      within ``object.within`` characters (the anchor heads the act's object);
    - ``<frame>:count`` (``:count:only``) for a clause that counts what was published through
      an anchor (and no act of ``count.unless`` is near one);
    - ``<frame>:<kind>:near:only`` for ``only``'s kinds: near an anchor, and none of the listed
      kinds is.

    Masked terms (12345 and service systems, rule P5; 监督 that is not a check of the disclosure
    work, A1) and, with ``mask_titles``, cited titles 《…》 (A12) are blanked first."""
    out: list[str] = []
    for frame in channel_act_patterns():
        # (blanking only turns characters into □, which no term holds: none before, none after)
        if not frame.anchor.search(doc) or not frame.any_act.search(doc):
            continue   # no anchor, or no act: nothing to say for this frame
        text, blanked = _TITLE.subn(_blank, doc) if frame.titles else (doc, 0)
        if frame.mask is not None:
            text, masked = frame.mask.subn(_BLANK, text)
            blanked += masked
        if blanked and not frame.anchor.search(text):
            continue   # no anchor in any sentence: nothing to say for this frame
        found: set[str] = set()
        in_clause: set[str] = set()
        near: set[str] = set()
        objects: set[str] = set()
        counted = False
        for sentence in _SENTENCE.split(text):
            if not frame.anchor.search(sentence) or not frame.any_act.search(sentence):
                continue   # (no act, no feature: the clauses need not be looked at)
            acts = [(kind, pattern) for kind, pattern in frame.acts if pattern.search(sentence)]
            found.update([kind for kind, _ in acts])
            for clause, anchors in _anchored_clauses(frame, sentence):
                for kind, pattern in acts:   # (an act absent from the sentence is in none of its clauses)
                    if kind in near and (kind in objects or kind not in frame.object_kinds):
                        continue   # (near implies in_clause: this kind has nothing more to say)
                    hits = [m.span() for m in pattern.finditer(clause)
                            if frame.not_before is None
                            or not frame.not_before.match(clause, m.end())]
                    if not hits:
                        continue
                    in_clause.add(kind)
                    if kind not in near and _near(hits, anchors, frame.before, frame.after):
                        near.add(kind)
                    if kind in frame.object_kinds and kind not in objects \
                            and _near(hits, anchors, frame.object_within, -1):
                        objects.add(kind)
                if not counted and frame.count is not None and frame.count.search(clause) and any(
                        kind == frame.count_kind and pattern.search(clause)
                        for kind, pattern in acts):
                    counted = True
        tags = frame.tags
        out += [tags[kind][0] for kind in sorted(found)]
        out += [tags[kind][1] for kind in sorted(in_clause)]
        out += [tags[kind][2] for kind in sorted(near)]
        out += [tags[kind][3] for kind in sorted(objects)]
        if counted:
            out.append(f"{frame.name}:count")
            if frame.count_unless not in near:
                out.append(f"{frame.name}:count:only")
        out += [tags[kind][4] for kind, unless in frame.only
                if kind in near and not near & unless]
    return out
