"""The fast paths give the same answers as the reference ones they replace.

rjieba against jieba (segmentation), the numpy scorer against scikit-learn's
``predict_proba`` (themes), and the character-bigram set against scikit-learn's analyzer.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gknlp.text import segment
from gknlp.themes import model as themes
from gknlp.themes.columns import char_unigrams_bigrams
from gknlp.themes.scorer import compile_pipeline, load_scorer

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "models" / "themes-v2"



def test_rjieba_cuts_like_jieba_on_the_seeds(paragraphs):
    pytest.importorskip("rjieba")
    fast, reference = segment.segmenter("rjieba"), segment.segmenter("jieba")
    for text in paragraphs:
        assert fast(text) == reference(text)
    # the domain dictionary is applied by both (jieba alone would cut 依申请 公开)
    assert "依申请公开" in fast("本年度依申请公开办理情况") == reference("本年度依申请公开办理情况")


def test_segmenter_env_override_is_checked(monkeypatch):
    monkeypatch.setenv("GKNLP_SEGMENTER", "nope")
    with pytest.raises(ValueError, match="GKNLP_SEGMENTER"):
        segment.engine_name()
    monkeypatch.setenv("GKNLP_SEGMENTER", "jieba")
    assert segment.engine_name() == "jieba"


@pytest.mark.parametrize("text", ["", "a", "培训", "公开  栏\n\n公示 栏", " 两头 ", "1\t\t2"])
def test_char_bigrams_equal_sklearn_analyzer(text):
    from sklearn.feature_extraction.text import TfidfVectorizer

    analyzer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), lowercase=False).build_analyzer()
    assert char_unigrams_bigrams(text) == set(analyzer(text))


def test_shipped_scorer_equals_the_skops_pipeline(paragraphs):
    model = themes.load_model(SHIPPED)
    texts = [themes.normalize_text(t) for t in paragraphs] + ["", "稳步推进公示栏建设"]
    expected = model.fitted_pipeline().predict_proba(texts)
    compiled = compile_pipeline(model.fitted_pipeline())
    shipped, skops_sha = load_scorer(SHIPPED / "scorer.zip")
    assert skops_sha == model.meta["model_sha256"]
    np.testing.assert_allclose(compiled.predict_proba(texts), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(shipped.predict_proba(texts), expected, rtol=0, atol=1e-12)


def test_compile_refuses_a_pipeline_it_cannot_reproduce():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import FeatureUnion, Pipeline

    X = ["培训 学习", "网站 栏目", "培训 网站", "解读 政策"]
    Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    pipe = Pipeline([("features", FeatureUnion([("w", TfidfVectorizer(binary=True))])),
                     ("clf", OneVsRestClassifier(LogisticRegression()))]).fit(X, Y)
    assert compile_pipeline(pipe) is None
    assert compile_pipeline(object()) is None


def test_tagging_does_not_import_sklearn():
    code = ("import sys; from gknlp.themes import model as themes; "
            f"m = themes.load_model({str(SHIPPED)!r}); m.predict(['加强业务培训']); "
            "print('sklearn' in sys.modules, m.pipeline is None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_scorer_chunks_give_the_same_scores(paragraphs, monkeypatch):
    from gknlp.themes.scorer import LinearThemeScorer

    shipped, _ = load_scorer(SHIPPED / "scorer.zip")
    texts = [themes.normalize_text(t) for t in paragraphs][:40] + [""]
    whole = shipped.predict_proba(texts)
    monkeypatch.setattr(LinearThemeScorer, "CHUNK", 7)
    np.testing.assert_allclose(shipped.predict_proba(texts), whole, rtol=0, atol=1e-15)
    assert shipped.predict_proba([]).shape == (0, shipped.n_labels)
