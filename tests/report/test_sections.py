"""Sections and paragraphs on small texts written for the template: exact keys, spans, splits."""

from __future__ import annotations

import pytest

from gknlp.report import sections
from gknlp.report.sections import find_sections, sections_with_role, split_paragraphs

_FEES_BEFORE_APPEALS = ("一、概述\n本年度工作情况良好。\n二、主动公开政府信息情况\n主动公开信息120条。\n"
                        "三、依申请公开政府信息情况\n收到申请3件。\n四、政府信息公开的收费及减免情况\n未收取任何费用。\n"
                        "五、因政府信息公开申请行政复议、提起行政诉讼情况\n无。\n六、存在的主要问题及改进措施\n问题不少。\n")
_FEES_AFTER_APPEALS = ("一、总体情况 本年工作平稳。二、主动公开政府信息情况 略。三、收到和处理政府信息公开申请情况 略。"
                       "四、政府信息公开行政复议、行政诉讼情况 000000000000000"
                       "五、信息处理费收取情况 通知收取件数 0 0 0 六、存在的主要问题和改进情况 一是不够及时。")


@pytest.mark.parametrize("text, ended, by, following, next_heading", [
    (_FEES_BEFORE_APPEALS, "requests", "四、政府信息公开的收费及减免情况", "appeals", "五、因政府信息公开申请"),
    (_FEES_AFTER_APPEALS, "appeals", "五、信息处理费收取情况", "problems", "六、存在的主要问题"),
], ids=["pre-2019 template", "local section after appeals"])
def test_sections_fees_heading_ends_the_section_before_it(text: str, ended: str, by: str, following: str,
                                                          next_heading: str) -> None:
    """A fees section (not one of the six) ends the section before it and is not reported;
    the section after it is still found."""
    found = sections.find_sections(text)
    assert list(found) == list(sections.SECTION_KEYS)
    assert found[ended].end == text.index(by)
    assert found[following] is not None and found[following].start == text.index(next_heading)


@pytest.mark.parametrize("role, keys", [
    ("table", ("proactive", "requests", "appeals")),
    ("narrative", ("overall", "problems", "other")),
    ("themed", ("overall", "problems")),
], ids=["table", "narrative", "themed"])
def test_sections_roles_come_from_the_data(role: str, keys: tuple[str, ...]) -> None:
    assert sections_with_role(role) == keys


def test_sections_role_unknown_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown section role"):
        sections_with_role("tables")


def test_sections_roles_are_the_pipeline_constants() -> None:
    """The pipeline's section constants are the roles declared in data/sections.toml."""
    from gknlp.pipeline import NARRATIVE_SECTIONS, THEMED_SECTIONS

    assert sections_with_role("narrative") == NARRATIVE_SECTIONS
    assert sections_with_role("themed") == THEMED_SECTIONS


@pytest.mark.parametrize("body, texts", [
    ("（一）加强培训。（二）完善制度。", ["（一）加强培训。", "（二）完善制度。"]),
    ("1.加强培训；2、完善制度；3.5万元不是编号。", ["1.加强培训；", "2、完善制度；3.5万元不是编号。"]),
    ("一是加强培训，统一是原则；二是完善制度。", ["一是加强培训，统一是原则；", "二是完善制度。"]),
    ("全年工作平稳，12.5%的申请当日答复。", ["全年工作平稳，12.5%的申请当日答复。"]),
    ("唯一是底线。一是加强培训；二是完善制度。", ["唯一是底线。", "一是加强培训；", "二是完善制度。"]),
    ("见v.1.加强；2.完善。", ["见v.1.加强；2.完善。"]),
], ids=["parenthesised", "numbered-not-decimals", "shi-not-tongyi", "no-marks", "shi-not-weiyi", "number-after-a-point"])
def test_sections_one_line_body_splits_at_sequential_marks(body: str, texts: list[str]) -> None:
    text = "五、存在的主要问题及改进情况\n" + body
    found = find_sections(text)
    problems = found["problems"]
    assert problems is not None and problems.body_start == text.index("\n")
    paragraphs = split_paragraphs(text, problems)
    assert [p.text for p in paragraphs] == texts
    assert [text[p.start:p.end] for p in paragraphs] == texts
    assert [p.id for p in paragraphs] == [f"problems-{i}" for i in range(1, len(texts) + 1)]
    assert all(key in sections.SECTION_KEYS for key in found)


