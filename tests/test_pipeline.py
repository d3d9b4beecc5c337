"""The pipeline: named steps that can be listed, disabled and inserted; pipe equals call; one
error shape; typed warnings; bad inputs give an error, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

import gknlp
from gknlp.batch import dumps_line
from gknlp.pipeline import (
    STEP_NAMES,
    Draft,
    FunctionStep,
    Pipeline,
    PipelineError,
    default_pipeline,
    extract,
)
from gknlp.types import ReportWarning, Where

SEEDS = Path(gknlp.__file__).parent / "data" / "samples"
SEED_004 = SEEDS / "004_0494dfef68de25df.txt"
NOTE = "今天天气很好，我们去公园散步。明天也许会下雨。".encode() * 10


def _line(report) -> str:
    return dumps_line(report.to_dict())


def test_pipeline_lists_its_steps_in_order() -> None:
    nlp = default_pipeline()
    assert nlp.step_names == list(STEP_NAMES) == [
        "read", "normalise", "sections", "metadata", "tables", "recovery", "paragraphs", "checks",
        "themes", "counts"]
    assert nlp.enabled == nlp.step_names
    assert all(callable(nlp.get_step(n)) and hasattr(nlp.get_step(n), "pipe") for n in nlp.step_names)


@pytest.mark.parametrize("off", ["themes", "counts"])
def test_pipeline_disabled_step_is_skipped(off: str) -> None:
    nlp = default_pipeline()
    nlp.disable(off)
    assert off not in nlp.enabled and off in nlp.step_names
    report = nlp(SEED_004)
    paragraphs = report.paragraphs
    if off == "themes":
        assert all("themes" not in p for p in paragraphs) and all("counts" in p for p in paragraphs)
        assert "model_version" not in report.versions
    else:
        assert report.counts is None and all("counts" not in p for p in paragraphs)  # null in the JSON
        assert any(p["themes"] for p in paragraphs)
    assert _line(report) == _line(extract(SEED_004, themes=off != "themes", counts=off != "counts"))
    nlp.enable(off)
    assert _line(nlp(SEED_004)) == _line(extract(SEED_004))


def test_pipeline_add_step_before_and_after() -> None:
    seen: list[tuple[str, int]] = []
    nlp = default_pipeline(themes=False)
    nlp.add_step("after_tables", lambda d: seen.append(("after_tables", len(d.tables))), after="tables")
    nlp.add_step("first", lambda d: seen.append(("first", len(d.tables))), before="read")
    names = nlp.step_names
    assert names[0] == "first" and names[names.index("tables") + 1] == "after_tables"
    assert isinstance(nlp.get_step("first"), FunctionStep)
    nlp(SEED_004)
    assert seen == [("first", 0), ("after_tables", 3)]
    with pytest.raises(ValueError, match="already"):
        nlp.add_step("first", lambda d: None)
    with pytest.raises(KeyError, match="no step named"):
        nlp.add_step("x", lambda d: None, after="nonesuch")
    nlp.remove_step("first")
    assert "first" not in nlp.step_names


def test_pipeline_pipe_equals_call() -> None:
    seeds = sorted(SEEDS.glob("*.txt"))
    nlp = default_pipeline()
    piped = [_line(r) for r in nlp.pipe(seeds)]
    called = [_line(nlp(Draft.of_path(p))) for p in seeds]
    assert piped == called
    assert sum('"themes":["' in line for line in piped) >= 5  # themes were really scored


def test_pipeline_pipe_runs_each_step_over_all_drafts_first(tmp_path: Path) -> None:
    calls: list[tuple[str, str]] = []
    base = default_pipeline(themes=False, counts=False)
    nlp = Pipeline()
    for name in base.enabled:
        step = base.get_step(name)
        nlp.add_step(name, lambda d, step=step, name=name: (calls.append((name, Path(d.path).name)), step(d))[1])
    seeds = sorted(SEEDS.glob("*.txt"))[:3]
    nlp.pipe(seeds)
    assert calls == [(n, p.name) for n in base.enabled for p in seeds]


def test_pipeline_error_shape_and_later_steps_not_run(tmp_path: Path) -> None:
    ran: list[str] = []

    def boom(d: Draft) -> None:
        if "bad" in (d.path or ""):
            raise RuntimeError("blew up")

    def typed(d: Draft) -> None:
        if "typed" in (d.path or ""):
            raise PipelineError("my_kind", "said why")

    nlp = default_pipeline(themes=False)
    nlp.add_step("boom", boom, after="tables")
    nlp.add_step("typed", typed, after="boom")
    nlp.add_step("spy", lambda d: ran.append(d.path or ""), before="counts")
    paths = []
    for name in ("ok.txt", "bad.txt", "typed.txt"):
        p = tmp_path / name
        p.write_bytes(SEED_004.read_bytes())
        paths.append(p)
    reports = nlp.pipe(paths)
    assert [r.error for r in reports] == [None, {"type": "RuntimeError", "message": "blew up"},
                                          {"type": "my_kind", "message": "said why"}]
    assert ran == [str(paths[0])]
    record = reports[1].to_dict()
    assert list(record) == ["source", "gknlp_version", "model_version", "error", "warnings"]
    assert record["source"]["sha256"] and record["source"]["format"] == "txt"


def test_pipeline_not_a_report_is_decided_before_themes_and_counts(tmp_path: Path) -> None:
    ran: list[str] = []
    p = tmp_path / "note.txt"
    p.write_bytes(NOTE)
    nlp = default_pipeline()
    nlp.add_step("spy", lambda d: ran.append("after recovery"), after="recovery")
    report = nlp(p)
    assert report.error["type"] == "not_a_report" and ran == []
    assert report.meta == {}


def test_pipeline_warnings_are_typed_values(tmp_path: Path) -> None:
    text = SEED_004.read_text(encoding="utf-8")
    p = tmp_path / "cut.txt"
    p.write_bytes(text[: text.index("4.保护第三方合法权益")].encode("gb18030") + b"\xff\xff")
    report = extract(p, themes=False, counts=False)
    mine = [w for w in report.warnings if isinstance(w, ReportWarning)]
    codes = {w.code for w in mine}
    assert {"bad_bytes", "section_missing"} <= codes
    missing = [w for w in mine if w.code == "section_missing"]
    assert all(isinstance(w.where, Where) and w.where.section for w in missing)
    assert {w["code"] for w in report.to_dict()["warnings"]} >= codes


def test_pipeline_meta_template_written_once() -> None:
    report = extract(SEED_004, themes=False, counts=False)
    assert list(report.meta) == ["title", "issuer", "level", "year", "published", "template", "script"]
    assert report.meta["template"] in ("2019", "2021")


def test_pipeline_recovery_import_errors_are_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real = builtins.__import__

    def no_recover(name, *args, **kwargs):
        if name == "gknlp.tables.recover":
            raise ImportError("broken install")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_recover)
    report = extract(SEED_004, themes=False, counts=False)
    assert report.error == {"type": "ImportError", "message": "broken install"}


def test_pipeline_tag_is_the_one_public_tag() -> None:
    from gknlp.pipeline import tag

    assert gknlp.tag is tag
    [out] = tag(["共受理政府信息公开申请12件。"])
    assert set(out) >= {"themes", "scores", "counts"} and out["counts"][0]["value"] == 12
    with pytest.raises(TypeError):
        tag("one string")


# --- bad inputs (from tests/test_io.py) ---------------------------------------------------


@pytest.mark.parametrize("name,content,kind", [
    ("empty.txt", b"", "empty"),
    ("binary.txt", bytes(range(256)) * 40, "binary"),
    ("note.txt", NOTE, "not_a_report"),
])
def test_pipeline_bad_inputs_give_an_error_not_a_traceback(tmp_path: Path, name: str, content: bytes,
                                                           kind: str) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    out = gknlp.extract(p).to_dict()
    assert out["error"]["type"] == kind and out["error"]["message"]


def test_pipeline_bad_inputs_cut_mid_table_warns(tmp_path: Path) -> None:
    text = SEED_004.read_text(encoding="utf-8")
    p = tmp_path / "cut.txt"
    p.write_text(text[: text.index("4.保护第三方合法权益")], encoding="utf-8")
    out = gknlp.extract(p).to_dict()
    assert "error" not in out
    assert out["tables"]["requests"]["new"]["total"] == 2
    assert out["tables"]["requests"]["total"]["total"] is None
    assert {"row_not_found", "table_not_found"} & {w["code"] for w in out["warnings"]}


def test_pipeline_bad_inputs_huge_file_is_cut_with_a_warning(tmp_path: Path) -> None:
    p = tmp_path / "huge.txt"
    p.write_bytes(SEED_004.read_bytes() * 3700)  # about 52 MB
    out = gknlp.extract(p).to_dict()
    codes = {w["code"] for w in out["warnings"]}
    assert "truncated_input" in codes and "text_truncated" in codes
    assert out["tables"]["proactive"]["procurement"]["amount_wan_yuan"] == 1732.633648


def test_pipeline_pipe_hands_each_step_the_whole_chunk() -> None:
    """A step's ``pipe`` gets all live drafts at once (the themes step scores them in one call)."""

    class Counting:
        def __init__(self) -> None:
            self.piped: list[int] = []

        def __call__(self, draft: Draft) -> None:
            raise AssertionError("pipe, not call, in a chunk")

        def pipe(self, drafts) -> None:
            self.piped.append(len(drafts))

    step = Counting()
    nlp = default_pipeline(themes=False)
    nlp.add_step("count", step, after="counts")
    seeds = sorted(SEEDS.glob("*.txt"))
    reports = nlp.pipe([*seeds, SEEDS / "missing.txt"])
    assert step.piped == [len(seeds)]  # one call, the unreadable file left out
    assert reports[-1].error["type"] == "unreadable"


def test_pipeline_batch_workers_reuse_one_pipeline() -> None:
    from gknlp.batch import pipeline_for

    assert pipeline_for({"themes": False}) is pipeline_for({"themes": False})
    assert pipeline_for({"themes": False}).disabled == {"themes"}
