"""The scorer's sparse products give the decision of the plain form: every (text, feature)
pair gathered from the weights and summed per (text, block) (the scorer's first form)."""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from gknlp.themes.features import normalize_text
from gknlp.themes.scorer import LinearThemeScorer, load_scorer

REPO = Path(__file__).resolve().parents[2]
SCORER = REPO / "models" / "themes-v2" / "scorer.zip"


def reference_decision(scorer: LinearThemeScorer, texts: list[str]) -> np.ndarray:
    """Distinct pairs of the whole union, their ``idf * coef`` rows gathered, one segment
    per (text, block) summed, scaled by ``scale / norm``, blocks added to the intercept."""
    n_texts = len(texts)
    out = np.tile(scorer.intercept, (n_texts, 1))
    segments: dict[tuple[int, int], set[int]] = defaultdict(set)
    for b, block in enumerate(scorer.blocks):
        rows, cols = block.columns(texts)
        for row, col in zip(rows.tolist(), cols.tolist()):
            segments[row, b].add(block.offset + col)
    for (text, b), cols in segments.items():
        sums = scorer._weights[sorted(cols)].sum(axis=0)
        norm = np.sqrt(sums[-1]) if scorer.blocks[b].l2_normalise and sums[-1] > 0 else 1.0
        out[text] += sums[:-1] * (scorer.blocks[b].scale / norm)
    return out


@pytest.fixture(scope="module")
def scorer() -> LinearThemeScorer:
    return load_scorer(SCORER)[0]


def test_theme_scorer_decision_equals_the_reference_on_the_seeds(scorer, paragraphs):
    texts = [normalize_text(t) for t in paragraphs] + ["", " ", "稳步推进公示栏建设"]
    expected = reference_decision(scorer, texts)
    np.testing.assert_allclose(scorer.decision(texts), expected, rtol=0, atol=1e-13)
    assert np.abs(expected - np.tile(scorer.intercept, (len(texts), 1))).max() > 0.1


def test_theme_scorer_decision_equals_the_reference_on_random_texts(scorer, paragraphs):
    """Texts spliced from the seeds' characters and cue terms, empty ones among them."""
    rng = random.Random(0)
    chars = sorted(set("".join(paragraphs)))
    terms = [term for block in scorer.blocks for term in block.vocabulary if len(term) > 1][:400]
    texts = []
    for _ in range(300):
        parts = [rng.choice(terms) if rng.random() < 0.3 else rng.choice(chars)
                 for _ in range(rng.randrange(0, 60))]
        texts.append("".join(parts))
    decision = scorer.decision(texts)
    np.testing.assert_allclose(decision, reference_decision(scorer, texts), rtol=0, atol=1e-13)
    # a text's decision does not depend on the texts scored with it
    np.testing.assert_array_equal(scorer.decision(texts[:7]), decision[:7])


def test_theme_scorer_features_are_the_distinct_pairs(scorer, paragraphs):
    texts = [normalize_text(t) for t in paragraphs[:30]] + ["", "信息公开"]
    n_blocks = len(scorer.blocks)
    expected = set()
    for b, block in enumerate(scorer.blocks):
        rows, cols = block.columns(texts)
        expected |= {(row * n_blocks + b, block.offset + col)
                     for row, col in zip(rows.tolist(), cols.tolist())}
    present = scorer.features(texts)
    starts = present.row_starts
    assert len(starts) == len(texts) * n_blocks + 1 and starts[-1] == len(present.columns)
    found = set()
    for r in range(len(starts) - 1):
        row_cols = present.columns[starts[r]:starts[r + 1]].tolist()
        assert row_cols == sorted(set(row_cols))   # distinct and sorted, as CSR holds them
        found |= {(r, c) for c in row_cols}
    assert found == expected
    empty, last = (len(texts) - 2) * n_blocks, (len(texts) - 1) * n_blocks
    assert starts[empty] == starts[last] < starts[-1]   # "" has no feature, 信息公开 some


def test_row_sums_equal_scipys_sparse_product(scorer, paragraphs):
    """The sums are scipy's CSR product to rounding (numpy may pair the additions otherwise:
    about 1e-14 relative, far below the 4 decimals written)."""
    from scipy.sparse import csr_matrix

    texts = [normalize_text(t) for t in paragraphs[:60]] + ["", "信息公开", ""]
    present = scorer.features(texts)
    n_rows = len(present.row_starts) - 1
    matrix = csr_matrix((np.ones(len(present.columns)), present.columns, present.row_starts),
                        shape=(n_rows, scorer.n_features))
    np.testing.assert_allclose(present.row_sums(scorer._weight_columns), matrix @ scorer._weights, rtol=1e-12, atol=1e-13)
