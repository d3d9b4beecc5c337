"""Theme classifier for report paragraphs (issue 4): training, saving, loading, tagging.

A multi-label scikit-learn model over jieba words and character n-grams, one calibrated
linear classifier per theme, with per-theme thresholds chosen on grouped cross-validation.
The codebook (:mod:`gknlp.themes.codebook`), the labelled paragraphs (:mod:`gknlp.themes.annotations`),
the text features (:mod:`gknlp.themes.features`) and the problem/measure rule
(:mod:`gknlp.themes.kind`) have modules of their own; their public names are
re-exported here.

Nothing heavy is imported at module import: jieba, OpenCC, scikit-learn and skops are
loaded inside the functions that need them, once.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import threading
import warnings
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import compress, repeat
from pathlib import Path
from typing import Any

from gknlp.data import SHIPPED_THEMES_MODEL
from gknlp.text.segment import userdict_hash
from gknlp.themes.annotations import (
    CorpusMissingError,
    Example,
    body_group,
    default_corpus_dir,
    load_annotations,
    make_split,
    split_examples,
)
from gknlp.themes.codebook import CODEBOOK_FILE, Codebook, Theme, load_codebook
from gknlp.themes.features import (
    CHANNEL_ACTS,
    THEME_CUES,
    file_hash,
    jieba_words,
    normalize_text,
    theme_cues,
)
from gknlp.themes.kind import paragraph_kind

__all__ = [
    "Theme",
    "Codebook",
    "Example",
    "ThemeModel",
    "CorpusMissingError",
    "load_codebook",
    "load_annotations",
    "make_split",
    "split_examples",
    "train",
    "evaluate",
    "load_model",
    "tag_with_shipped_model",
    "tag_records",
    "paragraph_kind",
    "normalize_text",
    "body_group",
    "default_corpus_dir",
    "DEFAULT_MODEL_DIR",
]

_lock = threading.Lock()
logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: The shipped model (``models/themes-v2`` in the source tree); ``GKNLP_THEMES_MODEL`` overrides.
DEFAULT_MODEL_DIR = SHIPPED_THEMES_MODEL  # the package's copy when installed

MODEL_FILE = "model.skops"
SCORER_FILE = "scorer.zip"  # the same model as arrays (numpy only): fast start-up
META_FILE = "meta.json"
FORMAT_VERSION = 1

# Types the model file may contain beyond skops' defaults.  Loading refuses anything else.
TRUSTED_TYPES = (
    "gknlp.themes.features.jieba_words",
    "gknlp.themes.features.theme_cues",
    "gknlp.themes.features.heading_words",
    "gknlp.themes.features.heading_cues",
    "gknlp.themes.features.body_words",
    "gknlp.themes.features.body_chars",
    "gknlp.themes.features.body_cues",
    "gknlp.themes.features.channel_acts",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.model_selection._split.StratifiedGroupKFold",
    "sklearn.multiclass._ConstantPredictor",
)

# Cross-validation shape (fixed: part of what makes training reproducible).
OUTER_FOLDS = 5          # grouped folds for out-of-fold scores -> thresholds
CALIBRATION_FOLDS = 3    # grouped folds inside CalibratedClassifierCV
MIN_GROUPS = 3           # a theme needs positives and negatives in this many groups
MIN_GROUPS_FOR_GROUPED_CV = 5  # fewer distinct groups: each line becomes its own group
CUE_WEIGHT = 0.3         # weight of the theme-cue block against the word and character blocks


#: The configuration of the shipped model (themes-v2), chosen by body-grouped cross-validation
#: (``python -m gknlp.themes.validation``; figures in models/README.md).
DEFAULT_CONFIG: dict[str, Any] = {
    "classifier": "logreg",  # "logreg" (LogisticRegression) or "svc" (calibrated LinearSVC)
    "C": 16.0,
    "heading": True,         # the sub-heading as feature blocks of its own
    "heading_weight": 0.5,   # weight of the heading blocks against the body blocks
    "channel_acts": 0.3,     # weight of the channel-act block (0: none)
    "body": "full",          # "rest": body blocks see the text after the heading; "full": all
    "thresholds": "fixed",   # "cv": per-label, on out-of-fold scores; "fixed": 0.5
    "class_weight": "balanced",  # "balanced" or "none"
    "char_ngrams": 2,        # longest character n-gram of the whole-paragraph block (3: no numpy
                             # scorer, tagging falls back to scikit-learn; 1-3 did not pay in CV)
}
#: themes-v1's configuration, for comparison.
V1_CONFIG: dict[str, Any] = {"classifier": "svc", "C": 0.5, "heading": False,
                             "heading_weight": 0.0, "channel_acts": 0.0, "body": "full",
                             "thresholds": "cv", "class_weight": "balanced", "char_ngrams": 2}


def _yields_features(vectorizer: Any, texts: Sequence[str]) -> bool:
    """Whether the vectorizer's analyzer gives a feature for at least ``min_df`` texts."""
    analyzer = vectorizer.build_analyzer()
    hits = 0
    for t in texts:
        if analyzer(t):
            hits += 1
            if hits >= (vectorizer.min_df if isinstance(vectorizer.min_df, int) else 1):
                return True
    return False


