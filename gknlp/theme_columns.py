"""The feature columns present in each of a batch of texts, for one block of the theme model.

Why: the scorer needs, per paragraph, the distinct vocabulary columns its analyzer yields.
Calling the analyzer and a dict per paragraph and per token costs more than the rest of
tagging together, so each known analyzer has a batched form here that gives the same
pairs: character n-grams looked up with numpy, jieba tokens mapped to columns through one
growing dict, cue patterns run once over the whole batch. :class:`AnalyzerColumns` is the
plain form, used for any other analyzer and as the reference in tests.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping, Sequence
from itertools import accumulate, chain
from typing import Any

import numpy as np

from gknlp import theme_features

__all__ = ["Columns", "AnalyzerColumns", "CharGramColumns", "WordColumns", "CueColumns",
           "columns_for"]

#: ``(rows, cols)``: int arrays of equal length, one entry per distinct (text, column) pair
#: (possibly repeated: the scorer keeps the distinct ones).
Pairs = tuple[Any, Any]
Columns = Callable[[Sequence[str]], Pairs]

WHITE_SPACES = re.compile(r"\s\s+")  # as in sklearn.feature_extraction.text


def char_unigrams_bigrams(text: str) -> set[str]:
    """The distinct tokens of scikit-learn's ``analyzer="char", ngram_range=(1, 2)``."""
    text = WHITE_SPACES.sub(" ", text)
    return set(text).union(map(str.__add__, text, text[1:]))


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
            found = set(map(self.vocabulary.get, set(self.analyzer(text))))
            found.discard(None)
            rows += [i] * len(found)
            cols += found
        return _pairs(rows, cols)


class CharGramColumns:
    """Character 1-2-grams of all texts at once, looked up in dense tables.

    Every character of the vocabulary gets a small id (0: any other character, which no
    gram of the vocabulary holds), so a unigram is looked up by its id and a bigram by the
    pair of ids, both in C: no string is built per gram.
    """

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        if any(len(term) not in (1, 2) for term in vocabulary):
            raise ValueError("a character 1-2-gram vocabulary holds only 1- and 2-grams")
        chars = sorted(set("".join(vocabulary)))
        n_ids = len(chars) + 1
        top = max(map(ord, chars), default=0) + 1  # code points from here on get id 0
        self.char_ids = np.zeros(top + 1, dtype=np.intp)
        self.char_ids[[ord(ch) for ch in chars]] = np.arange(1, n_ids)
        self.top = top
        self.n_ids = n_ids
        self.unigram_cols = np.full(n_ids, -1, dtype=np.intp)
        self.bigram_cols = np.full(n_ids * n_ids, -1, dtype=np.intp)
        for term, col in vocabulary.items():
            ids = self.char_ids[[ord(ch) for ch in term]]
            if len(term) == 1:
                self.unigram_cols[ids[0]] = col
            else:
                self.bigram_cols[ids[0] * n_ids + ids[1]] = col

    def __call__(self, texts: Sequence[str]) -> Pairs:
        if WHITE_SPACES.search("\0".join(texts)):  # "\0" keeps runs from joining across texts
            texts = [WHITE_SPACES.sub(" ", t) for t in texts]
        codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        ids = self.char_ids[np.minimum(codes, self.top)]
        rows = np.repeat(np.arange(len(texts)), [len(t) for t in texts])
        within = rows[1:] == rows[:-1]  # bigrams never span two texts
        cols = np.concatenate([self.unigram_cols[ids],
                               self.bigram_cols[ids[:-1][within] * self.n_ids + ids[1:][within]]])
        rows = np.concatenate([rows, rows[:-1][within]])
        keep = cols >= 0
        return rows[keep], cols[keep]


class _TokenColumns(dict):
    """jieba token -> its word feature's column (-1: none), filled on first sight."""

    LIMIT = 1 << 18  # distinct tokens kept; then start again (numbers are endless)

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        super().__init__()
        self.vocabulary = vocabulary

    def __missing__(self, token: str) -> int:
        feature = theme_features.word_feature(token)
        col = self.vocabulary.get(feature, -1) if feature is not None else -1
        if len(self) >= self.LIMIT:
            self.clear()
        self[token] = col
        return col


class WordColumns:
    """:func:`theme_features.jieba_words` of all texts: one dict lookup per token, in C."""

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        self.token_columns = _TokenColumns(vocabulary)

    def __call__(self, texts: Sequence[str]) -> Pairs:
        tokens = theme_features.jieba_tokens(texts)
        lengths = [len(t) for t in tokens]
        cols = np.fromiter(map(self.token_columns.__getitem__, chain.from_iterable(tokens)),
                           dtype=np.intp, count=sum(lengths))
        rows = np.repeat(np.arange(len(texts)), lengths)
        keep = cols >= 0
        return rows[keep], cols[keep]


class CueColumns:
    """:func:`theme_features.theme_cues` of all texts: each theme's pattern scans the batch
    once, joined by a newline that no cue term holds (so no match spans two texts and each
    text is scanned from its start, as on its own)."""

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        self.themes = [(pattern, vocabulary.get(f"cue:{label}"), vocabulary.get(f"cue:{label}:2+"))
                       for label, pattern in theme_features.theme_cue_patterns()]

    def __call__(self, texts: Sequence[str]) -> Pairs:
        starts = [0, *accumulate(len(t) + 1 for t in texts)]
        joined = "\n".join(texts)
        rows: list[int] = []
        cols: list[int] = []
        for pattern, col_one, col_two in self.themes:
            found: dict[int, set[str]] = {}
            for m in pattern.finditer(joined):
                found.setdefault(bisect.bisect_right(starts, m.start()) - 1, set()).add(m.group())
            for row, terms in found.items():
                if col_one is not None:
                    rows.append(row)
                    cols.append(col_one)
                if col_two is not None and len(terms) > 1:
                    rows.append(row)
                    cols.append(col_two)
        return _pairs(rows, cols)

    @staticmethod
    def applies() -> bool:
        """Whether the batched scan is exact: no cue term is empty or holds a newline."""
        return all(pattern.search("") is None and "\n" not in pattern.pattern
                   for _, pattern in theme_features.theme_cue_patterns())


def columns_for(analyzer: Callable[[str], Any], vocabulary: Mapping[str, int]) -> Columns:
    """The batched form of ``analyzer`` over ``vocabulary`` when there is one, else the plain."""
    if analyzer is char_unigrams_bigrams:
        return CharGramColumns(vocabulary)
    if analyzer is theme_features.jieba_words:
        return WordColumns(vocabulary)
    if analyzer is theme_features.theme_cues and CueColumns.applies():
        return CueColumns(vocabulary)
    return AnalyzerColumns(analyzer, vocabulary)
