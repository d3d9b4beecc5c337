"""The output contract on real output: the JSON Schema (closed objects) and the one offset convention,
on the seeds and the whole corpus, with themes and counts on and off."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gknlp.batch import run_batch
from gknlp.data import data_path

jsonschema = pytest.importorskip("jsonschema")
ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "gknlp" / "data" / "samples"
KNOWN_INVALID: set[str] = set()  # every record validates (the recovered 2012-2018 rows now keep a null total)


def _validator():
    schema = json.loads(data_path("report.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _records(out: Path) -> list[dict]:
    return [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]


def _check_offsets(rec: dict) -> None:
    text = rec["text"]
    for key, s in rec["sections"].items():
        if s is not None:
            assert 0 <= s["start"] <= s["body_start"] <= s["end"] <= len(text), key
            if not s["inferred"]:
                assert s["heading"] and text[s["start"]:s["body_start"]].strip().startswith(s["heading"][:2])
    for p in rec["paragraphs"]:
        assert text[p["start"]:p["end"]] == p["text"]
        for c in p["counts"] or []:
            assert p["start"] <= c["start"] < c["end"] <= p["end"]
            assert text[c["start"]:c["end"]] == c["text"]
    for c in rec["counts"] or []:
        assert text[c["start"]:c["end"]] == c["text"]


def test_contract_seeds_validate_with_themes_and_text(tmp_path: Path) -> None:
    out = tmp_path / "seeds.jsonl"
    run_batch([SEEDS], out, jobs=1, opts={"with_text": True})
    validator = _validator()
    records = _records(out)
    assert len(records) == 5
    for rec in records:
        errors = [e.message for e in validator.iter_errors(rec)]
        assert not errors, (rec["source"]["path"], errors[:3])
        assert rec["model_version"] and any(p["themes"] for p in rec["paragraphs"])
        _check_offsets(rec)
        # a paragraph's counts are the top-level counts of that paragraph, same offsets
        for p in rec["paragraphs"]:
            top = [{k: v for k, v in c.items() if k != "paragraph"} for c in rec["counts"] if c["paragraph"] == p["id"]]
            assert p["counts"] == top


@pytest.mark.parametrize("opts", [{"themes": False}, {"themes": False, "counts": False}],
                         ids=["no-themes", "no-themes-no-counts"])
def test_contract_disabled_steps_leave_keys_null(tmp_path: Path, opts: dict) -> None:
    out = tmp_path / "seeds.jsonl"
    run_batch([SEEDS], out, jobs=1, opts=opts)
    validator = _validator()
    for rec in _records(out):
        assert not list(validator.iter_errors(rec))
        assert rec["model_version"] is None and "text" not in rec
        for p in rec["paragraphs"]:
            assert list(p) == ["id", "section", "heading", "text", "start", "end", "themes", "scores", "kind", "counts"]
            assert p["themes"] is None and p["scores"] is None and p["kind"] is None
            assert (p["counts"] is None) == (opts.get("counts") is False)
        assert (rec["counts"] is None) == (opts.get("counts") is False)


def test_contract_error_records_validate(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.txt").write_bytes(b"")
    (tmp_path / "in" / "notes.txt").write_text("会议纪要\n今天天气很好。\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    run_batch([tmp_path / "in", tmp_path / "missing.html"], out, jobs=1, opts={"themes": False})
    validator = _validator()
    records = _records(out)
    assert [r["error"]["type"] for r in records] == ["empty", "not_a_report", "unreadable"]
    for rec in records:
        assert not [e.message for e in validator.iter_errors(rec)]


def test_contract_schema_is_closed_where_sensible() -> None:
    schema = json.loads(data_path("report.schema.json").read_text(encoding="utf-8"))
    props = schema["properties"]
    assert schema["additionalProperties"] is False
    for key in ("source", "meta", "sections", "error"):
        assert props[key]["additionalProperties"] is False, key
    for key in ("checks", "paragraphs", "counts", "warnings"):
        assert props[key]["items"]["additionalProperties"] is False, key
    assert props["paragraphs"]["items"]["properties"]["counts"]["items"]["additionalProperties"] is False

    def described(node: dict, path: str) -> None:
        for name, sub in node.get("properties", {}).items():
            assert sub.get("description"), f"{path}.{name} has no description"

    described(schema, "")
    described(props["paragraphs"]["items"], "paragraphs[]")
    described(props["counts"]["items"], "counts[]")


@pytest.mark.corpus
def test_contract_corpus_validates_and_offsets_hold(corpus_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl"
    run_batch([corpus_dir / "raw", corpus_dir / "html", corpus_dir / "other"], out, jobs=1,
              opts={"with_text": True})
    validator = _validator()
    records = _records(out)
    assert len(records) >= 118
    invalid = {}
    for rec in records:
        errors = [e.message for e in validator.iter_errors(rec)]
        if errors:
            invalid[Path(rec["source"]["path"]).name] = errors[:2]
        if "error" not in rec:
            _check_offsets(rec)
    assert set(invalid) == KNOWN_INVALID, invalid
