"""The feature columns present in each of a batch of texts, for one block of the theme model.

Why: the scorer needs, per paragraph, the distinct vocabulary columns its analyzer yields.
Calling the analyzer and a dict per paragraph and per token costs more than the rest of
tagging together, so the analyzers where it pays have a batched form here that gives the
same pairs: character n-grams looked up with numpy in tables indexed by character ids,
jieba tokens (one cut per batch, of the texts or of their headings) mapped to columns
through one growing dict, cue terms found through their character pairs.
:class:`AnalyzerColumns` is the plain form, used for the channel acts and as the reference
in tests (tests/themes/test_columns.py, tests/equivalence/test_themes_columns.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from itertools import chain
from typing import Any, ClassVar, cast

import numpy as np

from gknlp.themes import features as theme_features

__all__ = ["Columns", "AnalyzerColumns", "CharGramColumns", "WordColumns", "CueColumns",
           "columns_for"]

#: ``(rows, cols)``: ``intp`` arrays of equal length, one entry per (text, column) pair
#: present (possibly repeated: the scorer keeps the distinct ones).
Pairs = tuple[Any, Any]
Columns = Callable[[Sequence[str]], Pairs]

WHITE_SPACES = theme_features.WHITE_SPACES
char_unigrams_bigrams = theme_features.char_unigrams_bigrams


def _pairs(rows: list[int], cols: list[int]) -> Pairs:
    return np.array(rows, dtype=np.intp), np.array(cols, dtype=np.intp)


class AnalyzerColumns:
    """Any analyzer: its tokens per text, looked up in the vocabulary one by one."""

    def __init__(self, analyzer: Callable[[str], Any], vocabulary: Mapping[str, int]) -> None:
        self.analyzer = analyzer
        self.vocabulary = vocabulary

    def __call__(self, texts: Sequence[str]) -> Pairs:
        rows: list[int] = []
        cols: list[int] = []
        get = self.vocabulary.get
        for i, text in enumerate(texts):
            tokens = self.analyzer(text)
            if not tokens:
                continue   # (most paragraphs name no channel act)
            found = {col for col in map(get, set(tokens)) if col is not None}
            rows += [i] * len(found)
            cols += cast("set[int]", found)
        return _pairs(rows, cols)


class _CharIds:
    """Code point -> a small id for each character of a set (0: any other character), so
    that grams of those characters index dense tables. Tables use the smallest int type
    that holds them: they are read at random, and a small table stays in cache."""

    def __init__(self, chars: Iterable[str]) -> None:
        chars = sorted(set(chars))
        self.size = len(chars) + 1
        self.top = max(map(ord, chars), default=0) + 1  # code points from here on get 0
        self.table = np.zeros(self.top + 1, dtype=np.min_scalar_type(self.size))
        self.table[[ord(ch) for ch in chars]] = np.arange(1, self.size)

    def __call__(self, text: str) -> np.ndarray:
        """The id of each character of ``text``, as ``intp`` (so id pairs do not overflow)."""
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        return self.table[np.minimum(codes, self.top)].astype(np.intp)

    def bigram(self, gram: str) -> int:
        """The index of the first two characters of ``gram`` in a ``size * size`` table."""
        first, second = (int(self.table[ord(ch)]) for ch in gram[:2])
        return first * self.size + second


class CharGramColumns:
    """Character 1-2-grams of all texts at once, looked up in dense tables by character ids
    (no gram of the vocabulary holds a character without one): no string built per gram."""

    #: Joins the texts when no term holds it: a character without an id, so no gram of the
    #: vocabulary holds it and the two grams across a join have no column. A vocabulary holding
    #: it (a model trained on paragraphs holding NUL) gets the first other character without
    #: an id that is no white space (``separator``).
    SEPARATOR: ClassVar[str] = "\0"

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        if any(len(term) not in (1, 2) for term in vocabulary):
            raise ValueError("a character 1-2-gram vocabulary holds only 1- and 2-grams")
        chars = "".join(vocabulary)
        self.separator = self.SEPARATOR
        if self.separator in chars:
            held = set(chars)
            self.separator = next(ch for ch in map(chr, range(0x110000))
                                  if ch not in held and not ch.isspace())
        self.ids = _CharIds(chars)
        col_type = np.min_scalar_type(-len(vocabulary))  # signed: -1 is "none"
        self.unigram_cols = np.full(self.ids.size, -1, dtype=col_type)
        self.bigram_cols = np.full(self.ids.size ** 2, -1, dtype=col_type)
        unigrams = [(ord(term), col) for term, col in vocabulary.items() if len(term) == 1]
        bigrams = [(ord(term[0]), ord(term[1]), col) for term, col in vocabulary.items() if len(term) == 2]
        if unigrams:
            codes, cols = zip(*unigrams)
            self.unigram_cols[self.ids.table[list(codes)]] = cols
        if bigrams:
            firsts, seconds, cols = zip(*bigrams)
            first, second = (self.ids.table[list(c)].astype(np.intp) for c in (firsts, seconds))
            self.bigram_cols[first * self.ids.size + second] = cols

    def __call__(self, texts: Sequence[str]) -> Pairs:
        joined = self.separator.join(texts)
        if _has_white_run(joined):  # (the separator is no white space: no run across texts)
            texts = [WHITE_SPACES.sub(" ", t) for t in texts]
            joined = self.separator.join(texts)
        ids = self.ids(joined)
        rows = np.repeat(np.arange(len(texts)), [len(t) + 1 for t in texts])[:len(ids)]
        cols = np.concatenate([self.unigram_cols[ids],
                               self.bigram_cols[ids[:-1] * self.ids.size + ids[1:]]])
        rows = np.concatenate([rows, rows[:-1]])
        keep = cols >= 0
        return rows[keep], cols[keep].astype(np.intp)  # the scorer adds the block's offset


def _has_white_run(text: str) -> bool:
    """Whether ``WHITE_SPACES`` (two or more white space characters) occurs in ``text``:
    as many white space characters as runs of them, counted from ``str.split`` (which splits
    at the characters ``\\s`` matches), else a run holds two. Several times cheaper than the
    pattern's scan, which finds nothing in a normalised text."""
    words = text.split()
    if not words:
        return len(text) > 1
    white = len(text) - sum(map(len, words))
    runs = len(words) - 1 + text[0].isspace() + text[-1].isspace()
    return white != runs


