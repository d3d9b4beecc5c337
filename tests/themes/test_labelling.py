"""Tests for gknlp.themes.labelling and the `gknlp annotate` / `gknlp train` commands (issue 18).

Round trips go out through `annotate export` and come back through files shaped exactly as each
tool writes its export (Label Studio's JSON export, doccano's JSONL, Prodigy's `db-out` JSONL,
a spaCy DocBin), built from the exported items the way the tool would.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from gknlp.cli.themes import annotate_app, evaluate_cmd, tag_cmd, train_cmd
from gknlp.read.files import read_file
from gknlp.themes import labelling
from gknlp.themes import model as themes

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "gknlp" / "data" / "samples" / "004_0494dfef68de25df.txt"
EXT_B = "\U00020000"  # 𠀀, outside the BMP: two UTF-16 code units, one Python character

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("train")(train_cmd)
    app.command("evaluate")(evaluate_cmd)
    app.add_typer(annotate_app, name="annotate")
    return app


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """`gknlp extract` results for one seed report (the real pipeline, the shipped model)."""
    from gknlp.pipeline import extract

    path = tmp_path_factory.mktemp("results") / "results.jsonl"
    path.write_text(json.dumps(extract(SEED).to_dict(), ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def paragraphs(results) -> list[labelling.Paragraph]:
    return labelling.read_paragraphs(results)


# The labels a human gives in the tool: by paragraph index, the first six themed paragraphs.
HUMAN = {0: ["platform", "training"], 1: [], 2: ["interpretation"], 3: ["assessment", "platform"],
         4: ["leadership"], 5: ["requests"]}


def _check_records(records: list[dict], paragraphs: list[labelling.Paragraph]) -> None:
    """Each record keeps the paragraph's place and its text is the report's text there."""
    doc = read_file(SEED)
    by_id = {p.id: p for p in paragraphs}
    assert len(records) == len(HUMAN)
    for rec in records:
        p = by_id[rec["id"]]
        i = paragraphs.index(p)
        assert rec["labels"] == sorted(HUMAN[i])
        assert (rec["source"], rec["sha256"], rec["start"], rec["end"], rec["section"],
                rec.get("heading")) == (p.source, doc.sha256, p.start, p.end, p.section, p.heading)
        assert doc.text[rec["start"]:rec["end"]] == rec["text"] == p.text
        assert rec["offsets"] == "gknlp.read"


def _export(results: Path, tmp_path: Path, fmt: str, suffix: str) -> tuple[Path, Path]:
    out = tmp_path / f"tasks{suffix}"
    res = runner.invoke(_app(), ["annotate", "export", str(results), "--format", fmt, "-o", str(out)])
    assert res.exit_code == 0, res.output
    config = next(tmp_path.glob("tasks.config*"))
    return out, config


def _import(export: Path, fmt: str, tmp_path: Path) -> list[dict]:
    out = tmp_path / "labels.jsonl"
    res = runner.invoke(_app(), ["annotate", "import", str(export), "--format", fmt, "-o", str(out),
                                 "--codebook", str(REPO / "annotations" / "codebook.json")])
    assert res.exit_code == 0, res.output
    return [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]


# --------------------------------------------------------------------------- Label Studio


def test_labelling_label_studio_round_trip(results, paragraphs, tmp_path):
    tasks_file, config = _export(results, tmp_path, "label-studio", ".json")
    xml = config.read_text(encoding="utf-8")
    assert '<Choices name="themes" toName="text" choice="multiple"' in xml
    assert all(f'value="{lab}"' in xml for lab in themes.load_model().codebook.labels)
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
    assert len(tasks) == len(paragraphs)
    j = next(i for i, p in enumerate(paragraphs) if p.themes)
    pre = tasks[j]["predictions"][0]
    assert pre["result"][0]["type"] == "choices" and pre["result"][0]["from_name"] == "themes"
    assert pre["result"][0]["value"]["choices"] == list(paragraphs[j].themes)
    assert all(t["predictions"][0]["result"] == [] for t, p in zip(tasks, paragraphs) if not p.themes)

    # Label Studio's JSON export of the project after labelling (shape of a real export)
    exported = []
    for i, task in enumerate(tasks[:len(HUMAN) + 2]):
        item = {"id": 100 + i, "annotations": [], "file_upload": "tasks.json", "drafts": [],
                "predictions": [900 + i], "data": task["data"], "meta": {},
                "created_at": "2026-12-01T09:00:00.000000Z", "updated_at": "2026-12-01T09:30:00.000000Z",
                "inner_id": i + 1, "total_annotations": 1, "cancelled_annotations": 0,
                "total_predictions": 1, "comment_count": 0, "unresolved_comment_count": 0,
                "last_comment_updated_at": None, "project": 7, "updated_by": 1, "comment_authors": []}
        if i in HUMAN:
            item["annotations"] = [
                {"id": 500 + i, "completed_by": 1, "result": [
                    {"value": {"choices": ["proactive"]}, "id": "old", "from_name": "themes",
                     "to_name": "text", "type": "choices", "origin": "prediction"}],
                 "was_cancelled": False, "ground_truth": False,
                 "created_at": "2026-12-01T09:10:00.000000Z", "updated_at": "2026-12-01T09:10:00.000000Z",
                 "draft_created_at": None, "lead_time": 4.1, "prediction": {}, "result_count": 1,
                 "unique_id": f"u{i}", "import_id": None, "last_action": None, "bulk_created": False,
                 "task": 100 + i, "project": 7, "updated_by": 1, "parent_prediction": 900 + i,
                 "parent_annotation": None, "last_created_by": None},
                {"id": 600 + i, "completed_by": 2, "result": [
                    {"value": {"choices": HUMAN[i]}, "id": f"r{i}", "from_name": "themes",
                     "to_name": "text", "type": "choices", "origin": "manual"}] if HUMAN[i] else [],
                 "was_cancelled": False, "ground_truth": False,
                 "created_at": "2026-12-01T09:20:00.000000Z", "updated_at": "2026-12-01T09:20:00.000000Z",
                 "draft_created_at": None, "lead_time": 9.5, "prediction": {}, "result_count": 1,
                 "unique_id": f"v{i}", "import_id": None, "last_action": None, "bulk_created": False,
                 "task": 100 + i, "project": 7, "updated_by": 2, "parent_prediction": 900 + i,
                 "parent_annotation": None, "last_created_by": None}]
        elif i == len(HUMAN):  # skipped by the annotator
            item["annotations"] = [{"id": 700, "completed_by": 1, "result": [], "was_cancelled": True,
                                    "ground_truth": False, "task": 100 + i}]
            item["cancelled_annotations"] = 1
        exported.append(item)
    export = tmp_path / "project-7-at-2026-12-01.json"
    export.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")
    _check_records(_import(export, "label-studio", tmp_path), paragraphs)


def test_labelling_label_studio_span_in_utf16_units_is_corrected(tmp_path):
    text = f"（一）{EXT_B}字平台建设。加强业务培训，提升能力。"
    start16 = text.index("加强") + 1  # one more UTF-16 unit for the character before it
    end16 = start16 + len("加强业务培训")
    task = {"id": 1, "data": {"text": text, "gknlp_id": "r.txt:10-38", "source": "r.txt",
                              "start": 10, "end": 10 + len(text)},
            "annotations": [{"id": 1, "was_cancelled": False, "result": [
                {"value": {"start": start16, "end": end16, "text": "加强业务培训",
                           "labels": ["training"]},
                 "id": "s1", "from_name": "label", "to_name": "text", "type": "labels",
                 "origin": "manual"}]}]}
    path = tmp_path / "export.json"
    path.write_text(json.dumps([task], ensure_ascii=False), encoding="utf-8")
    [rec], counts = labelling.import_labels(path, "label-studio")
    assert rec["text"] == "加强业务培训" and rec["labels"] == ["training"]
    assert (rec["start"], rec["end"]) == (10 + text.index("加强"), 10 + text.index("加强") + 6)
    assert rec["id"] == f"r.txt:{rec['start']}-{rec['end']}"


# --------------------------------------------------------------------------- doccano


def test_labelling_doccano_round_trip(results, paragraphs, tmp_path):
    jsonl, config = _export(results, tmp_path, "doccano", ".jsonl")
    labels = json.loads(config.read_text(encoding="utf-8"))
    assert [x["text"] for x in labels] == themes.load_model().codebook.labels
    assert all({"text", "suffix_key", "background_color", "text_color"} <= set(x) for x in labels)
    items = [json.loads(x) for x in jsonl.read_text(encoding="utf-8").splitlines()]
    assert items[0]["label"] == list(paragraphs[0].themes) and items[0]["text"] == paragraphs[0].text
    # doccano's JSONL export of a text-classification project: id, text, metadata, label, Comments
    lines = []
    for i, item in enumerate(items[:len(HUMAN)]):
        meta = {k: v for k, v in item.items() if k not in ("text", "label")}
        lines.append({"id": 31 + i, "text": item["text"], **meta, "label": sorted(HUMAN[i]),
                      "Comments": []})
    export = tmp_path / "all.jsonl"
    export.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    _check_records(_import(export, "doccano", tmp_path), paragraphs)


def test_labelling_doccano_spans_count_utf16_units(tmp_path):
    text = f"{EXT_B}{EXT_B}平台建设。开展政策解读。"
    s16 = len(text[:text.index("开展")].encode("utf-16-le")) // 2
    line = {"id": 1, "text": text, "source": "r.txt", "start": 0, "end": len(text),
            "label": [[s16, s16 + 6, "interpretation"]], "Comments": []}
    path = tmp_path / "spans.jsonl"
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    [rec], _ = labelling.import_labels(path, "doccano")
    assert rec["text"] == "开展政策解读" and rec["start"] == text.index("开展")


# --------------------------------------------------------------------------- Prodigy


def test_labelling_prodigy_round_trip(results, paragraphs, tmp_path):
    jsonl, config = _export(results, tmp_path, "prodigy", ".jsonl")
    assert config.read_text(encoding="utf-8").split() == themes.load_model().codebook.labels
    items = [json.loads(x) for x in jsonl.read_text(encoding="utf-8").splitlines()]
    assert items[0]["accept"] == list(paragraphs[0].themes)
    assert items[0]["config"] == {"choice_style": "multiple"}
    # `prodigy db-out dataset` lines: the task plus hashes, view id, answer and session
    lines = []
    for i, item in enumerate(items[:len(HUMAN) + 2]):
        answer = "accept" if i in HUMAN else ("reject" if i == len(HUMAN) else "ignore")
        lines.append({**item, "_input_hash": -1000 - i, "_task_hash": 2000 + i, "_view_id": "choice",
                      "accept": sorted(HUMAN.get(i, [])), "answer": answer,
                      "_timestamp": 1764579600 + i, "_annotator_id": "themes-ann", "_session_id": "themes-ann"})
    export = tmp_path / "db-out.jsonl"
    export.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    _check_records(_import(export, "prodigy", tmp_path), paragraphs)


# --------------------------------------------------------------------------- spaCy


def test_labelling_spacy_docbin_round_trip(results, paragraphs, tmp_path):
    import spacy
    from spacy.tokens import DocBin

    path, config = _export(results, tmp_path, "spacy", ".spacy")
    assert json.loads(config.read_text(encoding="utf-8"))["textcat_multilabel"] == \
        themes.load_model().codebook.labels
    nlp = spacy.blank("zh")
    docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    assert docs[0].cats["platform"] == float("platform" in paragraphs[0].themes)
    labelled = DocBin(store_user_data=True)
    for i, doc in enumerate(docs[:len(HUMAN)]):
        doc.cats = {lab: float(lab in HUMAN[i]) for lab in doc.cats}
        labelled.add(doc)
    out = tmp_path / "labelled.spacy"
    labelled.to_disk(out)
    _check_records(_import(out, "spacy", tmp_path), paragraphs)


# --------------------------------------------------------------------------- suggest


def test_labelling_suggest_spreads_over_reports_and_themes():
    thresholds = {"platform": 0.5, "training": 0.5, "assessment": 0.5}
    paras = []
    for r in range(4):
        for k in range(10):
            # report 0 holds all the near-threshold paragraphs; others are surer
            near = 0.49 if r == 0 else 0.2 + 0.01 * k
            theme = ("platform", "training", "assessment")[k % 3]
            scores = {lab: (near if lab == theme else 0.01) for lab in thresholds}
            paras.append(labelling.Paragraph(id=f"r{r}:{k}", text=f"第{r}篇第{k}段", source=f"r{r}",
                                             scores=scores))
    picked = labelling.suggest(paras, thresholds, n=8)
    assert len(picked) == 8
    per_report = {}
    for p, _, _ in picked:
        per_report[p.source] = per_report.get(p.source, 0) + 1
    assert max(per_report.values()) <= 4 and len(per_report) >= 2   # cap = 2 * 8 / 4
    assert {theme for _, theme, _ in picked} == set(thresholds)      # themes take turns
    assert picked[0][0].source == "r0"                               # most uncertain first


def test_labelling_suggest_cli(results, tmp_path):
    out = tmp_path / "next.jsonl"
    res = runner.invoke(_app(), ["annotate", "suggest", str(results), "-n", "5", "-o", str(out)])
    assert res.exit_code == 0, res.output
    recs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(recs) == 5 and all(r["suggested_for"] in r["scores"] for r in recs)
    # the suggestions export like any results file
    res = runner.invoke(_app(), ["annotate", "export", str(out), "-f", "doccano", "-o",
                                 str(tmp_path / "next-doccano.jsonl")])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("text, start, end, expected", [
    ("平台建设", 0, 2, (0, 2)),
    (f"{EXT_B}平台", 2, 4, (1, 3)),
    (f"平{EXT_B}台{EXT_B}", 1, 3, (1, 2)),
], ids=["bmp", "astral-before", "astral-inside"])
def test_labelling_utf16_offsets(text, start, end, expected):
    assert labelling.utf16_to_str_offsets(text, start, end) == expected


def test_labelling_utf16_offsets_inside_a_surrogate_pair_is_an_error():
    with pytest.raises(ValueError):
        labelling.utf16_to_str_offsets(f"{EXT_B}平", 1, 2)


# --------------------------------------------------------------------------- train on your own labels

_THREE = {
    "water": ["完成农村供水管网改造{n}公里，保障群众饮水安全。", "新建水厂一座，日供水能力提升{n}吨。",
              "开展水源地保护巡查{n}次，确保饮用水水质达标。", "实施自来水入户工程，惠及{n}户群众用水。"],
    "road": ["修建农村公路{n}公里，改善群众出行条件。", "完成道路硬化{n}公里，打通断头路。",
             "开展公路养护{n}次，保障道路通行安全。", "新建桥梁{n}座，方便村民交通出行。"],
    "school": ["新建幼儿园{n}所，增加学位供给。", "改造中小学校舍{n}平方米，改善办学条件。",
               "招聘教师{n}名，充实乡村学校师资。", "开展校园安全检查{n}次，保障师生安全。"],
}


def _three_theme_files(tmp_path: Path) -> tuple[Path, Path]:
    """A made-up codebook of three themes and 60 plain {text, labels} records (no id, no source)."""
    codebook = tmp_path / "mycodebook.json"
    codebook.write_text(json.dumps({"version": "mine-1", "themes": [
        {"label": lab, "name_zh": zh, "description": ""}
        for lab, zh in (("water", "供水"), ("road", "道路"), ("school", "学校"))]},
        ensure_ascii=False), encoding="utf-8")
    lines = []
    for i in range(60):
        lab = ("water", "road", "school")[i % 3]
        text, labels = _THREE[lab][i % 4].format(n=i + 2), [lab]
        if i % 10 == 0:
            other = ("road", "school", "water")[i % 3]
            text += _THREE[other][(i + 1) % 4].format(n=i)
            labels.append(other)
        lines.append({"text": text, "labels": labels})
    labels_file = tmp_path / "mylabels.jsonl"
    labels_file.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines),
                           encoding="utf-8")
    return codebook, labels_file


def test_labelling_train_plain_records_with_own_codebook_and_tag(tmp_path):
    codebook, labels_file = _three_theme_files(tmp_path)
    assert len(themes.load_annotations(labels_file)) == 60  # one example each, nothing merged
    res = runner.invoke(_app(), ["train", str(labels_file), "--codebook", str(codebook),
                                 "-o", str(tmp_path / "mymodel")])
    assert res.exit_code == 0, res.output
    model = themes.load_model(tmp_path / "mymodel")
    assert model.labels == ["water", "road", "school"] and model.codebook.version == "mine-1"
    src = tmp_path / "new.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(
        ["今年完成供水管网改造12公里。", "修建农村公路8公里。", "新建幼儿园2所。"])), encoding="utf-8")
    assert tag_cmd(src, tmp_path / "tagged.jsonl", tmp_path / "mymodel") == 3
    tagged = [json.loads(x) for x in (tmp_path / "tagged.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["themes"] for r in tagged] == [["water"], ["road"], ["school"]]
    assert set(tagged[0]["scores"]) == {"water", "road", "school"}


def test_labelling_train_record_shapes_each_give_one_example(tmp_path):
    report = tmp_path / "corpus" / "raw" / "001_town-2021.txt"
    report.parent.mkdir(parents=True)
    report.write_text("（一）平台建设。新建政府网站。\n（二）培训。开展业务培训。\n", encoding="utf-8")
    import hashlib

    sha = hashlib.sha256(report.read_bytes()).hexdigest()
    f = tmp_path / "mixed.jsonl"
    f.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"text": "开展业务培训。", "labels": ["training"]},
        {"text": "开展业务培训。", "labels": ["training"]},             # same text, another line
        {"id": "p7", "text": "新建政府网站。", "labels": ["platform"]},
        {"source": "raw/001_town-2021.txt", "sha256": sha, "start": 0, "end": 15,
         "labels": ["platform"]},
    ]) + "\n", encoding="utf-8")
    examples = themes.load_annotations(f, tmp_path / "corpus")
    assert len(examples) == 4
    assert {e.id for e in examples} >= {"p7", "raw/001_town-2021.txt:0-15"}
    assert [e.text for e in examples if e.source] == ["（一）平台建设。新建政府网站。"]


def test_labelling_train_needs_overwrite_and_an_output(tmp_path):
    codebook, labels_file = _three_theme_files(tmp_path)
    res = runner.invoke(_app(), ["train", str(labels_file), "--codebook", str(codebook)])
    assert res.exit_code == 2  # -o is required: the shipped model is never a default target
    target = tmp_path / "m"
    target.mkdir()
    (target / "keep.txt").write_text("mine", encoding="utf-8")
    res = runner.invoke(_app(), ["train", str(labels_file), "--codebook", str(codebook), "-o", str(target)])
    assert res.exit_code == 2 and "--overwrite" in res.output
    assert not (target / "model.skops").exists()
    res = runner.invoke(_app(), ["train", str(labels_file), "--codebook", str(codebook), "-o", str(target),
                                 "--overwrite"])
    assert res.exit_code == 0, res.output and (target / "model.skops").is_file()


def test_labelling_evaluate_writes_only_where_told(tmp_path):
    codebook, labels_file = _three_theme_files(tmp_path)
    runner.invoke(_app(), ["train", str(labels_file), "--codebook", str(codebook), "-o", str(tmp_path / "m")])
    before = sorted(p.name for p in (tmp_path / "m").iterdir())
    res = runner.invoke(_app(), ["evaluate", str(tmp_path / "m"), str(labels_file)])
    assert res.exit_code == 0 and "macro" in res.output
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == before
    res = runner.invoke(_app(), ["evaluate", str(tmp_path / "m"), str(labels_file), "-o", str(tmp_path / "e.json")])
    assert json.loads((tmp_path / "e.json").read_text(encoding="utf-8"))["macro_f1"] > 0.9