def _as_ocr_markdown(text: str) -> str:
    """A report as OCR-to-Markdown tools write it: each sub-heading a Markdown heading, a blank
    line after every line, long lines cut in two mid-sentence (where an OCR block ended), and a
    stray line of bare heading marks."""
    out = []
    for line in text.split("\n"):
        if len(line) <= 40 and line.startswith(("（", "(")) and "\t" not in line:
            out.append("### " + line)
        elif len(line) > 60 and "\t" not in line:
            cut = next(k for k in range(len(line) // 2, len(line)) if line[k - 1] not in "。；：，、”")
            out += [line[:cut], "", line[cut:]]
        else:
            out.append(line)
        out.append("")
    out.append("##")
    return "\n".join(out)


@pytest.mark.parametrize("seed", ["000_f6f884fffa850788.txt", "003_4130bab209259fbf.txt"])
def test_paragraphs_of_ocr_markdown_are_the_reports_own(seed: str) -> None:
    """Markdown headings head the paragraph after them (their marks not in the heading), a long
    line cut mid-sentence runs on over the blank line into the next, a bare "##" is no
    paragraph: the paragraphs and headings of the Markdown are those of the plain report."""
    from pathlib import Path

    from gknlp.pipeline import extract

    path = Path(__file__).resolve().parents[2] / "gknlp" / "data" / "samples" / seed
    text = path.read_text(encoding="utf-8")
    md = _as_ocr_markdown(text)
    want = extract(path, themes=False, counts=False).paragraphs
    got = extract("report.md", themes=False, counts=False, data=md.encode("utf-8")).paragraphs

    def squeezed(paragraphs: list) -> list[tuple[str, str | None, str]]:
        return [(p["section"], p["heading"] and "".join(p["heading"].split()),
                 "".join(p["text"].replace("#", "").split())) for p in paragraphs]

    assert len(want) >= 8
    assert squeezed(got) == squeezed(want)


_LOST_PROBLEMS_HEADING = (
    "一、总体情况\n本年度工作平稳。\n二、主动公开政府信息情况\n略。\n三、收到和处理政府信息公开申请情况\n略。\n"
    "四、政府信息公开行政复议、行政诉讼情况\n0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\n"
    "（一）{sub}\n政策解读形式较为单一。\n（二）改进措施\n丰富解读形式。\n六、其他需要报告的事项\n无。\n")


@pytest.mark.parametrize("sub, inferred", [
    ("主要问题", True), ("2024 年工作中存在问题的改进情况", True), ("工作成效", False)],
    ids=["problems", "improvements", "not-named"])
def test_sections_problems_opened_by_its_subheading_when_its_heading_is_lost(sub: str, inferred: bool) -> None:
    """A PDF's text may lose section 五's heading after table 四: the first （一） sub-heading
    naming problems or improvements (data/sections.toml `opened_by`) opens it, marked inferred,
    and table 四's section ends there; a （一） naming something else opens nothing."""
    text = _LOST_PROBLEMS_HEADING.format(sub=sub)
    found = find_sections(text)
    appeals, problems = found["appeals"], found["problems"]
    assert appeals is not None
    if not inferred:
        assert problems is None and appeals.end == text.index("六、")
        return
    at = text.index("（一）")
    assert problems is not None and problems.inferred and problems.heading is None
    assert (problems.start, problems.body_start, problems.end, appeals.end) == (at, at, text.index("六、"), at)
    assert [p.heading for p in split_paragraphs(text, problems)] == [f"（一）{sub}", "（二）改进措施"]


@pytest.mark.parametrize("sep", ["\n", "\n\n"], ids=["lines", "blank-lines"])
def test_paragraphs_without_final_marks_stay_apart(sep: str) -> None:
    """Points and closing lines that drop their final 。 are still paragraphs of their own, and the
    signature and date are not pulled into the last one; only a long line cut mid-sentence runs
    on, over a blank line, into a line that reads as its rest."""
    body = ["一是信息公开的及时性还有待提高，部分栏目更新不够及时", "二是政策解读的形式较为单一，图解、视频等解读形式运用较少",
            "下一步，我乡将加强培训，提升工作人员业务能力（详见附件1）", "同时加大督查力度，确保各项工作落到实处，请审阅并提出意见建议",
            "某县某乡人民政府", "2021年1月20日"]
    text = "五、存在的主要问题及改进情况" + sep + sep.join(body) + "\n"
    problems = find_sections(text)["problems"]
    assert problems is not None
    assert [p.text for p in split_paragraphs(text, problems)] == body
    cut = "本年度我乡坚持以群众需求为导向，聚焦重点领域和关键环节，努力让政务信息“看" + sep + "得懂、用得上、易监督”。"
    text = "五、存在的主要问题及改进情况\n" + cut + "\n"
    problems = find_sections(text)["problems"]
    assert problems is not None
    assert len(split_paragraphs(text, problems)) == (1 if sep == "\n\n" else 2)
