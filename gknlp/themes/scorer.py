"""Exact numpy form of a fitted theme pipeline's ``predict_proba``.

Two classifier shapes compile: calibrated LinearSVCs (themes-v1) and binary logistic
regressions (themes-v2), both one linear decision per label followed by a sigmoid.

Why: on the few paragraphs of one report, scikit-learn spends almost all its time validating
inputs for each of the 12 labels x 3 calibrated classifiers, not computing. The fitted
model is linear (binary TF-IDF blocks -> LinearSVC -> Platt sigmoid, averaged over the
calibration folds), so it folds into one sparse feature matrix, one dense weight matrix
and an element-wise sigmoid. The skops file stays the single source of truth: the scorer
is rebuilt from it at load time, and :func:`compile_pipeline` returns ``None`` for any
pipeline it cannot reproduce exactly, so the caller falls back to scikit-learn.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

import numpy as np

from gknlp.themes.columns import (
    WHITE_SPACES,
    Columns,
    char_unigrams_bigrams,
    columns_for,
)

__all__ = ["FeatureBlock", "LinearThemeScorer", "PresentFeatures", "compile_pipeline", "load_scorer", "SCORER_FORMAT"]

SCORER_FORMAT = 1


class PresentFeatures(NamedTuple):
    """Binary features in CSR form without scipy (importing scipy.sparse is a third of a
    batch's start-up): row r's present columns are ``columns[row_starts[r]:row_starts[r + 1]]``."""

    columns: Any  # intp (nnz,), sorted within each row
    row_starts: Any  # intp (n_rows + 1,)

    def row_sums(self, weight_columns: np.ndarray) -> np.ndarray:
        """Each row's sum of the weights of its present columns, shape (n_rows, k), from
        `weight_columns` (k, n_features): each weight column gathered along its own row
        (contiguous), then summed over each row's run."""
        starts = self.row_starts[:-1]
        sums = np.zeros((len(weight_columns), len(starts)))
        filled = starts < self.row_starts[1:]
        if filled.any():
            gathered = np.take(weight_columns, self.columns, axis=1)
            sums[:, filled] = np.add.reduceat(gathered, starts[filled], axis=1)
        return sums.T


@dataclass(frozen=True)
class FeatureBlock:
    """One binary TF-IDF vectorizer of the feature union, as lookups."""

    analyzer: Callable[[str], Any]
    vocabulary: dict[str, int]
    idf: Any  # ndarray (n_features,): idf, or ones when the block uses none
    l2_normalise: bool
    scale: float  # the FeatureUnion transformer weight
    offset: int
    columns: Columns = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", columns_for(self.analyzer, self.vocabulary))


@dataclass(frozen=True)
class LinearThemeScorer:
    """``P[label] = mean_k sigmoid(-(a_k (x . w_k + b_k) + c_k))`` over calibration folds."""

    blocks: tuple[FeatureBlock, ...]
    n_features: int
    coef: Any  # ndarray (n_features, n_labels * n_folds)
    intercept: Any  # ndarray (n_labels * n_folds,)
    slope_a: Any
    offset_b: Any
    n_labels: int
    n_folds: int
    # per feature: idf * coef (the decision columns), then idf**2 (for the block's norm)
    _weights: Any = field(init=False, repr=False, compare=False)
    _weight_columns: Any = field(init=False, repr=False, compare=False)  # _weights.T, contiguous
    _l2: Any = field(init=False, repr=False, compare=False)  # per block: l2-normalised
    _scale: Any = field(init=False, repr=False, compare=False)  # per block: union weight
    _offsets: Any = field(init=False, repr=False, compare=False)  # per block: first column

    CHUNK: ClassVar[int] = 256  # texts scored at once (bounds the texts x features mask)

    def __post_init__(self) -> None:
        idf = np.concatenate([b.idf for b in self.blocks])[:, None]
        object.__setattr__(self, "_weights", np.hstack([idf * self.coef, idf * idf]))
        object.__setattr__(self, "_weight_columns", np.ascontiguousarray(self._weights.T))
        object.__setattr__(self, "_l2", np.array([b.l2_normalise for b in self.blocks]))
        object.__setattr__(self, "_scale", np.array([b.scale for b in self.blocks]))
        object.__setattr__(self, "_offsets", np.array([b.offset for b in self.blocks]))

    def features(self, texts: Sequence[str]) -> PresentFeatures:
        """The union's binary features, one row per (text, block): the distinct present
        columns of each row, sorted, as in a CSR matrix (n_texts * n_blocks, n_features)
        with a 1 on each."""
        n_texts, n_features = len(texts), self.n_features
        # distinct pairs through a flat mask: sorted keys for free, cheaper than np.unique
        present = np.zeros(n_texts * n_features, dtype=bool)
        for block in self.blocks:
            rows, cols = block.columns(texts)
            present[rows * n_features + (cols + block.offset)] = True
        keys = np.flatnonzero(present)
        # blocks hold consecutive columns, so a row (text, block) is a run of the sorted keys
        row_starts = np.searchsorted(keys, np.add.outer(np.arange(n_texts) * n_features,
                                                        self._offsets).ravel())
        return PresentFeatures(keys % n_features, np.append(row_starts, len(keys)))

    def decision(self, texts: Sequence[str]) -> np.ndarray:
        """Each calibration fold's LinearSVC decision, shape (n_texts, n_labels * n_folds).

        A block's row is ``scale * idf / norm`` on its present features (norm: the l2 norm
        of those idf values, or 1), so its share of the decision is ``scale / norm`` times
        the sum of the present features' ``idf * coef`` rows (a sparse-dense product), with
        ``idf**2`` summed alongside.
        """
        n_texts, n_blocks = len(texts), len(self.blocks)
        out = np.tile(self.intercept, (n_texts, 1))
        present = self.features(texts)
        sums = present.row_sums(self._weight_columns)  # (n_texts * n_blocks, columns + 1)
        l2, scale = np.tile(self._l2, n_texts), np.tile(self._scale, n_texts)
        norm = np.sqrt(sums[:, -1], where=l2 & (sums[:, -1] > 0), out=np.ones(len(sums)))
        shares = sums[:, :-1] * (scale / norm)[:, None]
        return out + shares.reshape(n_texts, n_blocks, out.shape[1]).sum(axis=1)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, shape (n_texts, n_labels), equal to the pipeline's to rounding."""
        if len(texts) <= self.CHUNK:
            decision = self.decision(texts)
        else:
            decision = np.concatenate([self.decision(texts[i:i + self.CHUNK])
                                       for i in range(0, len(texts), self.CHUNK)])
        # Platt: expit(-(a d + b)) = 1 / (1 + exp(a d + b)), averaged over the folds.
        proba = 1.0 / (1.0 + np.exp(self.slope_a * decision + self.offset_b))
        return proba.reshape(len(texts), self.n_labels, self.n_folds).mean(axis=2)

    # ------------------------------------------------------------------ persistence

    def save(self, path: str | os.PathLike, skops_sha256: str) -> None:
        """Write the arrays as ``.npy`` members of a zip with fixed timestamps (byte-stable,
        no pickle); ``skops_sha256`` ties the file to the model it was compiled from."""
        header = {"format": SCORER_FORMAT, "skops_sha256": skops_sha256,
                  "n_features": self.n_features, "n_labels": self.n_labels,
                  "n_folds": self.n_folds,
                  "blocks": [{"analyzer": _analyzer_name(b.analyzer), "l2": b.l2_normalise,
                              "scale": b.scale, "offset": b.offset} for b in self.blocks]}
        arrays: dict[str, Any] = {"coef": self.coef, "intercept": self.intercept,
                                  "slope_a": self.slope_a, "offset_b": self.offset_b}
        for i, b in enumerate(self.blocks):
            terms = sorted(b.vocabulary, key=b.vocabulary.__getitem__)
            arrays[f"terms{i}"] = np.array(terms, dtype=str)
            arrays[f"idf{i}"] = b.idf
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(_member("header.json"), json.dumps(header, sort_keys=True))
            for name, arr in arrays.items():
                buf = io.BytesIO()
                np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
                zf.writestr(_member(f"{name}.npy"), buf.getvalue())


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def load_scorer(path: str | os.PathLike) -> tuple[LinearThemeScorer, str]:
    """A scorer saved by :meth:`LinearThemeScorer.save` and the skops sha256 it records.

    Needs only numpy (no scikit-learn import: that is most of ``gknlp extract``'s start-up).
    Arrays are read with ``allow_pickle=False``; analyzers must be known by name.
    """
    with zipfile.ZipFile(path) as zf:
        header = json.loads(zf.read("header.json"))
        if header.get("format") != SCORER_FORMAT:
            raise ValueError(f"{path}: scorer format {header.get('format')!r}, "
                             f"expected {SCORER_FORMAT}")

        def array(name: str):
            return np.lib.format.read_array(io.BytesIO(zf.read(f"{name}.npy")),
                                            allow_pickle=False)

        analyzers = _analyzers()
        blocks = []
        for i, spec in enumerate(header["blocks"]):
            if spec["analyzer"] not in analyzers:
                raise ValueError(f"{path}: unknown analyzer {spec['analyzer']!r}")
            terms = array(f"terms{i}").tolist()
            blocks.append(FeatureBlock(analyzers[spec["analyzer"]],
                                       {t: j for j, t in enumerate(terms)}, array(f"idf{i}"),
                                       bool(spec["l2"]), float(spec["scale"]), int(spec["offset"])))
        scorer = LinearThemeScorer(tuple(blocks), int(header["n_features"]), array("coef"),
                                   array("intercept"), array("slope_a"), array("offset_b"),
                                   int(header["n_labels"]), int(header["n_folds"]))
    return scorer, header["skops_sha256"]


def _analyzers() -> dict[str, Callable[[str], Any]]:
    """Analyzers a saved scorer may name (functions of gknlp, never arbitrary code)."""
    from gknlp.themes import features as theme_features

    named = {f"gknlp.themes.features.{fn.__name__}": fn for fn in (
        theme_features.jieba_words, theme_features.theme_cues, theme_features.heading_words,
        theme_features.heading_cues, theme_features.body_words, theme_features.body_chars,
        theme_features.body_cues, theme_features.channel_acts)}
    return {**named, "char_1_2": char_unigrams_bigrams}


def _analyzer_name(fn: Callable[[str], Any]) -> str:
    for name, known in _analyzers().items():
        if fn is known:
            return name
    raise ValueError(f"analyzer {fn!r} cannot be saved by name")


def _block(vec: Any, scale: float, offset: int) -> FeatureBlock | None:
    # Binary counts make sublinear tf a no-op (1 + log 1 = 1), so a row is idf (or ones) on
    # the present terms, l2-normalised or not, then scaled by the FeatureUnion weight.
    if not getattr(vec, "binary", False) or vec.norm not in ("l2", None):
        return None
    analyzer = _analyzer(vec)
    if not any(analyzer is known for known in _analyzers().values()):
        return None  # only analyzers known by name can be saved and reloaded
    idf = np.asarray(vec.idf_, dtype=np.float64) if vec.use_idf else np.ones(len(vec.vocabulary_))
    return FeatureBlock(analyzer, dict(vec.vocabulary_), idf, vec.norm == "l2", scale, offset)


def _analyzer(vec: Any) -> Callable[[str], Any]:
    """The vectorizer's analyzer; for plain character 1-2-grams (only the distinct tokens
    matter to a binary block) a set built in C instead of scikit-learn's Python loop."""
    plain = (vec.analyzer == "char" and tuple(vec.ngram_range) == (1, 2) and not vec.lowercase
             and vec.strip_accents is None and vec.preprocessor is None
             and vec.input == "content" and vec._white_spaces.pattern == WHITE_SPACES.pattern)
    if plain:
        return char_unigrams_bigrams
    if callable(vec.analyzer) and vec.input == "content":
        return vec.analyzer  # scikit-learn only wraps it to decode bytes
    return vec.build_analyzer()


def compile_pipeline(pipeline: Any) -> LinearThemeScorer | None:
    """The exact linear form of ``pipeline``, or ``None`` when it is not of the known shape."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.svm import LinearSVC

    try:
        union, clf = pipeline.named_steps["features"], pipeline.named_steps["clf"]
    except (AttributeError, KeyError):
        return None
    if not isinstance(clf, OneVsRestClassifier) or clf.label_binarizer_.y_type_ != "multilabel-indicator":
        return None
    blocks: list[FeatureBlock] = []
    offset = 0
    weights = union.transformer_weights or {}
    for name, vec in union.transformer_list:
        if not isinstance(vec, TfidfVectorizer):
            return None
        block = _block(vec, float(weights.get(name, 1.0)), offset)
        if block is None:
            return None
        blocks.append(block)
        offset += len(vec.vocabulary_)
    coef, intercept, slope_a, offset_b = [], [], [], []
    n_folds = None
    for est in clf.estimators_:
        if isinstance(est, LogisticRegression) and est.coef_.shape[0] == 1:
            # P = expit(d) = 1 / (1 + exp(-d)): one "fold" with a = -1, b = 0
            if n_folds not in (None, 1):
                return None
            n_folds = 1
            coef.append(np.asarray(est.coef_, dtype=np.float64).ravel())
            intercept.append(float(np.ravel(est.intercept_)[0]))
            slope_a.append(-1.0)
            offset_b.append(0.0)
            continue
        if not isinstance(est, CalibratedClassifierCV) or est.method != "sigmoid":
            return None
        folds = est.calibrated_classifiers_
        if n_folds is None:
            n_folds = len(folds)
        if len(folds) != n_folds:
            return None
        for fold in folds:
            svc = fold.estimator
            if not isinstance(svc, LinearSVC) or len(fold.calibrators) != 1:
                return None
            coef.append(np.asarray(svc.coef_, dtype=np.float64).ravel())
            intercept.append(float(np.ravel(svc.intercept_)[0]))
            slope_a.append(float(fold.calibrators[0].a_))
            offset_b.append(float(fold.calibrators[0].b_))
    if n_folds is None or any(len(c) != offset for c in coef):
        return None
    return LinearThemeScorer(tuple(blocks), offset, np.stack(coef, axis=1), np.asarray(intercept),
                             np.asarray(slope_a), np.asarray(offset_b), len(clf.estimators_),
                             n_folds)
