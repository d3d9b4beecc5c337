"""Second reading: kappa per theme and adjudicated decisions applied to the label files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gknlp.themes import agreement

ANNOTATIONS = Path(__file__).resolve().parents[2] / "annotations"


def _line(pid: str, labels: list[str], **extra) -> str:
    return json.dumps({"id": pid, "source": pid.split(":")[0], "start": 0, "end": 3,
                       "labels": labels, **extra}, ensure_ascii=False)


@pytest.fixture
def ann(tmp_path: Path) -> Path:
    d = tmp_path / "annotations"
    d.mkdir()
    shutil.copy(ANNOTATIONS / "codebook.json", d / "codebook.json")
    (d / "labels_a.jsonl").write_text("\n".join([
        _line("raw/001_x-2019.txt:0-3", ["platform", "proactive"], annotator="A"),
        _line("raw/002_x-2020.txt:0-3", ["platform", "proactive"], annotator="A", doubt="old note"),
        _line("raw/003_y-2020.txt:0-3", ["training"], annotator="A"),
        _line("raw/004_z-2020.txt:0-3", [], annotator="A"),
    ]) + "\n", encoding="utf-8")
    (d / "test.jsonl").write_text(_line("raw/003_y-2020.txt:0-3", ["training"],
                                        annotators=["A"]) + "\n", encoding="utf-8")
    (d / "near_duplicates_v2.tsv").write_text(
        "similarity\tparagraph_a\tparagraph_b\tsame_labels\tnote\n"
        "0.95\traw/001_x-2019.txt:0-3\traw/002_x-2020.txt:0-3\tyes\t\n", encoding="utf-8")
    return d


def test_agreement_kappa_by_hand():
    first = {"a": {"platform"}, "b": {"platform"}, "c": set(), "d": set()}
    second = {"a": {"platform"}, "b": set(), "c": set(), "d": set()}
    k = agreement.kappa_per_theme(first, second, ["platform", "training"])
    # p_o = 3/4; p_e = 1/2 * 1/4 + 1/2 * 3/4 = 1/2; kappa = (3/4 - 1/2) / (1/2) = 0.5
    assert k["platform"] == {"n": 4, "kappa": 0.5, "agreement": 0.75, "first": 2, "second": 1}
    assert k["training"]["kappa"] == 1.0 and k["training"]["agreement"] == 1.0
    assert agreement.disagreements(first, second, ["platform"]) == [("b", "platform", True, False)]
    with pytest.raises(KeyError):
        agreement.kappa_per_theme({}, second)


def test_agreement_apply_decisions(ann: Path, tmp_path: Path):
    tsv = tmp_path / "adjudicated.tsv"
    tsv.write_text("id\ttheme\tfirst\tsecond\tdecision\trule\treason\n"
                   "raw/001_x-2019.txt:0-3\tplatform\tyes\tno\tno\tP2\tonly publishes\n"
                   "raw/003_y-2020.txt:0-3\ttraining\tyes\tno\tno\tT2\tstaffing\n"
                   "raw/004_z-2020.txt:0-3\tassessment\tno\tyes\tyes\tA3\ta check\n"
                   "raw/003_y-2020.txt:0-3\tplatform\tno\tyes\tno\tP2\tfirst stays\n",
                   encoding="utf-8")
    changes = agreement.apply_decisions(ann, agreement.read_decisions(tsv))
    assert [(c.file, c.id, c.theme, c.added) for c in changes] == [
        ("labels_a.jsonl", "raw/001_x-2019.txt:0-3", "platform", False),
        ("labels_a.jsonl", "raw/002_x-2020.txt:0-3", "platform", False),  # near-identical pair
        ("labels_a.jsonl", "raw/003_y-2020.txt:0-3", "training", False),
        ("labels_a.jsonl", "raw/004_z-2020.txt:0-3", "assessment", True),
        ("test.jsonl", "raw/003_y-2020.txt:0-3", "training", False),
    ]
    lines = {r["id"]: r for r in map(json.loads, (ann / "labels_a.jsonl").read_text().splitlines())}
    assert lines["raw/001_x-2019.txt:0-3"]["labels"] == ["proactive"]
    assert "P2" in lines["raw/001_x-2019.txt:0-3"]["doubt"]
    assert lines["raw/002_x-2020.txt:0-3"]["doubt"].startswith("old note; ")
    assert "near-identical to raw/001_x-2019.txt:0-3" in lines["raw/002_x-2020.txt:0-3"]["doubt"]
    assert lines["raw/004_z-2020.txt:0-3"]["labels"] == ["assessment"]
    assert lines["raw/003_y-2020.txt:0-3"]["start"] == 0 and lines["raw/003_y-2020.txt:0-3"]["end"] == 3
    [test_line] = map(json.loads, (ann / "test.jsonl").read_text().splitlines())
    assert test_line["labels"] == [] and "doubt" not in test_line
    # applied once: the TSV's "first" no longer matches the labels
    with pytest.raises(ValueError, match="first=True"):
        agreement.apply_decisions(ann, agreement.read_decisions(tsv))


def test_agreement_bad_decision_value(tmp_path: Path):
    tsv = tmp_path / "bad.tsv"
    tsv.write_text("id\ttheme\tfirst\tsecond\tdecision\nx\tplatform\tyes\tno\tmaybe\n",
                   encoding="utf-8")
    with pytest.raises(ValueError, match="yes/no"):
        agreement.read_decisions(tsv)


def _before(first: dict[str, set[str]], changes: str) -> dict[str, set[str]]:
    """The first labels with the label changes of one adjudication (its changes TSV) undone."""
    import csv

    with open(ANNOTATIONS / changes, encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["file"] != "test.jsonl":
                first[row["id"]] = (first[row["id"]] - {row["theme"]} if row["change"] == "+"
                                    else first[row["id"]] | {row["theme"]})
    return first


def test_agreement_shipped_second_reading_matches_the_record():
    """The committed second reading of session 6 gives the kappa recorded in annotations/README.md."""
    second = ANNOTATIONS / "second_reading_issue18.jsonl"
    adjudicated = agreement.read_decisions(ANNOTATIONS / "adjudicated_issue18.tsv")
    first = _before(agreement.first_labels(ANNOTATIONS), "adjudicated_s7_changes.tsv")
    # the first labels as they were before the adjudication
    for d in adjudicated:
        first[d.id] = first[d.id] | {d.theme} if d.first else first[d.id] - {d.theme}
    k = agreement.kappa_per_theme(first, agreement.read_second(second))
    assert {t: v["kappa"] for t, v in k.items()} == {
        "platform": 0.947, "training": 0.966, "interpretation": 0.959, "assessment": 0.969}
    assert len(agreement.disagreements(first, agreement.read_second(second))) == len(adjudicated)


def test_agreement_second_reading_of_the_training_side_matches_the_record():
    """Session 7's second reading of the other 499 training paragraphs: the kappa recorded in
    annotations/README.md, 35 disagreements, each decided; the decisions are in the labels."""
    second = agreement.read_second(ANNOTATIONS / "second_reading_s7.jsonl")
    adjudicated = agreement.read_decisions(ANNOTATIONS / "adjudicated_s7.tsv")
    now = agreement.first_labels(ANNOTATIONS)
    first = _before(dict(now), "adjudicated_s7_changes.tsv")
    assert len(second) == 499 and not set(second) & set(agreement.read_second(
        ANNOTATIONS / "second_reading_issue18.jsonl"))
    k = agreement.kappa_per_theme(first, second)
    assert {t: v["kappa"] for t, v in k.items()} == {
        "platform": 0.898, "training": 0.954, "interpretation": 0.971, "assessment": 0.895}
    assert {(i, t) for i, t, _, _ in agreement.disagreements(first, second)} == {(d.id, d.theme) for d in adjudicated}
    assert all((d.theme in now[d.id]) == d.decision for d in adjudicated)
