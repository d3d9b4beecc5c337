"""Tests for gknlp.themes.model (issue 4): the theme classifier, its data and its CLI shells."""

from __future__ import annotations

import json
import warnings
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from gknlp.themes import model as themes
from gknlp.cli.themes import evaluate_cmd, split_cmd, tag_cmd, held_out_sources, train_cmd

REPO = Path(__file__).resolve().parents[2]
ANNOTATIONS = REPO / "annotations"
SHIPPED = REPO / "models" / "themes-v2"
REQUIRED = ("platform", "training", "interpretation", "assessment")

# Acceptance floors of issue 18 on the fixed test split (annotations/test.jsonl).
MACRO_FLOOR = 0.90      # macro-F1 over the four required themes
LABEL_FLOOR = 0.85      # F1 of each required theme

needs_model = pytest.mark.skipif(not (SHIPPED / "model.skops").is_file(),
                                 reason=f"shipped model {SHIPPED} not built yet")


# --------------------------------------------------------------------------- import


def test_themes_import_is_light():
    code = ("import sys, gknlp.themes.model, gknlp.cli.themes; "
            "heavy = [m for m in ('jieba', 'sklearn', 'skops', 'opencc', 'numpy') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# --------------------------------------------------------------------------- groups, split


@pytest.mark.parametrize("source, group", [
    ("raw/023_pingtan-hzs-2022.txt", "pingtan-hzs"),
    ("raw/003_pingtan-hzs-2019.txt", "pingtan-hzs"),
    ("raw/043_pingtan-xian-gaj-2009.txt", "pingtan-xian-gaj"),
    ("seeds/000_f6f884fffa850788.txt", "seeds/000_f6f884fffa850788"),
    ("mine/report.txt", "mine/report"),
], ids=["hzs-2022", "hzs-2019", "xian-gaj", "seed", "own"])
def test_themes_body_group(source, group):
    assert themes.body_group(source) == group


def test_themes_make_split_is_deterministic_and_by_body():
    sources = [f"raw/{i:03d}_body{i % 7}-{2019 + i % 5}.txt" for i in range(40)]
    test = themes.make_split(sources)
    assert test == themes.make_split(list(reversed(sources)))
    assert 0.2 * len(sources) <= len(test) < 0.5 * len(sources)
    test_bodies = {themes.body_group(s) for s in test}
    train_bodies = {themes.body_group(s) for s in sources if s not in test}
    assert not test_bodies & train_bodies


def test_themes_split_file_matches_test_jsonl():
    split = held_out_sources(ANNOTATIONS)
    assert split, "annotations/split.json is missing"
    assert split == sorted(split)
    lines = [json.loads(x) for x in (ANNOTATIONS / "test.jsonl").read_text(encoding="utf-8").splitlines()
             if x.strip()]
    assert lines and {r["source"] for r in lines} <= set(split)
    assert all("text" not in r for r in lines if r["source"].startswith("raw/")), \
        "corpus text must not be stored"
    test_bodies = {themes.body_group(s) for s in split}
    labelled = set()
    for path in ANNOTATIONS.glob("labels*.jsonl"):
        labelled |= {json.loads(x)["source"] for x in path.read_text(encoding="utf-8").splitlines()
                     if x.strip()}
    train_bodies = {themes.body_group(s) for s in labelled - set(split)}
    assert not test_bodies & train_bodies, "a body has reports on both sides of the split"


# --------------------------------------------------------------------------- codebook, loading


def test_themes_codebook_is_data():
    cb = themes.load_codebook(ANNOTATIONS / "codebook.json")
    assert set(REQUIRED) <= set(cb.labels)
    assert all(t.name_zh for t in cb.themes)


def test_themes_missing_corpus_names_it(tmp_path):
    f = tmp_path / "labels.jsonl"
    f.write_text(json.dumps({"id": "x", "source": "raw/023_pingtan-hzs-2022.txt", "start": 0,
                             "end": 10, "labels": ["platform"]}) + "\n", encoding="utf-8")
    with pytest.raises(themes.CorpusMissingError, match="raw/023_pingtan-hzs-2022.txt"):
        themes.load_annotations(f, None)
    with pytest.raises(themes.CorpusMissingError, match="nowhere"):
        themes.load_annotations(f, tmp_path / "nowhere")


def test_themes_sha256_is_checked(tmp_path):
    (tmp_path / "corpus" / "raw").mkdir(parents=True)
    (tmp_path / "corpus" / "raw" / "001_a-2020.txt").write_text("一二三四五六七八九十", encoding="utf-8")
    f = tmp_path / "labels.jsonl"
    line = {"id": "x", "source": "raw/001_a-2020.txt", "start": 2, "end": 5, "labels": [],
            "sha256": "0" * 64}
    f.write_text(json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="sha256"):
        themes.load_annotations(f, tmp_path / "corpus")
    import hashlib
    line["sha256"] = hashlib.sha256("一二三四五六七八九十".encode()).hexdigest()
    f.write_text(json.dumps(line) + "\n", encoding="utf-8")
    [ex] = themes.load_annotations(f, tmp_path / "corpus")
    assert ex.text == "三四五"


def test_themes_two_annotators_are_merged(tmp_path):
    a = {"id": "p", "source": "seeds/x.txt", "start": 0, "end": 3, "text": "培训考核", "labels": ["training"]}
    b = {**a, "labels": ["assessment"]}
    (tmp_path / "labels_a.jsonl").write_text(json.dumps(a, ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp_path / "labels_b.jsonl").write_text(json.dumps(b, ensure_ascii=False) + "\n", encoding="utf-8")
    [ex] = themes.load_annotations(tmp_path)
    assert ex.labels == ("assessment", "training") and ex.annotators == ("a", "b")
    [ex] = themes.load_annotations(tmp_path, merge="intersection")
    assert ex.labels == ()


def test_themes_normalize_traditional():
    assert themes.normalize_text("宣傳展板、懸掛條幅、張貼標(biāo)語") == "宣传展板、悬挂条幅、张贴标语"


# --------------------------------------------------------------------------- problem / measure


@pytest.mark.parametrize("text, kind", [
    ("一是政府信息公开平台部分栏目建设仍不够完善，信息内容不够丰富；二是部分职能部门信息公开意识不足。", "problem"),
    ("工作人员业务水平有待提高。", "problem"),
    ("一是加强业务科室、有关单位的衔接与沟通，提高各单位对政府信息公开工作的重视。", "measure"),
    ("针对存在的问题，下一步将进一步加强培训。", "measure"),
    ("信息更新不够及时。下一步，我局将加强信息审核发布。", "mixed"),
    ("存在的主要问题及改进情况", "problem"),
    ("（二）改进措施", "measure"),
], ids=["shortcomings", "youdai", "jiaqiang", "xiayibu", "both", "heading-problem", "heading-measure"])
def test_themes_paragraph_kind(text, kind):
    assert themes.paragraph_kind(text) == kind
    assert themes.paragraph_kind(themes.normalize_text(text), normalized=True) == kind


def test_themes_normalized_once_gives_the_same_kinds_and_scores():
    """The tagger normalises each paragraph once for the model and the kind rule."""
    from gknlp.pipeline import extract

    texts = []
    for path in sorted((REPO / "gknlp" / "data" / "samples").glob("*.txt")):
        texts += [p["text"] for p in extract(path, themes=False, counts=False).paragraphs]
    texts.append("宣傳展板、懸掛條幅，仍需加強。")
    normalized = [themes.normalize_text(t) for t in texts]
    assert ([themes.paragraph_kind(t, normalized=True) for t in normalized]
            == [themes.paragraph_kind(t) for t in texts])
    if SHIPPED.joinpath("model.skops").is_file():
        model = themes.load_model(SHIPPED)
        assert model.predict(normalized, normalized=True) == model.predict(texts)


# --------------------------------------------------------------------------- a researcher's own codebook

_OWN_TEXTS = {
    "water": ["完成农村供水管网改造{n}公里，保障群众饮水安全。", "新建水厂一座，日供水能力提升{n}吨。",
              "开展水源地保护巡查{n}次，确保饮用水水质达标。", "实施自来水入户工程，惠及{n}户群众用水。"],
    "road": ["修建农村公路{n}公里，改善群众出行条件。", "完成道路硬化{n}公里，打通断头路。",
             "开展公路养护{n}次，保障道路通行安全。", "新建桥梁{n}座，方便村民交通出行。"],
    "": ["召开年度总结会议{n}次，部署全年工作。", "按时报送各类统计报表{n}份。",
         "接待来访群众{n}人次，做好登记工作。", "组织干部参加党史学习{n}次。"],
}


def _own_dataset(tmp_path: Path) -> Path:
    d = tmp_path / "mine"
    d.mkdir()
    (d / "codebook.json").write_text(json.dumps({"version": "test", "themes": [
        {"label": "water", "name_zh": "供水", "description": "drinking water supply"},
        {"label": "road", "name_zh": "道路", "description": "roads and transport"},
        {"label": "unused", "name_zh": "无", "description": "never labelled"},
    ]}, ensure_ascii=False), encoding="utf-8")
    lines = []
    for i in range(48):
        label = ["water", "road", ""][i % 3]
        text = _OWN_TEXTS[label][i % 4].format(n=i + 2)
        labels = [label] if label else []
        if i % 8 == 0:  # a few paragraphs about both
            text += _OWN_TEXTS["road" if label == "water" else "water"][(i + 1) % 4].format(n=i)
            labels = sorted({*labels, "road" if label == "water" else "water"})
        lines.append({"id": f"p{i}", "source": f"mine/town{i % 8}.txt", "labels": labels, "text": text})
    (d / "labels.jsonl").write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines),
                                    encoding="utf-8")
    return d


