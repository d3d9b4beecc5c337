"""The feature columns present in each of a batch of texts, for one block of the theme model.

Why: the scorer needs, per paragraph, the distinct vocabulary columns its analyzer yields.
Calling the analyzer and a dict per paragraph and per token costs more than the rest of
tagging together, so each known analyzer has a batched form here that gives the same
pairs: character n-grams and cue terms looked up with numpy in tables indexed by
character ids, jieba tokens (one cut per batch) mapped to columns through one growing
dict. :class:`AnalyzerColumns` is the plain form, used for any other analyzer and as the
reference in tests (tests/test_theme_columns.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain
from typing import Any

import numpy as np

from gknlp.themes import features as theme_features

__all__ = ["Columns", "AnalyzerColumns", "CharGramColumns", "WordColumns", "CueColumns",
           "PartColumns", "columns_for"]

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
        for i, text in enumerate(texts):
            found = {col for col in map(self.vocabulary.get, set(self.analyzer(text)))
                     if col is not None}
            rows += [i] * len(found)
            cols += found
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

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        if any(len(term) not in (1, 2) for term in vocabulary):
            raise ValueError("a character 1-2-gram vocabulary holds only 1- and 2-grams")
        self.ids = _CharIds("".join(vocabulary))
        col_type = np.min_scalar_type(-len(vocabulary))  # signed: -1 is "none"
        self.unigram_cols = np.full(self.ids.size, -1, dtype=col_type)
        self.bigram_cols = np.full(self.ids.size ** 2, -1, dtype=col_type)
        for term, col in vocabulary.items():
            if len(term) == 1:
                self.unigram_cols[self.ids.table[ord(term)]] = col
            else:
                self.bigram_cols[self.ids.bigram(term)] = col

    def __call__(self, texts: Sequence[str]) -> Pairs:
        if WHITE_SPACES.search("\0".join(texts)):  # "\0" keeps runs from joining across texts
            texts = [WHITE_SPACES.sub(" ", t) for t in texts]
        ids = self.ids("".join(texts))
        rows = np.repeat(np.arange(len(texts)), [len(t) for t in texts])
        within = rows[1:] == rows[:-1]  # bigrams never span two texts
        cols = np.concatenate([self.unigram_cols[ids],
                               self.bigram_cols[ids[:-1][within] * self.ids.size + ids[1:][within]]])
        rows = np.concatenate([rows, rows[:-1][within]])
        keep = cols >= 0
        return rows[keep], cols[keep].astype(np.intp)  # the scorer adds the block's offset


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
    """:func:`theme_features.jieba_words` of all texts: one cut, one dict lookup per
    token in C, and each token's text counted from the newline tokens before it."""

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        self.token_columns = _TokenColumns(vocabulary)

    def __call__(self, texts: Sequence[str]) -> Pairs:
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