class _TokenColumns(dict):
    """jieba token -> its word feature's column (-1: none), filled on first sight; the
    newline between joined texts -> ``SEPARATOR``."""

    LIMIT = 1 << 18  # distinct tokens kept; then start again (numbers are endless)
    SEPARATOR = -2

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        super().__init__({"\n": self.SEPARATOR})
        self.vocabulary = vocabulary

    def __missing__(self, token: str) -> int:
        feature = theme_features.word_feature(token)
        col = self.vocabulary.get(feature, -1) if feature is not None else -1
        if len(self) >= self.LIMIT:
            self.clear()
            self["\n"] = self.SEPARATOR
        self[token] = col
        return col


class WordColumns:
    """:func:`theme_features.jieba_words` of all texts (or of a part of each, e.g. its
    heading): one cut, one dict lookup per token in C, and each token's text counted from the
    newline tokens before it."""

    def __init__(self, vocabulary: Mapping[str, int],
                 part: Callable[[str], str] | None = None) -> None:
        self.token_columns = _TokenColumns(vocabulary)
        self.part = part

    def __call__(self, texts: Sequence[str]) -> Pairs:
        if self.part is not None:
            texts = [self.part(t) for t in texts]
        tokens = theme_features.jieba_cut_joined(texts)
        if tokens is None:
            return self._one_by_one(texts)
        cols = np.fromiter(map(self.token_columns.__getitem__, tokens), dtype=np.intp,
                           count=len(tokens))
        rows = np.cumsum(cols == _TokenColumns.SEPARATOR)
        keep = cols >= 0
        return rows[keep], cols[keep]

    def _one_by_one(self, texts: Sequence[str]) -> Pairs:
        tokens = theme_features.jieba_tokens(texts)
        lengths = [len(t) for t in tokens]
        cols = np.fromiter(map(self.token_columns.__getitem__, chain.from_iterable(tokens)),
                           dtype=np.intp, count=sum(lengths))
        rows = np.repeat(np.arange(len(texts)), lengths)
        keep = cols >= 0
        return rows[keep], cols[keep]