def test_themes_own_codebook_trains_and_predicts(tmp_path):
    d = _own_dataset(tmp_path)
    examples = themes.load_annotations(d, None)  # inline text: no corpus needed
    model = themes.train(examples, themes.load_codebook(d), seed=0)
    assert model.labels == ["water", "road"]
    assert model.meta["skipped_labels"] == ["unused"]
    preds = model.predict(["今年完成供水管网改造12公里。", "修建农村公路8公里。", "报送统计报表3份。"])
    assert preds[0]["themes"] == ["water"]
    assert preds[1]["themes"] == ["road"]
    assert preds[2]["themes"] == []
    assert set(preds[0]["scores"]) == {"water", "road"}

    model.save(tmp_path / "m1")
    loaded = themes.load_model(tmp_path / "m1")
    assert loaded.predict(["修建农村公路8公里。"]) == model.predict(["修建农村公路8公里。"])
    meta = json.loads((tmp_path / "m1" / "meta.json").read_text(encoding="utf-8"))
    for key in ("gknlp_version", "sklearn_version", "labels", "thresholds", "date", "data_sha256"):
        assert key in meta
    report = themes.evaluate(loaded, examples)
    assert report["macro_f1"] > 0.9 and set(report["labels"]) == {"water", "road"}


def test_themes_training_is_deterministic(tmp_path):
    d = _own_dataset(tmp_path)
    examples = themes.load_annotations(d, None)
    cb = themes.load_codebook(d)
    themes.train(examples, cb).save(tmp_path / "a")
    themes.train(list(reversed(examples)), cb).save(tmp_path / "b")
    assert (tmp_path / "a" / "model.skops").read_bytes() == (tmp_path / "b" / "model.skops").read_bytes()
    assert (tmp_path / "a" / "meta.json").read_text() == (tmp_path / "b" / "meta.json").read_text()


