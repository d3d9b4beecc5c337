"""Body-grouped cross-validation of theme-model configurations: the figures of the model card.

Why grouped by issuing body: reports of one body repeat paragraphs from year to year, so a
split by report flatters. Per-label thresholds are judged honestly: each fold's threshold is
chosen on the other folds' out-of-fold scores. The confidence interval resamples bodies.

Run ``python -m gknlp.themes.validation annotations/ --corpus ../shared/corpus -o cv.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from gknlp.themes.annotations import Example

__all__ = ["REQUIRED", "label_matrix", "body_folds", "oof_scores", "f1", "grouped_report", "compare", "learning_curve",
           "bootstrap_ci", "paired_difference", "paired_per_theme", "place_of", "by_place", "main_place_to_rest",
           "act_frames", "act_frames_v2", "training_examples", "TrainingSide", "training_side"]

REQUIRED = ("platform", "training", "interpretation", "assessment")
FOLDS = 5


def label_matrix(examples: Sequence[Example], labels: Sequence[str]):
    """The examples' normalised texts, their 0/1 label matrix, and each one's issuing body."""
    import numpy as np

    from gknlp.themes.features import normalize_text

    texts = [normalize_text(e.text) for e in examples]
    Y = np.array([[lab in e.labels for lab in labels] for e in examples], dtype=int)
    return texts, Y, [e.group for e in examples]


def body_folds(groups: Sequence[str], n: int = FOLDS) -> list[tuple[Any, Any]]:
    """Cross-validation folds grouped by issuing body (a body's reports repeat paragraphs)."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    idx = np.arange(len(groups))
    return list(GroupKFold(n_splits=min(n, len(set(groups)))).split(idx, idx, groups))


def oof_scores(texts: Sequence[str], Y, groups: Sequence[str], config: Mapping[str, Any],
               folds: Sequence[tuple[Any, Any]], seed: int = 0, fraction: float = 1.0):
    """Out-of-fold probabilities; ``fraction`` < 1 trains each fold on that share of its
    training bodies (whole bodies, a fixed random order): the learning curve."""
    import numpy as np

    from gknlp.themes.model import fit_pipeline

    oof = np.zeros(Y.shape, dtype=float)
    rng = np.random.default_rng(seed)
    for tr, te in folds:
        if fraction < 1.0:
            bodies = sorted({groups[i] for i in tr})
            rng.shuffle(bodies)
            keep = set(bodies[:max(3, round(fraction * len(bodies)))])
            tr = np.array([i for i in tr if groups[i] in keep])
        pipe = fit_pipeline([texts[i] for i in tr], Y[tr], [groups[i] for i in tr], seed, config)
        oof[te] = pipe.predict_proba([texts[i] for i in te])
    return oof


def _nested_predictions(Y, oof, folds, per_label: bool):
    """0/1 predictions: threshold 0.5, or per label chosen on the *other* folds' scores."""
    import numpy as np

    from gknlp.themes.model import best_threshold

    pred = np.zeros(Y.shape, dtype=bool)
    for _, te in folds:
        rest = np.setdiff1d(np.arange(len(Y)), te)
        for j in range(Y.shape[1]):
            t = best_threshold(Y[rest, j], oof[rest, j]) if per_label else 0.5
            pred[te, j] = oof[te, j] >= t
    return pred


def f1(y, p) -> float:
    import numpy as np

    y, p = np.asarray(y, dtype=bool), np.asarray(p, dtype=bool)
    tp = int(np.sum(y & p))
    return 2 * tp / (2 * tp + int(np.sum(y & ~p)) + int(np.sum(~y & p))) if tp else 0.0


def bootstrap_ci(Y, pred, groups: Sequence[str], columns: Sequence[int], n: int = 1000,
                 seed: int = 0) -> tuple[float, float]:
    """95 % interval of the macro-F1 over ``columns``, resampling whole bodies."""
    import numpy as np

    rng = np.random.default_rng(seed)
    bodies = sorted(set(groups))
    rows = {b: np.array([i for i, g in enumerate(groups) if g == b]) for b in bodies}
    vals = []
    for _ in range(n):
        pick = np.concatenate([rows[bodies[k]] for k in rng.integers(0, len(bodies), len(bodies))])
        vals.append(np.mean([f1(Y[pick, j], pred[pick, j]) for j in columns]))
    lo, hi = np.percentile(vals, [2.5, 97.5])
    return round(float(lo), 4), round(float(hi), 4)


def place_of(group: str) -> str:
    """The place of an issuing body: the first part of a corpus body's slug (``pingtan-czj`` ->
    ``pingtan``); a seed or another source is a place of its own."""
    return group.split("-")[0] if "/" not in group else group


def by_place(groups: Sequence[str], labels: Sequence[str], Y, pred,
             main: str | None = None) -> dict[str, Any]:
    """F1 per required theme (None where it is neither true nor predicted) and their macro, per place and pooled over every place but
    ``main`` (default: the one with most paragraphs; an estimate of how the model does away from
    the place that dominates training), with true/predicted/correct positives."""
    import numpy as np

    places = [place_of(g) for g in groups]
    main = main or max(set(places), key=places.count)
    req = [labels.index(lab) for lab in REQUIRED if lab in labels]

    def report(rows) -> dict[str, Any]:
        # F1 is None (and left out of the macro) where a theme is neither true nor predicted
        scores = {j: (round(f1(Y[rows, j], pred[rows, j]), 4)
                      if Y[rows, j].any() or pred[rows, j].any() else None) for j in req}
        defined = [x for x in scores.values() if x is not None]
        return {"n": int(rows.sum()),
                **{labels[j]: {"f1": scores[j],
                               "true": int(Y[rows, j].sum()), "predicted": int(pred[rows, j].sum()),
                               "correct": int((Y[rows, j].astype(bool) & pred[rows, j]).sum())}
                   for j in req},
                "macro_required": round(float(np.mean(defined)), 4) if defined else None}

    p = np.array(places)
    out = {"main_place": main, f"all but {main}": report(p != main)}
    out.update({place: report(p == place) for place in sorted(set(places))})
    return out


def main_place_to_rest(texts: Sequence[str], Y, groups: Sequence[str], labels: Sequence[str],
                       config: Mapping[str, Any], seed: int = 0) -> dict[str, Any]:
    """Trained on the bodies of the place with most paragraphs only, scored (threshold 0.5) on
    every other place: how the model carries to places it has not seen."""
    import numpy as np

    from gknlp.themes.model import fit_pipeline

    places = [place_of(g) for g in groups]
    main = max(set(places), key=places.count)
    tr = [i for i, p in enumerate(places) if p == main]
    te = np.array([i for i, p in enumerate(places) if p != main])
    pipe = fit_pipeline([texts[i] for i in tr], Y[tr], [groups[i] for i in tr], seed, config)
    pred = np.asarray(pipe.predict_proba([texts[i] for i in te])) >= 0.5
    return {"trained_on": main, "n_train": len(tr), "n_test": int(te.size),
            **by_place([groups[i] for i in te], labels, Y[te], pred, main)}


def grouped_report(examples: Sequence[Example], labels: Sequence[str], Y, oof, folds,
                   per_label: bool) -> dict[str, Any]:
    """F1 per label, macro over the four required themes with a body-bootstrap interval,
    and per section (overall / problems)."""
    import numpy as np

    pred = _nested_predictions(Y, oof, folds, per_label)
    groups = [e.group for e in examples]
    req = [labels.index(lab) for lab in REQUIRED if lab in labels]
    out: dict[str, Any] = {
        "f1": {lab: round(f1(Y[:, j], pred[:, j]), 4) for j, lab in enumerate(labels)},
        "macro_required": round(float(np.mean([f1(Y[:, j], pred[:, j]) for j in req])), 4),
        "macro_all": round(float(np.mean([f1(Y[:, j], pred[:, j])
                                          for j in range(len(labels))])), 4),
        "macro_required_ci95": bootstrap_ci(Y, pred, groups, req),
        "sections": {},
    }
    out["places"] = by_place(groups, labels, Y, pred)
    for section in ("overall", "problems"):
        rows = np.array([i for i, e in enumerate(examples) if e.section == section])
        if rows.size:
            out["sections"][section] = {
                "n": int(rows.size),
                **{lab: round(f1(Y[rows, j], pred[rows, j]), 4) for j, lab in enumerate(labels)
                   if lab in REQUIRED},
                "macro_required": round(float(np.mean([f1(Y[rows, j], pred[rows, j])
                                                       for j in req])), 4)}
    return out


def paired_difference(examples: Sequence[Example], labels: Sequence[str],
                      config_a: Mapping[str, Any], config_b: Mapping[str, Any],
                      per_label: bool = False, n: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Macro-F1 (four themes) of B minus A on the same folds, with a 95 % interval from
    resampling bodies (paired: both models are scored on each resample)."""
    texts, Y, groups = label_matrix(examples, labels)
    folds = body_folds(groups)
    oofs = [oof_scores(texts, Y, groups, cfg, folds, seed) for cfg in (config_a, config_b)]
    return paired_from_scores(Y, groups, labels, oofs[0], oofs[1], folds, per_label, n, seed)


def paired_from_scores(Y, groups: Sequence[str], labels: Sequence[str], oof_a, oof_b, folds,
                       per_label: bool = False, n: int = 1000, seed: int = 0) -> dict[str, Any]:
    """:func:`paired_difference` from out-of-fold scores already computed on ``folds``."""
    import numpy as np

    preds = [_nested_predictions(Y, oof, folds, per_label) for oof in (oof_a, oof_b)]
    req = [labels.index(lab) for lab in REQUIRED if lab in labels]
    bodies = sorted(set(groups))
    rows = {b: np.array([i for i, g in enumerate(groups) if g == b]) for b in bodies}
    rng = np.random.default_rng(seed)

    def macro(pred, pick):
        return float(np.mean([f1(Y[pick, j], pred[pick, j]) for j in req]))

    everything = np.arange(len(Y))
    diffs = []
    for _ in range(n):
        pick = np.concatenate([rows[bodies[k]] for k in rng.integers(0, len(bodies), len(bodies))])
        diffs.append(macro(preds[1], pick) - macro(preds[0], pick))
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    return {"a": round(macro(preds[0], everything), 4), "b": round(macro(preds[1], everything), 4),
            "difference": round(macro(preds[1], everything) - macro(preds[0], everything), 4),
            "difference_ci95": [round(float(lo), 4), round(float(hi), 4)],
            "share_of_resamples_b_better": round(float(np.mean(np.array(diffs) > 0)), 3)}


def paired_per_theme(Y, groups: Sequence[str], labels: Sequence[str], oof_a, oof_b, folds,
                     n: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Per required theme: F1 of B minus A (threshold 0.5) on the same folds, with a 95 %
    interval from resampling bodies."""
    import numpy as np

    pa, pb = (_nested_predictions(Y, oof, folds, False) for oof in (oof_a, oof_b))
    req = [labels.index(lab) for lab in REQUIRED if lab in labels]
    bodies = sorted(set(groups))
    rows = {b: np.array([i for i, g in enumerate(groups) if g == b]) for b in bodies}
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n):
        pick = np.concatenate([rows[bodies[k]] for k in rng.integers(0, len(bodies), len(bodies))])
        diffs.append([f1(Y[pick, j], pb[pick, j]) - f1(Y[pick, j], pa[pick, j]) for j in req])
    d = np.array(diffs)
    out = {}
    for k, j in enumerate(req):
        lo, hi = np.percentile(d[:, k], [2.5, 97.5])
        out[labels[j]] = {"a": round(f1(Y[:, j], pa[:, j]), 4), "b": round(f1(Y[:, j], pb[:, j]), 4),
                          "difference": round(f1(Y[:, j], pb[:, j]) - f1(Y[:, j], pa[:, j]), 4),
                          "difference_ci95": [round(float(lo), 4), round(float(hi), 4)]}
    return out


# --------------------------------------------------------------------------- act-frame variants

def act_frames_v2(data: dict[str, Any]) -> None:
    """The act frames of session 6's themes-v2 from the current ones: the channel frame without
    clause marks (、 split clauses), attributive 的, blanked titles, objects and through-only,
    and no work frame."""
    frame = data["frames"]["channel"]
    for key in ("clause_marks", "not_before", "mask_titles", "object", "only"):
        frame.pop(key, None)
    data["frames"] = {"channel": frame}


@contextlib.contextmanager
def act_frames(modify: Callable[[dict[str, Any]], None]) -> Iterator[Path]:
    """Within the block, the model's act features read ``data/themes/channel_acts.json`` as
    changed by ``modify`` (a temporary copy; the file itself is not touched)."""
    from gknlp.themes import features

    data = json.loads(features.CHANNEL_ACTS.read_text(encoding="utf-8"))
    modify(data)
    original = features.CHANNEL_ACTS
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "channel_acts.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        features.CHANNEL_ACTS = path
        features.channel_act_patterns.cache_clear()
        try:
            yield path
        finally:
            features.CHANNEL_ACTS = original
            features.channel_act_patterns.cache_clear()


def compare(examples: Sequence[Example], labels: Sequence[str],
            configs: Mapping[str, Mapping[str, Any]], seed: int = 0,
            scores: dict[str, Any] | None = None) -> dict[str, Any]:
    """Each configuration's grouped report, with per-label and with 0.5 thresholds
    (``scores``: filled with each configuration's out-of-fold scores)."""
    texts, Y, groups = label_matrix(examples, labels)
    folds = body_folds(groups)
    out = {}
    for name, cfg in configs.items():
        oof = oof_scores(texts, Y, groups, cfg, folds, seed)
        if scores is not None:
            scores[name] = oof
        out[name] = {"config": dict(cfg),
                     "per_label_thresholds": grouped_report(examples, labels, Y, oof, folds, True),
                     "threshold_0.5": grouped_report(examples, labels, Y, oof, folds, False)}
        print(name, out[name]["per_label_thresholds"]["macro_required"],
              out[name]["threshold_0.5"]["macro_required"], file=sys.stderr, flush=True)
    return out


def learning_curve(examples: Sequence[Example], labels: Sequence[str], config: Mapping[str, Any],
                   fractions: Sequence[float] = (0.25, 0.5, 0.75, 1.0), seed: int = 0
                   ) -> list[dict[str, Any]]:
    """Grouped-CV macro-F1 (the configuration's thresholds) when each fold trains on a share of
    the bodies."""
    import numpy as np

    texts, Y, groups = label_matrix(examples, labels)
    folds = body_folds(groups)
    points = []
    for frac in fractions:
        oof = oof_scores(texts, Y, groups, config, folds, seed, frac)
        rep = grouped_report(examples, labels, Y, oof, folds, config.get("thresholds") == "cv")
        n_train = int(np.mean([round(frac * len(tr)) for tr, _ in folds]))
        points.append({"fraction_of_bodies": frac, "approx_train_paragraphs": n_train,
                       "macro_required": rep["macro_required"],
                       **{lab: rep["f1"][lab] for lab in REQUIRED if lab in labels}})
        print("curve", frac, rep["macro_required"], file=sys.stderr, flush=True)
    return points


def training_examples(annotations: str | Path, corpus: str | Path | None = None) -> list[Example]:
    """The labelled paragraphs of the training side (the test split's reports left out), their
    text resolved from `corpus` (default: the shared corpus beside the project)."""
    from gknlp.cli.themes import held_out_sources
    from gknlp.themes.annotations import default_corpus_dir, load_annotations

    ann = Path(annotations)
    return load_annotations(ann, corpus or default_corpus_dir(), exclude_sources=held_out_sources(ann))


class TrainingSide(NamedTuple):
    """The training side ready for grouped cross-validation on the four promised themes."""

    examples: list[Example]
    labels: list[str]
    texts: Any
    Y: Any
    groups: Any
    folds: list[tuple[Any, Any]]


def training_side(annotations: str | Path, corpus: str | Path | None = None) -> TrainingSide:
    """`training_examples` as a label matrix over REQUIRED, with the body-grouped folds."""
    examples = training_examples(annotations, corpus)
    labels = list(REQUIRED)
    texts, Y, groups = label_matrix(examples, labels)
    return TrainingSide(examples, labels, texts, Y, groups, body_folds(groups))


def main(argv: Sequence[str] | None = None) -> None:
    from gknlp.themes.codebook import load_codebook
    from gknlp.themes.model import DEFAULT_CONFIG, V1_CONFIG

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("annotations")
    ap.add_argument("--corpus", default=None)
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--no-curve", action="store_true")
    args = ap.parse_args(argv)
    ann = Path(args.annotations)
    examples = training_examples(ann, args.corpus)
    # The configurations are compared on the four promised themes (one-vs-rest: each theme's
    # classifier is the same whether or not the other eight labels are fitted beside it).
    labels = [lab for lab in REQUIRED if lab in load_codebook(ann).labels]
    chosen = dict(DEFAULT_CONFIG)
    no_acts = {**chosen, "channel_acts": 0.0}
    configs = {
        "v1: calibrated LinearSVC C=0.5, per-label thresholds": V1_CONFIG,
        "logistic regression C=4, no heading block": {**no_acts, "C": 4.0, "heading": False},
        "logistic regression C=16, no heading block": {**no_acts, "heading": False},
        "logistic regression C=16 + heading block": no_acts,
        "chosen: logistic regression C=16 + heading block + channel acts": chosen,
    }
    scores: dict[str, Any] = {}
    result: dict[str, Any] = {"n_examples": len(examples),
                              "n_bodies": len({e.group for e in examples}),
                              "folds": FOLDS, "grouped_by": "issuing body",
                              "configs": compare(examples, labels, configs, scores=scores)}
    texts, Y, groups = label_matrix(examples, labels)
    folds = body_folds(groups)
    names = list(configs)
    with act_frames(act_frames_v2):  # the same model with session 6's act frames (v2)
        v2 = oof_scores(texts, Y, groups, chosen, folds)
    result["configs"]["chosen with act frames v2 (session 6's themes-v2)"] = {
        "config": chosen, "threshold_0.5": grouped_report(examples, labels, Y, v2, folds, False)}
    result["main_place_to_rest"] = {"chosen": main_place_to_rest(texts, Y, groups, labels, chosen)}
    with act_frames(act_frames_v2):
        result["main_place_to_rest"]["chosen with act frames v2"] = main_place_to_rest(
            texts, Y, groups, labels, chosen)
    result["paired"] = {
        "act frames v3 (chosen minus v2)": {
            **paired_from_scores(Y, groups, labels, v2, scores[names[4]], folds),
            "per_theme": paired_per_theme(Y, groups, labels, v2, scores[names[4]], folds)},
        "channel acts (chosen minus without)": paired_from_scores(
            Y, groups, labels, scores[names[3]], scores[names[4]], folds),
        "heading block (with minus without; no channel acts)": paired_from_scores(
            Y, groups, labels, scores[names[2]], scores[names[3]], folds),
    }
    if not args.no_curve:
        result["learning_curve"] = learning_curve(examples, labels, DEFAULT_CONFIG,
                                                  fractions=(0.25, 0.5, 0.75))
        full = grouped_report(examples, labels, Y, scores[names[4]], folds, False)
        result["learning_curve"].append({
            "fraction_of_bodies": 1.0,
            "approx_train_paragraphs": int(sum(len(tr) for tr, _ in folds) / len(folds)),
            "macro_required": full["macro_required"], **full["f1"]})
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n",
                              encoding="utf-8")


if __name__ == "__main__":
    main()
