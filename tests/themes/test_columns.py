"""Each batched column lookup of :mod:`gknlp.themes.columns` gives the pairs its analyzer
gives text by text (:class:`AnalyzerColumns`, the plain form)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gknlp.text import segment
from gknlp.themes import features as theme_features
from gknlp.themes.columns import (AnalyzerColumns, CharGramColumns, WordColumns,
                                 char_unigrams_bigrams)
from gknlp.themes.features import normalize_text
from gknlp.themes.scorer import load_scorer

REPO = Path(__file__).resolve().parents[2]
SCORER = REPO / "models" / "themes-v2" / "scorer.zip"
ODD_TEXTS = ["", " ", "a", "培训", "公开  栏\n\n公示 栏", " 两头 ", "1\t\t2", "（一）加强培训，",
             "ｅ\u0301", "𠮷野家", "2023年", "12.5%", "\x00\x00", "信息公开\n政务公开",
             "政府信息公开工作年度报告", "信息公开 信息公开 政务公开"]


def _as_set(pairs) -> set[tuple[int, int]]:
    rows, cols = pairs
    return set(zip(rows.tolist(), cols.tolist()))


@pytest.mark.parametrize("kind", [CharGramColumns, WordColumns])
def test_theme_columns_batched_equal_the_analyzer(paragraphs, kind):
    scorer, _ = load_scorer(SCORER)
    blocks = [b for b in scorer.blocks if isinstance(b.columns, kind)]
    assert blocks
    normalised = [normalize_text(t) for t in paragraphs]
    for block in blocks:
        reference = AnalyzerColumns(block.analyzer, block.vocabulary)
        for texts in (normalised, paragraphs, ODD_TEXTS, normalised[:1], []):
            assert _as_set(block.columns(texts)) == _as_set(reference(texts))


def test_theme_columns_char_grams_outside_the_vocabulary():
    columns = CharGramColumns({"a": 0, "ab": 1, "𠮷": 2, " ": 3})
    rows, cols = columns(["ab", "b𠮷a", "a  b", "\U0010ffffa\ud800"])
    assert _as_set((rows, cols)) == {(0, 0), (0, 1), (1, 2), (1, 0), (2, 0), (2, 3), (3, 0)}
    assert char_unigrams_bigrams("a  b") == {"a", " ", "b", "a ", " b"}


def test_theme_columns_char_grams_fold_every_white_run():
    """Runs of two white space characters (any of them, at either end, alone in a batch or
    not) are folded as the analyzer folds them; one white space character is not."""
    white = [chr(c) for c in range(0x3001) if chr(c).isspace()]
    vocabulary = {"a": 0, "b": 1, " ": 2, "a ": 3, " b": 4, **{w: 5 + i for i, w in enumerate(white)}}
    columns = CharGramColumns(vocabulary)
    reference = AnalyzerColumns(char_unigrams_bigrams, vocabulary)
    for w in white:
        for v in (w, " ", "\t"):
            texts = ["a" + w + "b", w + v, "a" + w + v + "b", v + "a", "a" + w, w]
            for batch in (texts, texts[:1], texts[-1:], texts[1:2], ["ab", *texts[2:3]]):
                assert _as_set(columns(batch)) == _as_set(reference(batch)), (w, v, batch)



def test_theme_columns_char_grams_of_a_vocabulary_holding_nul():
    """A model trained on paragraphs holding NUL has it in its character vocabulary (scikit-learn
    keeps it): the batched columns still give the analyzer's pairs, grams of a NUL inside a
    text included and none across two texts (the texts are joined by another character)."""
    vocabulary = {"\x00": 0, "a": 1, "a\x00": 2, "\x00b": 3, "\x00\x00": 4, "\x01": 5, "ab": 6}
    columns = CharGramColumns(vocabulary)
    reference = AnalyzerColumns(char_unigrams_bigrams, vocabulary)
    for batch in (["a\x00b", "x"], ["a", "b"], ["a", "\x00b"], ["a\x00", "\x00"], ["", "a", ""],
                  ["\x00\x00", "a\x01", "\x01b"], ["a  \x00", " b"], []):
        assert _as_set(columns(batch)) == _as_set(reference(batch)), batch
    assert _as_set(columns(["a\x00b", "x"])) == {(0, 0), (0, 1), (0, 2), (0, 3)}




@pytest.mark.parametrize("engine", ["rjieba", "jieba"])
def test_theme_features_jieba_tokens_joined_equal_one_by_one(paragraphs, monkeypatch, engine):
    if engine == "rjieba":
        pytest.importorskip("rjieba")
    cut = segment.segmenter(engine)
    monkeypatch.setattr(theme_features, "segmenter", lambda: cut)
    normalised = [normalize_text(t) for t in paragraphs]
    spaced = [" a ", "\t", "公开 ", " 栏目", "2023年 ", "\u3000信息\u3000", "a.b ", " "]
    for texts in (normalised, paragraphs, ODD_TEXTS, spaced, ["", "", "a"], [""], []):
        assert theme_features.jieba_tokens(texts) == [cut(t) for t in texts]


def test_theme_columns_words_after_the_token_table_restarts(paragraphs, monkeypatch):
    """The newline marker survives the table's restarts (it is put back each time)."""
    from gknlp.themes.columns import _TokenColumns

    monkeypatch.setattr(_TokenColumns, "LIMIT", 50)
    scorer, _ = load_scorer(SCORER)
    [block] = [b for b in scorer.blocks if b.analyzer is theme_features.jieba_words]
    columns = WordColumns(block.vocabulary)
    reference = AnalyzerColumns(block.analyzer, block.vocabulary)
    normalised = [normalize_text(t) for t in paragraphs]
    for i in range(0, len(normalised), 7):
        assert _as_set(columns(normalised[i:i + 7])) == _as_set(reference(normalised[i:i + 7]))


def test_theme_columns_are_intp(paragraphs):
    import numpy as np

    scorer, _ = load_scorer(SCORER)
    for block in scorer.blocks:
        rows, cols = block.columns(paragraphs[:5])
        assert rows.dtype == np.intp and cols.dtype == np.intp