def test_themes_version_mismatch_warns(tmp_path):
    import shutil

    d = _own_dataset(tmp_path)
    themes.train(themes.load_annotations(d), themes.load_codebook(d)).save(tmp_path / "m")
    shutil.copytree(tmp_path / "m", tmp_path / "old")
    meta = json.loads((tmp_path / "old" / "meta.json").read_text(encoding="utf-8"))
    meta["sklearn_version"] = "0.0.1"
    (tmp_path / "old" / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    # Tagging from scorer.zip needs only numpy: the scikit-learn version does not matter ...
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = themes.load_model(tmp_path / "old")
    assert model.pipeline is None and model.scorer is not None
    # ... but it does as soon as the skops pipeline itself is loaded.
    with pytest.warns(UserWarning, match="scikit-learn 0.0.1"):
        model.fitted_pipeline()


def test_themes_scorer_from_another_skops_is_ignored(tmp_path):
    import shutil

    d = _own_dataset(tmp_path)
    themes.train(themes.load_annotations(d), themes.load_codebook(d)).save(tmp_path / "m")
    shutil.copytree(tmp_path / "m", tmp_path / "edited")
    with open(tmp_path / "edited" / "model.skops", "ab") as fh:  # no longer the compiled one
        fh.write(b"\0")
    with pytest.warns(UserWarning, match="compiled from another model.skops"):
        try:
            themes.load_model(tmp_path / "edited")
        except Exception:  # the appended byte may also break the skops zip: that is fine
            pass


def test_themes_untrusted_model_is_refused(tmp_path):
    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    d = tmp_path / "evil"
    d.mkdir()
    sio.dump(FunctionTransformer(func=subprocess.call), d / "model.skops")
    (d / "meta.json").write_text(json.dumps({"labels": [], "thresholds": {}}), encoding="utf-8")
    with pytest.raises(Exception, match="trusted|untrusted"):
        themes.load_model(d)


def test_themes_cli_train_evaluate_tag(tmp_path):
    import typer
    from typer.testing import CliRunner

    d = _own_dataset(tmp_path)
    app = typer.Typer()
    app.command("train")(train_cmd)
    app.command("evaluate")(evaluate_cmd)
    runner = CliRunner()
    res = runner.invoke(app, ["train", str(d), "-o", str(tmp_path / "model")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "model" / "model.skops").is_file()
    res = runner.invoke(app, ["evaluate", str(tmp_path / "model"), str(d / "labels.jsonl"),
                              "-o", str(tmp_path / "eval.json")])
    assert res.exit_code == 0, res.output
    assert "macro" in res.output
    assert json.loads((tmp_path / "eval.json").read_text(encoding="utf-8"))["macro_f1"] > 0.9

    src = tmp_path / "paras.jsonl"
    src.write_text(json.dumps({"id": "q1", "section": "problems", "text": "下一步将加强道路养护。"},
                              ensure_ascii=False) + "\n", encoding="utf-8")
    n = tag_cmd(src, tmp_path / "tagged.jsonl", tmp_path / "model",
                extra_annotators=[lambda text: {"length": len(text)}])
    assert n == 1
    [rec] = [json.loads(x) for x in (tmp_path / "tagged.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rec["id"] == "q1" and rec["themes"] == ["road"] and rec["length"] == 11
    assert set(rec["scores"]) == {"water", "road"} and rec["kind"] == "measure"


def test_themes_cli_missing_corpus_is_a_clear_error(tmp_path):
    import typer
    from typer.testing import CliRunner

    d = tmp_path / "ann"
    d.mkdir()
    (d / "codebook.json").write_text(json.dumps({"themes": [{"label": "platform"}]}), encoding="utf-8")
    (d / "labels_a.jsonl").write_text(json.dumps({"source": "raw/023_pingtan-hzs-2022.txt", "start": 0,
                                                  "end": 5, "labels": []}) + "\n", encoding="utf-8")
    app = typer.Typer()
    app.command("train")(train_cmd)
    app.command("split")(split_cmd)
    res = CliRunner().invoke(app, ["train", str(d), "--corpus", str(tmp_path / "no-corpus"),
                                   "-o", str(tmp_path / "m")])
    assert res.exit_code == 2
    assert "no-corpus" in res.output and "raw/023_pingtan-hzs-2022.txt" in res.output


# --------------------------------------------------------------------------- the shipped model on seeds


def _seed_paragraph(seed: str, prefix: str) -> str:
    samples = resources.files("gknlp.data").joinpath("samples")
    [f] = [f for f in samples.iterdir() if f.name.startswith(seed + "_")]
    hits = [ln for ln in f.read_text(encoding="utf-8").splitlines() if ln.strip().startswith(prefix)]
    assert len(hits) == 1, (seed, prefix, len(hits))
    return hits[0]


# (seed, start of the paragraph, its required themes). The four required themes only:
# a paragraph's other themes (rules_system, key_areas, ...) are not checked here. The
# expectations agree with the labels in annotations/labels_a.jsonl (codebook v2 rules). Seed paragraphs
# are in the training data, so this checks sensible behaviour on them (incl. the traditional
# seed 001, as split into lines here), not generalisation: that is the test split's job.
SEED_CASES = [
    ("000", "一是推进机制建设", set()),
    ("000", "三是强化政策解读", {"interpretation", "platform"}),  # 公示栏 + 解读
    ("000", "开展了新修订的《信息公开工作条例》学习培训", {"training"}),
    ("000", "依托大坪乡便民服务中心", set()),
    ("000", "稳步推进政府公示栏和便民服务站建设", {"platform"}),   # （五）平台建设情况
    ("000", "一是加大对政府系统业务工作的培训力度", {"training"}),  # （六）培训考核情况
    ("000", "二是高度重视政务公开工作的考核", {"assessment"}),      # （六）培训考核情况
    ("000", "四是持续推进政务公开常态化建设", {"training", "assessment"}),
    ("000", "二是持续深化重点领域信息公开", set()),
    ("001", "堅持公開就是承諾", set()),   # traditional; only 充分利用 the website (rule P2)
    ("002", "(四)强化监督", {"assessment"}),
    ("002", "二是加大培训力度", {"training"}),
    ("002", "三是加强平台建设", {"platform"}),
    ("003", "2020年，在县委县政府的领导下，我街道依托云阳县政府门户网站", {"platform"}),
    ("003", "一是加强对《中华人民共和国政府信息公开条例》的学习", {"training", "platform"}),
    ("004", "2. 加强政策解读和回应工作", {"interpretation"}),
    ("004", "(三)平台建设及政务新媒体管理情况", set()),  # heading alone; 以网站为载体 (P2)
    ("004", "1. 加强政府网站平台建设", {"platform"}),
    ("004", "2. 做好政务新媒体管理", {"platform", "assessment"}),  # 清理 + 合格率 (rule A7)
    ("004", "3. 加强政务公开考核", {"assessment"}),
    ("004", "1. 依法答复依申请公开件", set()),
    ("004", "1. 完善组织领导", set()),
]


@needs_model
@pytest.mark.parametrize("seed, prefix, expected", SEED_CASES,
                         ids=[f"seed{s}-{i:02d}" for i, (s, _, _) in enumerate(SEED_CASES)])
def test_themes_seed_paragraphs(seed, prefix, expected):
    [pred] = themes.load_model(SHIPPED).predict([_seed_paragraph(seed, prefix)])
    assert {t for t in pred["themes"] if t in REQUIRED} == expected, pred["scores"]


@needs_model
def test_themes_tag_uses_the_shipped_model():
    [pred] = themes.tag_with_shipped_model(["稳步推进政府公示栏和便民服务站建设。"])
    assert "platform" in pred["themes"]
    assert themes.load_model() is themes.load_model(SHIPPED)  # loaded once


@needs_model
def test_themes_shipped_meta():
    meta = json.loads((SHIPPED / "meta.json").read_text(encoding="utf-8"))
    assert set(REQUIRED) <= set(meta["labels"])
    assert meta["sklearn_version"] and meta["gknlp_version"] and meta["data_sha256"]
    assert (REPO / "models" / "README.md").is_file()


# --------------------------------------------------------------------------- acceptance on the test split


def _test_split_f1(corpus_dir: Path) -> dict[str, float]:
    model = themes.load_model(SHIPPED)
    examples = themes.load_annotations(ANNOTATIONS / "test.jsonl", corpus_dir)
    report = themes.evaluate(model, examples, labels=REQUIRED)
    return {lab: report["labels"][lab]["f1"] for lab in REQUIRED}


# Not met by themes-v2 (session 7: act frames v3, retrained on the labels of the second adjudication) on
# the fixed test split: macro 0.871, platform 0.828 (15 test positives: precision 12/14, recall 12/15),
# assessment 0.837 (21 positives: precision 18/22, recall 18/21); models/README.md. Kept as strict xfails
# so that a model that meets them is noticed. Training 0.909 and interpretation 0.909 meet theirs.
_NOT_MET = pytest.mark.xfail(strict=True, reason="issue 18 floor not met by themes-v2: macro 0.871, "
                             "platform 0.828, assessment 0.837 (models/README.md)")


@needs_model
@pytest.mark.corpus
@_NOT_MET
def test_themes_macro_floor_on_test_split(corpus_dir):
    f1 = _test_split_f1(corpus_dir)
    assert sum(f1.values()) / len(f1) >= MACRO_FLOOR, f1


@needs_model
@pytest.mark.corpus
@pytest.mark.parametrize("label", [pytest.param(lab, marks=_NOT_MET)
                                   if lab in ("platform", "assessment") else lab
                                   for lab in REQUIRED])
def test_themes_label_floor_on_test_split(corpus_dir, label):
    assert _test_split_f1(corpus_dir)[label] >= LABEL_FLOOR


@needs_model
@pytest.mark.corpus
@pytest.mark.slow
def test_themes_retraining_reproduces_shipped_model(corpus_dir, tmp_path):
    old = json.loads((SHIPPED / "meta.json").read_text(encoding="utf-8"))
    codebook = themes.load_codebook(ANNOTATIONS)
    train_examples = themes.load_annotations(ANNOTATIONS, corpus_dir,
                                             exclude_sources=held_out_sources(ANNOTATIONS))
    assert themes._data_hash(train_examples, codebook.labels) == old["data_sha256"], (
        "the annotations changed since the shipped model was trained: retrain with `gknlp train`")
    train_cmd([ANNOTATIONS], tmp_path / "themes-v2", corpus=corpus_dir)
    new = json.loads((tmp_path / "themes-v2" / "meta.json").read_text(encoding="utf-8"))
    for key in ("labels", "thresholds", "data_sha256"):
        assert new[key] == old[key], key
    # The model file's bytes may differ by the analyzers' module path or a BLAS last digit:
    # compare what it computes, the probabilities of every labelled paragraph, to 1e-12.
    import numpy as np

    texts = [e.text for e in train_examples]
    retrained = themes.load_model(tmp_path / "themes-v2").fitted_pipeline().predict_proba(texts)
    shipped = themes.load_model(SHIPPED).fitted_pipeline().predict_proba(texts)
    assert np.max(np.abs(np.asarray(retrained) - np.asarray(shipped))) < 1e-12


@needs_model
def test_themes_only_on_the_narrative_sections():
    from gknlp.export import summary
    from gknlp.pipeline import extract

    report = extract(REPO / "gknlp" / "data" / "samples" / "004_0494dfef68de25df.txt")
    by_section = {}
    for p in report.paragraphs:
        by_section.setdefault(p["section"], []).append(p)
    assert by_section["other"] and all(p["themes"] is None and p["scores"] is None
                                       for p in by_section["other"])
    assert all(isinstance(p["themes"], list) and set(REQUIRED) <= set(p["scores"])
               for key in ("overall", "problems") for p in by_section[key])
    themed = len(by_section["overall"]) + len(by_section["problems"])
    prevalence = summary([report.to_dict()])["themes_by_year"]
    assert int(prevalence["n_paragraphs"].iloc[0]) == themed
