"""Channel-act features, first form (themes-v2 of session 5) against the current one, by
body-grouped cross-validation on the training side (issue 18).

The first form said, per sentence and per clause, which kinds of act (build / through / check)
stand beside a channel word. The current form (``gknlp.themes.features.channel_acts``, terms in
``gknlp/data/themes/channel_acts.json``) also says whether the act is *next to* the channel word,
masks systems that are not disclosure channels (12345, service platforms; rule P5), splits strong
building acts from weak ones (规范/完善/管理), marks clauses that count what was published through a
channel (rule P2) and shortcomings of a channel (a P1 problem).

Prints macro-F1 over the four promised themes (threshold 0.5) with a 95 % interval from resampling
bodies, F1 per theme, and the paired difference. The test split takes no part.

    python bench/themes_channel_acts_cv.py [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import re
import sys
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

_SENTENCE = re.compile(r"[。；;！!？?]")
_CLAUSE = re.compile(r"[，,、：:]")

# The terms of the first form (gknlp/data/themes/channel_acts.json before this change).
V1_ANCHOR = ("网站 门户 栏目 专栏 专区 公众号 微信 微博 新媒体 抖音 头条号 客户端 小程序 公报 公示栏 "
             "公开栏 宣传栏 公告栏 电子屏 显示屏 信息屏 查阅点 查阅室 查阅场所 平台 子站 子网站 板块 版块 "
             "模块 两微一端").split()
V1_ACTS = {
    "build": ("开设 增设 设立 设置 开通 建立 建成 建设 改版 升级 改造 优化 集约 整合 关停 注销 运维 维护 "
              "上线 新增 迁移 调整 完善 规范").split(),
    "through": "通过 依托 利用 借助 发挥 推送 转载 累计发布 共发布 发布信息 公开信息 阅读量 关注用户".split(),
    "check": "巡查 检查 抽查 监测 读网 普查 错链 自查 测评 监管 排查".split(),
}


def _alternation(terms):
    return re.compile("|".join(map(re.escape, sorted(terms, key=len, reverse=True))))


@cache
def _v1_patterns():
    return _alternation(V1_ANCHOR), tuple((k, _alternation(t)) for k, t in V1_ACTS.items())


def channel_acts_v1(doc: str) -> list[str]:
    """The first form, as shipped in themes-v2 of session 5."""
    anchor, acts = _v1_patterns()
    found: set[str] = set()
    near: set[str] = set()
    for sentence in _SENTENCE.split(doc):
        if anchor.search(sentence):
            kinds = {kind for kind, pattern in acts if pattern.search(sentence)}
            found |= kinds
            for clause in _CLAUSE.split(sentence) if kinds else ():
                if anchor.search(clause):
                    near |= {kind for kind, pattern in acts
                             if kind in kinds and pattern.search(clause)}
    out = [f"channel:{kind}" for kind in sorted(found)]
    if len(found) == 1:
        out.append(f"channel:{next(iter(found))}:only")
    return out + [f"channel:{kind}:clause" for kind in sorted(near)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=None)
    args = ap.parse_args()

    import gknlp.themes.features as features
    from gknlp.themes import validation as v
    from gknlp.themes.model import DEFAULT_CONFIG

    examples, labels, texts, Y, groups, folds = v.training_side(REPO / "annotations", args.corpus)
    current = features.channel_acts
    scores = {}
    for name, analyzer in (("first form", channel_acts_v1), ("current", current)):
        features.channel_acts = analyzer  # _make_pipeline reads the module attribute
        try:
            scores[name] = v.oof_scores(texts, Y, groups, DEFAULT_CONFIG, folds)
        finally:
            features.channel_acts = current
        rep = v.grouped_report(examples, labels, Y, scores[name], folds, False)
        print(f"{name:>10}: macro-F1 {rep['macro_required']:.4f} "
              f"[{rep['macro_required_ci95'][0]:.4f}, {rep['macro_required_ci95'][1]:.4f}]  "
              + "  ".join(f"{lab} {rep['f1'][lab]:.3f}" for lab in labels)
              + "  | " + "  ".join(f"{s} {r['macro_required']:.3f}"
                                   for s, r in rep["sections"].items()))
    d = v.paired_from_scores(Y, groups, labels, scores["first form"], scores["current"], folds)
    print(f"current minus first form: {d['difference']:+.4f} "
          f"[{d['difference_ci95'][0]:+.4f}, {d['difference_ci95'][1]:+.4f}], "
          f"better in {d['share_of_resamples_b_better']:.0%} of body resamples")


if __name__ == "__main__":
    main()
