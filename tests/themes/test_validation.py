"""Helpers of the body-grouped cross-validation (gknlp.themes.validation)."""

from __future__ import annotations

import numpy as np

from gknlp.themes import features, validation


def test_themes_validation_place_of():
    assert validation.place_of("pingtan-czj") == "pingtan"
    assert validation.place_of("pingtan-xian-gaj") == "pingtan"
    assert validation.place_of("seeds/000_f6f884fffa850788") == "seeds/000_f6f884fffa850788"
    assert validation.place_of("other/o06_shanghai-gov-office-2019") == \
        "other/o06_shanghai-gov-office-2019"


def test_themes_validation_by_place_counts():
    groups = ["a-x", "a-y", "a-x", "seeds/1", "seeds/1"]
    labels = list(validation.REQUIRED)
    Y = np.zeros((5, 4), dtype=int)
    pred = np.zeros((5, 4), dtype=bool)
    Y[3, 0] = Y[4, 0] = 1          # two platform paragraphs away from place "a"
    pred[3, 0] = pred[2, 0] = True  # one found there, one false positive in "a"
    out = validation.by_place(groups, labels, Y, pred)
    assert out["main_place"] == "a"
    away = out["all but a"]
    assert away["n"] == 2
    assert away["platform"] == {"f1": 0.6667, "true": 2, "predicted": 1, "correct": 1}
    assert out["a"]["platform"]["predicted"] == 1 and out["a"]["platform"]["f1"] == 0.0
    assert out["a"]["training"]["f1"] is None and out["a"]["macro_required"] == 0.0
    assert away["macro_required"] == 0.6667


def test_themes_validation_act_frames_is_temporary():
    text = features.normalize_text("将政务公开工作纳入绩效考核。")
    assert "work:check:near" in features.channel_acts(text)
    with validation.act_frames(validation.act_frames_v2):
        assert not [f for f in features.channel_acts(text) if f.startswith("work:")]
    assert "work:check:near" in features.channel_acts(text)