def _may_overlap(a: str, b: str) -> bool:
    """Whether an occurrence of ``a`` and one of ``b`` may share a character: one holds the
    other, or one ends with what the other starts with. Two terms that share no character
    cannot (the cue terms have two characters or more)."""
    if set(a).isdisjoint(b):
        return False
    return (a in b or b in a or any(a.endswith(b[:k]) for k in range(1, len(b)))
            or any(b.endswith(a[:k]) for k in range(1, len(a))))


@cache
def _overlaps(labelled: tuple[tuple[str, tuple[str, ...]], ...]) -> list[tuple[int, int]]:
    """(t, u): term t may overlap term u of its theme (terms numbered across the themes, in
    order); ordered by t, then u. Made once for the heading's and the body's cue columns."""
    out, start = [], 0
    for _, terms in labelled:
        out += [(start + t, start + u) for t, a in enumerate(terms) for u, b in enumerate(terms)
                if u != t and _may_overlap(a, b)]
        start += len(terms)
    return out


class _TermPresence:
    """Which of some terms each of a batch of texts holds, exactly, with few string searches.

    A term occurs only where each pair of adjacent characters in it occurs, so one numpy pass
    over the texts' character pairs (the pairs of the terms, indexed by character ids) gives
    the few terms each text may hold: a two-character term it holds exactly, ``in`` tells for
    a longer one."""

    def __init__(self, terms: Sequence[str]) -> None:
        if any(len(term) < 2 or "\n" in term for term in terms):
            raise ValueError("a term of one character, or holding a newline")
        self.ids = _CharIds("".join(terms))
        term_pairs = [[self.ids.bigram(term[k:k + 2]) for k in range(len(term) - 1)]
                      for term in terms]
        pairs = sorted({pair for pairs in term_pairs for pair in pairs})
        self.pair_keys = np.zeros(self.ids.size ** 2, dtype=np.min_scalar_type(len(pairs) + 1))
        self.pair_keys[pairs] = np.arange(1, len(pairs) + 1)  # 0: no pair of a term
        self.n_keys = len(pairs) + 1
        width = max(map(len, term_pairs), default=0)  # (a short term repeats its first pair)
        term_keys = self.pair_keys[[p + p[:1] * (width - len(p)) for p in term_pairs]]
        self.term_keys = term_keys.astype(np.intp).reshape(len(terms), width).T
        self.long = [t for t, term in enumerate(terms) if len(term) > 2]
        self.long_terms = [terms[t] for t in self.long]

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """(terms, texts) bool: whether the text holds the term."""
        ids = self.ids("\n".join(texts))  # no term holds a newline: no pair spans two texts
        keys = self.pair_keys[ids[:-1] * self.ids.size + ids[1:]]
        at = np.flatnonzero(keys)
        starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
        present = np.zeros((self.n_keys, len(texts)), dtype=bool)
        present[keys[at], np.searchsorted(starts, at, side="right") - 1] = True
        holds = present[self.term_keys[0]]   # (rows: a run of terms is a run of rows)
        for keys_at in self.term_keys[1:]:
            holds &= present[keys_at]
        at_long, at_texts = np.nonzero(holds[self.long])
        for k, i in zip(at_long.tolist(), at_texts.tolist()):
            if self.long_terms[k] not in texts[i]:
                holds[self.long[k], i] = False
        return holds