class CueColumns:
    """:func:`theme_features.theme_cues` of all texts: every cue term found with numpy.

    A theme's ``cue:<label>`` is on when one of its terms occurs in the text. Its
    ``cue:<label>:2+`` needs two distinct terms among the pattern's non-overlapping
    matches. The pattern matches every occurrence that overlaps no other occurrence of
    the theme's terms (its scan reaches that start, and only that term starts there), so
    two distinct terms with such an occurrence decide it; only where overlaps leave that
    open does the pattern itself decide. Terms are found by their character ids read as
    digits (an exact key, no hashing: a key's first digit is never 0, so keys of different
    lengths differ) where their first two characters are, for the lengths of the terms that
    start with those two; the newline between texts has id 0, which no term holds, so no
    window spans two texts.
    """

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        themes = theme_features.theme_cue_terms()
        self.patterns = [pattern for _, pattern in theme_features.theme_cue_patterns()]
        self.col_one = np.array([vocabulary.get(f"cue:{label}", -1) for label, _ in themes],
                                dtype=np.intp)
        self.col_two = np.array([vocabulary.get(f"cue:{label}:2+", -1) for label, _ in themes],
                                dtype=np.intp)
        terms = sorted({term for _, theme_terms in themes for term in theme_terms})
        self.ids = _CharIds("".join(terms))
        self.longest = max(map(len, terms), default=0)
        self.lengths = np.array([len(term) for term in terms], dtype=np.intp)
        # term x theme: True when the theme lists the term
        self.term_themes = np.array([[term in theme_terms for _, theme_terms in themes]
                                     for term in terms], dtype=bool).reshape(len(terms), -1)
        # first two characters -> the lengths of the terms that start with them (bit L - 1)
        self.first_pairs = np.zeros(self.ids.size ** 2,
                                    dtype=np.min_scalar_type(1 << max(self.longest - 1, 0)))
        for term in terms:
            self.first_pairs[self.ids.bigram(term)] |= 1 << (len(term) - 1)
        keys = np.array([self._key(term) for term in terms], dtype=np.int64)
        order = np.argsort(keys)
        self.sorted_keys, self.sorted_terms = keys[order], order

    def _key(self, term: str) -> int:
        key = 0
        for ch in term:
            key = key * self.ids.size + int(self.ids.table[ord(ch)])
        return key

    @staticmethod
    def applies() -> bool:
        """Whether terms can be found this way: all have two characters or more and no
        newline (the separator of texts), and their keys fit in an int64."""
        terms = {term for _, theme_terms in theme_features.theme_cue_terms() for term in theme_terms}
        if not terms:
            return False
        n_ids = len(set("".join(terms))) + 1
        longest = max(map(len, terms))
        return (min(map(len, terms)) >= 2 and not any("\n" in term for term in terms)
                and n_ids ** longest < 2 ** 62)

    def occurrences(self, texts: Sequence[str]) -> tuple[Any, Any, Any]:
        """Every occurrence of a term, overlapping ones included: ``(text, start, term)``,
        ``start`` in the texts joined by newlines, ``term`` an index in the sorted terms."""
        ids = self.ids("\n".join(texts))
        text_of = np.repeat(np.arange(len(texts)), [len(t) + 1 for t in texts])
        padded = np.concatenate([ids, np.zeros(self.longest, dtype=ids.dtype)])
        # only where a term's first two characters are can a term start
        lengths = self.first_pairs[ids * self.ids.size + padded[1:len(ids) + 1]]
        at = np.flatnonzero(lengths)
        # row j: the key of the first j + 1 characters from each candidate start
        prefix_keys = padded[np.arange(self.longest)[:, None] + at].astype(np.int64)
        for j in range(1, self.longest):
            prefix_keys[j] += prefix_keys[j - 1] * self.ids.size
        # (length - 1, candidate) for the lengths its first two characters allow
        length, candidate = np.divmod(np.flatnonzero(
            lengths[at] & (1 << np.arange(self.longest))[:, None]), len(at))
        keys = prefix_keys[length, candidate]
        where = np.minimum(np.searchsorted(self.sorted_keys, keys), len(self.sorted_keys) - 1)
        found = np.flatnonzero(self.sorted_keys[where] == keys)
        starts = at[candidate[found]]
        return text_of[starts], starts, self.sorted_terms[where[found]]

    def __call__(self, texts: Sequence[str]) -> Pairs:
        n_themes, n_terms = self.term_themes.shape[1], len(self.term_themes)
        text, start, term = self.occurrences(texts)
        found, theme = np.nonzero(self.term_themes[term])  # each occurrence once per theme
        text, start, term = text[found], start[found], term[found]
        # one stretch of the number line per theme (its spans overlap only each other)
        clear = self._overlapping_none(theme * (sum(map(len, texts)) + len(texts)) + start,
                                       self.lengths[term])
        pair_term = (text * n_themes + theme) * n_terms + term  # (text, theme, term)
        # distinct terms per (text, theme): all found, and those found clear of overlaps
        n_found = np.bincount(np.unique(pair_term) // n_terms, minlength=len(texts) * n_themes)
        n_clear = np.bincount(np.unique(pair_term[clear]) // n_terms,
                              minlength=len(texts) * n_themes)
        two = n_clear > 1
        for row_theme in np.flatnonzero((n_found > 1) & ~two).tolist():
            row, theme_index = divmod(row_theme, n_themes)
            if self.col_two[theme_index] >= 0:
                two[row_theme] = len(set(self.patterns[theme_index].findall(texts[row]))) > 1
        rows_one, themes_one = np.divmod(np.flatnonzero(n_found), n_themes)
        rows_two, themes_two = np.divmod(np.flatnonzero(two), n_themes)
        rows = np.concatenate([rows_one, rows_two])
        cols = np.concatenate([self.col_one[themes_one], self.col_two[themes_two]])
        keep = cols >= 0
        return rows[keep], cols[keep]

    @staticmethod
    def _overlapping_none(starts: Any, lengths: Any) -> Any:
        """Per span ``[start, start + length)``, whether it overlaps no other span."""
        order = np.argsort(starts, kind="stable")
        begin, end = starts[order], starts[order] + lengths[order]
        alone = np.ones(len(order), dtype=bool)
        alone[1:] = np.maximum.accumulate(end)[:-1] <= begin[1:]  # the earlier ones end first
        alone[:-1] &= end[:-1] <= begin[1:]  # the next one (so every later one) starts after
        out = np.empty_like(alone)
        out[order] = alone
        return out


class PartColumns:
    """A batched form applied to one part of each text (its heading, or its body)."""

    def __init__(self, inner: Columns, part: Callable[[str], str]) -> None:
        self.inner = inner
        self.part = part

    def __call__(self, texts: Sequence[str]) -> Pairs:
        return self.inner([self.part(t) for t in texts])


def columns_for(analyzer: Callable[[str], Any], vocabulary: Mapping[str, int]) -> Columns:
    """The batched form of ``analyzer`` over ``vocabulary`` when there is one, else the plain."""
    f = theme_features
    parts: dict[Callable[[str], Any], tuple[Callable[[str], Any], Callable[[str], str]]] = {
        f.heading_words: (f.jieba_words, f.heading_of), f.heading_cues: (f.theme_cues, f.heading_of),
        f.body_words: (f.jieba_words, f.body_of), f.body_cues: (f.theme_cues, f.body_of),
        f.body_chars: (char_unigrams_bigrams, f.body_of)}
    if analyzer in parts:
        whole, part = parts[analyzer]
        return PartColumns(columns_for(whole, vocabulary), part)
    if analyzer is char_unigrams_bigrams:
        return CharGramColumns(vocabulary)
    if analyzer is theme_features.jieba_words:
        return WordColumns(vocabulary)
    if analyzer is theme_features.theme_cues and CueColumns.applies():
        return CueColumns(vocabulary)
    return AnalyzerColumns(analyzer, vocabulary)
