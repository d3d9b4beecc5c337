"""Act frames v3 against session 6's v2, and each part of v3 left out, by body-grouped
cross-validation on the training side (issue 18). The test split takes no part.

v3 (``gknlp/data/themes/channel_acts.json``, one engine in ``gknlp.themes.features.channel_acts``)
adds to the channel frame: clause marks without 、 (a list of column names stays one clause),
the attributive 的 (开设的账号 is not an act of building), cited titles 《…》 blanked (A12), the
channel as head of an act's object (设立“…”专栏, P1) and through-only (P2); and a work frame:
checks, assessment and complaints of the disclosure work itself, with 监督/检查 as content, in a
body's name, in 监督保障 or 保密审查 masked (A1-A3, A5, A6, A8).

Prints, threshold 0.5: macro-F1 over the four promised themes with a 95 % interval from
resampling bodies, F1 per theme, the paired difference of each variant against v3 (and per
theme for v2), and figures away from the place that dominates training.

    python bench/themes_act_frames_cv.py [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _without(*keys: str, work: bool = True):
    def modify(data):
        for key in keys:
            data["frames"]["channel"].pop(key, None)
        if not work:
            data["frames"].pop("work", None)
    return modify


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=None)
    args = ap.parse_args()

    from gknlp.themes import validation as v
    from gknlp.themes.model import DEFAULT_CONFIG

    examples, labels, texts, Y, groups, folds = v.training_side(REPO / "annotations", args.corpus)
    variants = {
        "v3 (current)": lambda data: None,
        "v2 (session 6)": v.act_frames_v2,
        "v3 without the work frame": _without(work=False),
        "v3 without blanked titles": lambda data: [f.pop("mask_titles", None)
                                                    for f in data["frames"].values()],
        "v3 without objects": _without("object"),
        "v3 without through-only": _without("only"),
        "v3 with 、 splitting clauses": _without("clause_marks"),
        "v3 without the attributive 的": _without("not_before"),
    }
    scores = {}
    for name, modify in variants.items():
        with v.act_frames(modify):
            scores[name] = v.oof_scores(texts, Y, groups, DEFAULT_CONFIG, folds)
        rep = v.grouped_report(examples, labels, Y, scores[name], folds, False)
        away = rep["places"][f"all but {rep['places']['main_place']}"]
        print(f"{name:>30}: macro-F1 {rep['macro_required']:.4f} "
              f"[{rep['macro_required_ci95'][0]:.4f}, {rep['macro_required_ci95'][1]:.4f}]  "
              + "  ".join(f"{lab} {rep['f1'][lab]:.3f}" for lab in labels)
              + f"  | away from {rep['places']['main_place']} ({away['n']}): "
              + f"{away['macro_required']:.3f}", flush=True)
    current = scores["v3 (current)"]
    for name in list(variants)[1:]:
        d = v.paired_from_scores(Y, groups, labels, scores[name], current, folds)
        print(f"v3 minus {name}: {d['difference']:+.4f} "
              f"[{d['difference_ci95'][0]:+.4f}, {d['difference_ci95'][1]:+.4f}], "
              f"better in {d['share_of_resamples_b_better']:.0%} of body resamples")
    for lab, d in v.paired_per_theme(Y, groups, labels, scores["v2 (session 6)"], current,
                                     folds).items():
        print(f"  {lab}: {d['a']:.3f} -> {d['b']:.3f}, {d['difference']:+.4f} "
              f"[{d['difference_ci95'][0]:+.4f}, {d['difference_ci95'][1]:+.4f}]")


if __name__ == "__main__":
    main()