class CueColumns:
    """:func:`theme_features.theme_cues` of all texts (or of a part of each, e.g. its
    heading), each theme's pattern run only where its matches are in doubt.

    Why: the twelve patterns cost a scan of every text each, and a text holds terms of three
    themes or so. Which terms each text holds comes from one pass over the batch
    (:class:`_TermPresence`). A theme with none of its terms has no cue, a theme with one has
    ``cue:<label>`` and no ``:2+``. With two or more, the pattern's matches may hide one
    another (队伍建设 holds 队伍), but not the first occurrence of a term that no other term
    present may overlap (the scan reaches its start, and only it starts there): two such
    terms give ``:2+``; otherwise the pattern decides, as in :func:`theme_features.theme_cues`
    (tests/equivalence/test_themes_columns.py checks the pairs against the plain analyzer).
    """

    #: Fewer texts (a report's paragraphs tagged alone) go through the patterns: the numpy
    #: pass costs about 0.1 ms a call, the patterns about 20 µs a paragraph, 6 µs a heading.
    SMALL: ClassVar[int] = 16

    def __init__(self, vocabulary: Mapping[str, int],
                 part: Callable[[str], str] | None = None) -> None:
        self.part = part
        labelled = theme_features.theme_cue_terms()
        self.patterns = [pattern for _, pattern in theme_features.theme_cue_patterns()]
        terms = [term for _, label_terms in labelled for term in label_terms]
        self.presence = _TermPresence(terms)
        sizes = [len(label_terms) for _, label_terms in labelled]
        self.label_starts = np.cumsum([0, *sizes[:-1]] if sizes else [], dtype=np.intp)
        overlaps = _overlaps(labelled)
        self.overlapping = np.array(sorted({t for t, _ in overlaps}), dtype=np.intp)
        self.overlapped = np.array([u for _, u in overlaps], dtype=np.intp)
        self.overlap_starts = np.searchsorted([t for t, _ in overlaps], self.overlapping)
        cols = [(vocabulary.get(f"cue:{label}", -1), vocabulary.get(f"cue:{label}:2+", -1))
                for label, _ in labelled]
        self.one_cols = np.array([one for one, _ in cols], dtype=np.intp)
        self.two_cols = np.array([two for _, two in cols], dtype=np.intp)
        self.plain = AnalyzerColumns(theme_features.theme_cues, vocabulary)

    def __call__(self, texts: Sequence[str]) -> Pairs:
        if self.part is not None:
            texts = [self.part(t) for t in texts]
        kept = [i for i, text in enumerate(texts) if text]   # (an empty text has no cue)
        columns = self._columns if len(kept) >= self.SMALL else self.plain
        if len(kept) == len(texts):
            return columns(texts)
        rows, cols = columns([texts[i] for i in kept])
        return np.array(kept, dtype=np.intp)[rows], cols

    def _columns(self, texts: Sequence[str]) -> Pairs:
        if not texts or not len(self.label_starts):
            return _pairs([], [])
        holds = self.presence(texts)   # (terms, texts); themes: runs of terms
        alone = holds.copy()   # held, and no other term held may overlap it
        if len(self.overlapping):
            alone[self.overlapping] &= ~np.logical_or.reduceat(
                holds[self.overlapped], self.overlap_starts, axis=0)
        n_held = np.add.reduceat(holds, self.label_starts, axis=0, dtype=np.intp)
        two = np.add.reduceat(alone, self.label_starts, axis=0, dtype=np.intp) > 1
        for label, i in zip(*(a.tolist() for a in np.nonzero((n_held > 1) & ~two))):
            two[label, i] = len(set(self.patterns[label].findall(texts[i]))) > 1
        one_labels, one_rows = np.nonzero(n_held)
        two_labels, two_rows = np.nonzero(two)
        rows = np.concatenate([one_rows, two_rows])
        cols = np.concatenate([self.one_cols[one_labels], self.two_cols[two_labels]])
        keep = cols >= 0
        return rows[keep], cols[keep]


def columns_for(analyzer: Callable[[str], Any], vocabulary: Mapping[str, int]) -> Columns:
    """The batched form of ``analyzer`` over ``vocabulary`` when there is one, else the plain.

    Each one's saving is printed by ``python bench/themes_speed.py --fast-paths``: the grams
    and the words save over 5 % of the end-to-end time per report (issue 12's rule); the cue
    terms about 3 %, kept because issue 12's throughput floor needs them (models/README.md).
    The channel acts keep the plain form.
    """
    if analyzer is char_unigrams_bigrams:
        return CharGramColumns(vocabulary)
    if analyzer is theme_features.jieba_words:
        return WordColumns(vocabulary)
    if analyzer is theme_features.heading_words:
        return WordColumns(vocabulary, theme_features.heading_of)
    if analyzer in (theme_features.theme_cues, theme_features.heading_cues):
        part = theme_features.heading_of if analyzer is theme_features.heading_cues else None
        try:
            return CueColumns(vocabulary, part)
        except ValueError:   # a cue term of one character (no pair), or with a newline
            return AnalyzerColumns(analyzer, vocabulary)
    return AnalyzerColumns(analyzer, vocabulary)
