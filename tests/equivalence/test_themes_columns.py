"""The themes' batched cue columns give the pairs of the plain analyzers they stand for.

Kept because the themes step is about a quarter of the end-to-end time (bench/stages.py)
and its per-text analyzers about a tenth: :class:`gknlp.themes.columns.CueColumns` runs a
theme's cue pattern only on the texts where one of its terms may occur. The reference is
the plain form, :class:`gknlp.themes.columns.AnalyzerColumns` over
:func:`gknlp.themes.features.theme_cues` / ``heading_cues`` (what the saved model names and
scikit-learn calls), on the seeds' paragraphs, on every line of the corpus reports, and on
texts made of overlapping cue terms.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from gknlp.themes import features as theme_features
from gknlp.themes.columns import AnalyzerColumns, CueColumns
from gknlp.themes.features import normalize_text
from gknlp.themes.scorer import load_scorer

REPO = Path(__file__).resolve().parents[2]
SCORER = REPO / "models" / "themes-v2" / "scorer.zip"
ODD_TEXTS = ["", " ", "a", "培训", "公开栏\n公示栏", "\n", "平\n台", "平台\n", "\n平台", "12345",
             "（一）平台建设。网站", "网站网页", "网站网站", "队伍建设", "公开信息公开", "主动公开信息",
             "𠮷野家平台", "\x00平台\x00", "IPv6", "信息公开网站"]


def _as_set(pairs) -> set[tuple[int, int]]:
    rows, cols = pairs
    return set(zip(rows.tolist(), cols.tolist()))


def _cue_blocks():
    scorer, _ = load_scorer(SCORER)
    blocks = [b for b in scorer.blocks if isinstance(b.columns, CueColumns)]
    assert {b.analyzer for b in blocks} == {theme_features.theme_cues, theme_features.heading_cues}
    return [(b.columns, AnalyzerColumns(b.analyzer, b.vocabulary)) for b in blocks]


def _check(texts: list[str], size: int = 200) -> None:
    for fast, reference in _cue_blocks():
        for i in range(0, max(len(texts), 1), size):
            chunk = texts[i:i + size]
            assert _as_set(fast(chunk)) == _as_set(reference(chunk)), chunk


def test_cue_columns_equal_the_analyzer_on_the_seeds(paragraphs):
    _check([normalize_text(t) for t in paragraphs])
    _check(list(paragraphs))
    _check(ODD_TEXTS, size=len(ODD_TEXTS))
    _check([])
    _check([""])


def test_cue_columns_small_batches(paragraphs, monkeypatch):
    """Below ``SMALL`` texts the patterns run; the numpy pass gives the same pairs there too."""
    texts = [normalize_text(t) for t in paragraphs][:40] + ODD_TEXTS
    _check(texts, size=3)
    monkeypatch.setattr(CueColumns, "SMALL", 1)
    _check(texts, size=3)
    _check(texts, size=1)


def test_cue_columns_equal_the_analyzer_on_overlapping_terms():
    """Texts strung from cue terms and their pieces, where terms overlap and hide each other."""
    terms = [t for _, label_terms in theme_features.theme_cue_terms() for t in label_terms]
    pieces = terms + [t[:k] for t in terms for k in range(1, len(t))] + ["，", "。", " ", "\n"]
    rng = random.Random(12)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(3000)]
    headings = [f"（{i % 9 + 1}）{t}" for i, t in enumerate(texts[:500])]
    _check(texts + headings, size=137)


@pytest.mark.corpus
def test_cue_columns_equal_the_analyzer_on_the_corpus(corpus_dir: Path):
    lines = [normalize_text(line) for p in sorted((corpus_dir / "raw").glob("*.txt"))
             for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) > 1000
    _check(lines)


def test_cue_columns_need_terms_of_two_characters(monkeypatch):
    """A cue term of one character has no character pair: the plain analyzer is used."""
    from gknlp.themes.columns import columns_for

    monkeypatch.setattr(theme_features, "theme_cue_terms", lambda: (("platform", ("网", "网站")),))
    with pytest.raises(ValueError):
        CueColumns({"cue:platform": 0})
    assert isinstance(columns_for(theme_features.theme_cues, {"cue:platform": 0}), AnalyzerColumns)