def make_config(config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """:data:`DEFAULT_CONFIG` updated with ``config``; unknown keys are an error."""
    out = dict(DEFAULT_CONFIG)
    for key, value in (config or {}).items():
        if key not in out:
            raise ValueError(f"unknown model option {key!r} (known: {sorted(out)})")
        out[key] = value
    if out["classifier"] not in ("logreg", "svc") or out["body"] not in ("rest", "full") \
            or out["thresholds"] not in ("cv", "fixed") \
            or out["class_weight"] not in ("balanced", "none") or out["char_ngrams"] not in (2, 3):
        raise ValueError(f"bad model configuration: {out}")
    return out


def _make_pipeline(seed: int, config: Mapping[str, Any] | None = None,
                   texts: Sequence[str] | None = None):
    import numpy as np
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.svm import LinearSVC

    from gknlp.themes import features as f

    cfg = make_config(config)
    # Binary presence of words and character uni/bigrams (a theme is signalled by one clear
    # phrase, however long the paragraph), plus one presence feature per theme's cue terms
    # (data/themes/theme_cues.json), down-weighted. With ``heading``, the sub-heading gets
    # word and cue blocks of its own and (``body="rest"``) the body blocks see the rest only.
    rest = cfg["heading"] and cfg["body"] == "rest"

    def words(analyzer):
        return TfidfVectorizer(analyzer=analyzer, binary=True, sublinear_tf=True, min_df=2,
                               dtype=np.float64)

    def cues(analyzer):
        return TfidfVectorizer(analyzer=analyzer, binary=True, use_idf=False, norm=None,
                               dtype=np.float64)

    chars = (TfidfVectorizer(analyzer=f.body_chars, binary=True, sublinear_tf=True, min_df=2,
                             dtype=np.float64) if rest else
             TfidfVectorizer(analyzer="char", ngram_range=(1, int(cfg["char_ngrams"])), binary=True, sublinear_tf=True,
                             min_df=2, lowercase=False, dtype=np.float64))
    blocks = [("words", words(f.body_words if rest else jieba_words)), ("chars", chars),
              ("cues", cues(f.body_cues if rest else theme_cues))]
    weights = {"words": 1.0, "chars": 1.0, "cues": CUE_WEIGHT}
    if cfg["heading"]:
        blocks += [("heading_words", words(f.heading_words)),
                   ("heading_cues", cues(f.heading_cues))]
        weights.update(heading_words=float(cfg["heading_weight"]),
                       heading_cues=CUE_WEIGHT * float(cfg["heading_weight"]))
    if cfg["channel_acts"]:
        blocks.append(("channel_acts", cues(f.channel_acts)))
        weights["channel_acts"] = float(cfg["channel_acts"])
    if texts is not None:  # a block that finds nothing in the training texts is left out
        blocks = [(name, vec) for name, vec in blocks
                  if name in ("words", "chars") or _yields_features(vec, texts)]
        weights = {name: weights[name] for name, _ in blocks}
    features = FeatureUnion(blocks, transformer_weights=weights)
    weight = "balanced" if cfg["class_weight"] == "balanced" else None
    if cfg["classifier"] == "svc":
        clf = OneVsRestClassifier(CalibratedClassifierCV(
            LinearSVC(C=cfg["C"], class_weight=weight, random_state=seed),
            method="sigmoid", cv=StratifiedGroupKFold(n_splits=CALIBRATION_FOLDS)))
    else:
        clf = OneVsRestClassifier(LogisticRegression(
            C=cfg["C"], class_weight=weight, max_iter=5000, random_state=seed))
    return Pipeline([("features", features), ("clf", clf)])


# --------------------------------------------------------------------------- model


@dataclass
class ThemeModel:
    """A fitted pipeline plus its label set and per-label thresholds.

    ``scorer`` is the pipeline's exact numpy form (:mod:`gknlp.themes.scorer`) and does the
    tagging. A loaded model may leave ``pipeline`` as None until something needs the
    scikit-learn objects (saving, or a pipeline with no numpy form): then it is read from
    ``source`` (the model directory).
    """

    pipeline: Any
    labels: list[str]
    thresholds: dict[str, float]
    codebook: Codebook
    meta: dict[str, Any] = field(default_factory=dict)
    scorer: Any = field(default=None, repr=False, compare=False)
    source: Path | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.scorer is None:
            from gknlp.themes.scorer import compile_pipeline

            self.scorer = compile_pipeline(self.fitted_pipeline())

    def fitted_pipeline(self) -> Any:
        """The scikit-learn pipeline, read from ``source`` the first time it is needed."""
        if self.pipeline is None:
            if self.source is None:
                raise ValueError("model has neither a pipeline nor a source directory")
            self.pipeline = _load_pipeline(self.source, self.meta)
        return self.pipeline

    def scores(self, texts: Sequence[str], *, normalized: bool = False):
        """Probabilities, shape (n_texts, n_labels), in ``self.labels`` order.

        ``normalized=True``: the texts are already :func:`normalize_text`'s output.
        """
        import numpy as np

        if not len(texts):
            return np.zeros((0, len(self.labels)))
        predictor = self.scorer or self.fitted_pipeline()
        return predictor.predict_proba(texts if normalized else [normalize_text(t) for t in texts])

    def predict(self, texts: Sequence[str], *, normalized: bool = False) -> list[dict[str, Any]]:
        """``[{"themes": [labels over threshold], "scores": {label: probability}}]``."""
        import numpy as np

        if isinstance(texts, str):
            raise TypeError("predict() takes a list of texts, not a single string")
        probs = self.scores(list(texts), normalized=normalized)
        over = (probs >= np.array([self.thresholds[lab] for lab in self.labels])).tolist()
        return [{"themes": list(compress(self.labels, row_over)),
                 "scores": dict(zip(self.labels, map(round, row, repeat(4))))}
                for row_over, row in zip(over, probs.tolist())]

    def save(self, directory: str | os.PathLike) -> Path:
        """Write ``model.skops`` (canonical, byte-stable), its numpy form ``scorer.zip``,
        ``meta.json`` and ``codebook.json``."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        (d / MODEL_FILE).write_bytes(_canonical_skops(self.fitted_pipeline()))
        meta = {**self.meta, "labels": self.labels, "thresholds": self.thresholds}
        meta["model_sha256"] = file_hash(d / MODEL_FILE)
        if self.scorer is not None:
            self.scorer.save(d / SCORER_FILE, meta["model_sha256"])
        elif (d / SCORER_FILE).exists():
            (d / SCORER_FILE).unlink()
        _write_json(d / META_FILE, meta)
        _write_json(d / CODEBOOK_FILE, self.codebook.to_json())
        return d


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False) + "\n",
                    encoding="utf-8")


_ID_FIELD = re.compile(r'"__id__": (\d+)|"file": "(\d+)\.npy"')


def _canonical_skops(obj: Any) -> bytes:
    """skops bytes with object ids renumbered in schema order and fixed zip timestamps.

    skops names array files and shared-reference ids after ``id()``, which changes from
    run to run; renumbering keeps references intact and makes equal models equal files.
    """
    import skops.io as sio

    src = zipfile.ZipFile(io.BytesIO(sio.dumps(obj)))
    schema = src.read("schema.json").decode("utf-8")
    mapping: dict[str, str] = {}

    def renumber(m: re.Match) -> str:
        old = m.group(1) or m.group(2)
        new = mapping.setdefault(old, str(len(mapping) + 1))
        return f'"__id__": {new}' if m.group(1) else f'"file": "{new}.npy"'

    schema = _ID_FIELD.sub(renumber, schema)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        entries = [("schema.json", schema.encode("utf-8"))]
        for name in src.namelist():
            if name == "schema.json":
                continue
            stem, dot, ext = name.partition(".")
            new = mapping.get(stem)
            if new is None:
                raise RuntimeError(f"skops entry {name} not referenced in schema.json")
            entries.append((f"{new}.{ext}", src.read(name)))
        for name, data in sorted(entries, key=lambda e: e[0]):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, data)
    return buf.getvalue()


def _gknlp_version() -> str:
    """gknlp's version, as every record gives it (``importlib.metadata`` would cost about 25 ms of
    a batch's start-up: it imports the email parser)."""
    from gknlp import __version__

    return __version__


def _data_hash(examples: Sequence[Example], labels: Sequence[str]) -> str:
    h = hashlib.sha256()
    h.update(json.dumps(list(labels), ensure_ascii=False).encode("utf-8"))
    for e in examples:
        h.update(json.dumps([e.source, e.start, e.end, e.text, list(e.labels)],
                            ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()


def _groups(examples: Sequence[Example]) -> list[str]:
    groups = [e.group for e in examples]
    if len(set(groups)) < MIN_GROUPS_FOR_GROUPED_CV:
        logger.warning("only %d groups: cross-validating by line instead of by body",
                       len(set(groups)))
        groups = [f"{e.group}#{i}" for i, e in enumerate(examples)]
    return groups


def _trainable(y_col, groups: Sequence[str]) -> bool:
    pos = {g for g, y in zip(groups, y_col) if y}
    neg = {g for g, y in zip(groups, y_col) if not y}
    return len(pos) >= MIN_GROUPS and len(neg) >= MIN_GROUPS


def fit_pipeline(texts: list[str], Y, groups: list[str], seed: int,
         config: Mapping[str, Any] | None = None):
    """Fit the pipeline; labels without enough groups get an all-zero column (constant 0)."""
    import numpy as np
    import sklearn

    Y = np.array(Y, copy=True)
    for j in range(Y.shape[1]):
        if not _trainable(Y[:, j], groups):
            Y[:, j] = 0
    cfg = make_config(config)
    pipe = _make_pipeline(seed, cfg, texts)
    if cfg["classifier"] == "svc":  # the calibration folds are grouped by body
        with sklearn.config_context(enable_metadata_routing=True):
            pipe.fit(texts, Y, groups=np.asarray(groups))
    else:
        pipe.fit(texts, Y)
    return pipe


def best_threshold(y, p) -> float:
    """The threshold maximising F1 on out-of-fold scores (ties: the one nearest 0.5)."""
    import numpy as np

    y = np.asarray(y).astype(bool)
    if not y.any():
        return 0.5
    cands = np.unique(np.concatenate([p, [0.5]]))
    best = (-1.0, 0.0, 0.5)
    for t in cands:
        pred = p >= t
        tp = np.sum(pred & y)
        fp = np.sum(pred & ~y)
        fn = np.sum(~pred & y)
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        key = (round(f1, 10), -abs(t - 0.5), t)
        if key > best:
            best = key
    t = float(best[2])
    # midpoint to the next lower score: a margin instead of sitting on a training score
    lower = p[p < t]
    if lower.size:
        t = (t + float(lower.max())) / 2
    return round(min(max(t, 0.05), 0.95), 4)


def train(examples: Sequence[Example], codebook: Codebook | str | os.PathLike | Mapping,
          seed: int = 0, config: Mapping[str, Any] | None = None) -> ThemeModel:
    """Fit the theme model on labelled examples (deterministic for a given data set).

    Per-label thresholds are chosen on out-of-fold scores of a grouped cross-validation
    (groups = issuing body) over the training examples, then the model is refit on all.
    Labels of the codebook with too few examples (positives and negatives in fewer than
    ``MIN_GROUPS`` groups) are left out and listed in ``meta["skipped_labels"]``.
    ``config``: see :data:`DEFAULT_CONFIG`.
    """
    import numpy as np
    import scipy
    import sklearn
    from sklearn.model_selection import GroupKFold

    cfg = make_config(config)
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    examples = sorted(examples, key=lambda e: (e.source, e.start or 0, e.end or 0, e.id))
    if not examples:
        raise ValueError("no training examples")
    unknown = sorted({lab for e in examples for lab in e.labels} - set(codebook.labels))
    if unknown:
        warnings.warn(f"labels not in the codebook are ignored: {unknown}", stacklevel=2)
    texts = [normalize_text(e.text) for e in examples]
    groups = _groups(examples)
    all_labels = codebook.labels
    Y_all = np.array([[lab in e.labels for lab in all_labels] for e in examples], dtype=int)
    keep = [j for j in range(len(all_labels)) if _trainable(Y_all[:, j], groups)]
    labels = [all_labels[j] for j in keep]
    skipped = [lab for lab in all_labels if lab not in labels]
    if not labels:
        raise ValueError("no label has enough examples to train "
                         f"(each needs positives and negatives in >= {MIN_GROUPS} groups)")
    Y = Y_all[:, keep]

    # out-of-fold scores on grouped folds -> thresholds
    n_folds = min(OUTER_FOLDS, len(set(groups)))
    oof = np.zeros(Y.shape, dtype=float)
    for tr, te in GroupKFold(n_splits=n_folds).split(texts, Y, groups):
        pipe = fit_pipeline([texts[i] for i in tr], Y[tr], [groups[i] for i in tr], seed, cfg)
        oof[te] = pipe.predict_proba([texts[i] for i in te])
    thresholds = {lab: (best_threshold(Y[:, j], oof[:, j]) if cfg["thresholds"] == "cv" else 0.5)
                  for j, lab in enumerate(labels)}
    cv_f1 = {}
    for j, lab in enumerate(labels):
        pred, y = oof[:, j] >= thresholds[lab], Y[:, j].astype(bool)
        tp = int(np.sum(pred & y))
        cv_f1[lab] = round(float(2 * tp / (2 * tp + np.sum(pred & ~y) + np.sum(~pred & y))), 4) \
            if tp else 0.0

    pipe = fit_pipeline(texts, Y, groups, seed, cfg)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    meta = {
        "format": FORMAT_VERSION,
        "name": "",
        "gknlp_version": _gknlp_version(),
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "scipy_version": scipy.__version__,
        "config": cfg,
        "date": when.date().isoformat(),
        "seed": seed,
        "data_sha256": _data_hash(examples, all_labels),
        "userdict_sha256": userdict_hash(),
        "theme_cues_sha256": file_hash(THEME_CUES),
        "channel_acts_sha256": file_hash(CHANNEL_ACTS),
        "codebook_version": codebook.version,
        "n_examples": len(examples),
        "n_sources": len({e.source for e in examples}),
        "n_groups": len(set(groups)),
        "support": {lab: int(Y[:, j].sum()) for j, lab in enumerate(labels)},
        "skipped_labels": skipped,
        "cv": {"folds": n_folds, "grouped_by": "issuing body", "f1_at_threshold": cv_f1},
    }
    return ThemeModel(pipe, labels, thresholds, codebook, meta)


# --------------------------------------------------------------------------- loading

_MODELS: dict[Path, ThemeModel] = {}


def load_model(path: str | os.PathLike | None = None) -> ThemeModel:
    """Load a saved model (default: the shipped ``models/themes-v2``), once per path.

    Tagging uses ``scorer.zip`` (numpy arrays, no pickle) when it was compiled from this very
    ``model.skops`` (its sha256 is checked), so scikit-learn is not even imported; otherwise
    the skops file is loaded, accepting only :data:`TRUSTED_TYPES` plus skops' defaults.
    Warns when the model was made with another gknlp version or another domain dictionary
    (and, when the skops file is loaded, another scikit-learn).
    """
    if path is None:
        path = os.environ.get("GKNLP_THEMES_MODEL") or DEFAULT_MODEL_DIR
    d = Path(path).resolve()
    with _lock:
        if d in _MODELS:
            return _MODELS[d]
    if not (d / MODEL_FILE).is_file():
        raise FileNotFoundError(f"no theme model at {d} (expected {MODEL_FILE} and {META_FILE})")
    saved = json.loads((d / META_FILE).read_text(encoding="utf-8"))
    meta = {k: v for k, v in saved.items() if k not in ("labels", "thresholds")}
    if meta.get("gknlp_version") != _gknlp_version():
        warnings.warn(f"theme model {d.name} was trained with gknlp "
                      f"{meta.get('gknlp_version')}, this is {_gknlp_version()}", stacklevel=2)
    if meta.get("userdict_sha256", None) != userdict_hash():
        warnings.warn(f"theme model {d.name} was trained with another jieba domain "
                      "dictionary; word features may not match", stacklevel=2)
    if meta.get("theme_cues_sha256", None) != file_hash(THEME_CUES):
        warnings.warn(f"theme model {d.name} was trained with another theme_cues.json; "
                      "cue features may not match", stacklevel=2)
    if "channel_acts_sha256" in meta and meta["channel_acts_sha256"] != file_hash(CHANNEL_ACTS):
        warnings.warn(f"theme model {d.name} was trained with another channel_acts.json; "
                      "channel-act features may not match", stacklevel=2)
    scorer = _load_matching_scorer(d)
    pipeline = None if scorer is not None else _load_pipeline(d, meta)
    codebook_path = d / CODEBOOK_FILE
    codebook = load_codebook(codebook_path) if codebook_path.is_file() else Codebook(
        tuple(Theme(lab) for lab in saved["labels"]))
    model = ThemeModel(pipeline, list(saved["labels"]),
                       {k: float(v) for k, v in saved["thresholds"].items()}, codebook, meta,
                       scorer=scorer, source=d)
    with _lock:
        return _MODELS.setdefault(d, model)


def _load_matching_scorer(d: Path) -> Any:
    """``scorer.zip`` when it records the sha256 of this directory's ``model.skops``, else None."""
    from gknlp.themes.scorer import load_scorer

    if not (d / SCORER_FILE).is_file():
        return None
    scorer, skops_sha = load_scorer(d / SCORER_FILE)
    if skops_sha != file_hash(d / MODEL_FILE):
        warnings.warn(f"{d / SCORER_FILE} was compiled from another {MODEL_FILE}; ignoring it",
                      stacklevel=3)
        return None
    return scorer


def _load_pipeline(d: Path, meta: Mapping[str, Any]) -> Any:
    """The skops pipeline, refusing types outside :data:`TRUSTED_TYPES`."""
    import sklearn
    import skops.io as sio

    untrusted = set(sio.get_untrusted_types(file=d / MODEL_FILE)) - set(TRUSTED_TYPES)
    if untrusted:
        raise ValueError(f"{d / MODEL_FILE} contains types that are not trusted: "
                         f"{sorted(untrusted)}")
    if meta.get("sklearn_version") != sklearn.__version__:
        warnings.warn(f"theme model {d.name} was trained with scikit-learn "
                      f"{meta.get('sklearn_version')}, this is {sklearn.__version__}",
                      stacklevel=3)
    return sio.load(d / MODEL_FILE, trusted=list(TRUSTED_TYPES))


def tag_with_shipped_model(texts: Sequence[str]) -> list[dict[str, Any]]:
    """Tag paragraphs with the shipped model: ``[{"themes", "scores"}]``."""
    return load_model().predict(texts)


def tag_records(records: Iterable[dict], model: ThemeModel | None = None, *,
                extra_annotators: Sequence[Callable[[str], dict]] = (),
                batch_size: int = 512) -> Iterable[dict]:
    """Add ``themes`` and ``scores`` (and ``kind`` in the problems section) to paragraph records.

    Every record needs ``text``; other fields are kept. Each extra annotator is called
    on the text and its dict is merged into the record.
    """
    model = model or load_model()
    batch: list[dict] = []

    def flush():
        for rec, pred in zip(batch, model.predict([r["text"] for r in batch])):
            out = {**rec, **pred}
            if rec.get("section") == "problems":
                out["kind"] = paragraph_kind(rec["text"])
            for fn in extra_annotators:
                out.update(fn(rec["text"]))
            yield out
        batch.clear()

    for rec in records:
        if not isinstance(rec.get("text"), str):
            raise ValueError(f"record without 'text': {str(rec)[:200]}")
        batch.append(rec)
        if len(batch) >= batch_size:
            yield from flush()
    if batch:
        yield from flush()


# --------------------------------------------------------------------------- evaluation


def evaluate(model: ThemeModel, examples: Sequence[Example],
             labels: Sequence[str] | None = None) -> dict[str, Any]:
    """Per-label precision/recall/F1/support and macro-F1 (over ``labels``, default all the model's)."""
    import numpy as np

    labels = list(labels) if labels is not None else list(model.labels)
    preds = model.predict([e.text for e in examples])
    per: dict[str, dict[str, float]] = {}
    for lab in labels:
        y = np.array([lab in e.labels for e in examples], dtype=bool)
        p = np.array([lab in r["themes"] for r in preds], dtype=bool)
        tp, fp, fn = int(np.sum(y & p)), int(np.sum(~y & p)), int(np.sum(y & ~p))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[lab] = {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4),
                    "support": int(y.sum()), "predicted": int(p.sum())}
    scored = [lab for lab in labels if lab in model.labels]
    macro = float(np.mean([per[lab]["f1"] for lab in scored])) if scored else 0.0
    return {
        "n_examples": len(examples),
        "n_sources": len({e.source for e in examples}),
        "labels": per,
        "macro_f1": round(macro, 4),
        "not_in_model": [lab for lab in labels if lab not in model.labels],
    }
