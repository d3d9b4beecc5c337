"""Reading, normalising, sections, the JSON Schema and the CLI (bad inputs: tests/test_pipeline.py)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

import gknlp
from gknlp.cli.app import app
from gknlp.text.normalize import normalize
from gknlp.read import decode
from gknlp.report.sections import find_sections

SEEDS = Path(gknlp.__file__).parent / "data" / "samples"
SEED_004 = SEEDS / "004_0494dfef68de25df.txt"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_read_decodes_simplified_encodings(encoding: str) -> None:
    text = SEED_004.read_text(encoding="utf-8")
    decoded, _, warnings = decode(text.encode(encoding))
    assert decoded.lstrip("\ufeff") == text and warnings == []


def test_read_decodes_big5() -> None:
    text = "平潭縣人民政府2020年政府資訊公開工作年度報告\n一、總體情況\n本年度收到政府資訊公開申請2件。"
    decoded, enc, _ = decode(text.encode("big5"))
    assert decoded == text and enc == "big5"


def test_read_bad_byte_is_replaced_with_a_warning() -> None:
    data = SEED_004.read_bytes()
    decoded, _, warnings = decode(data[:3000] + b"\xff\xfe" + data[3000:])
    assert "\ufffd" in decoded and warnings[0].code == "bad_bytes"


@pytest.mark.parametrize("source,expected", [
    ("鄉(xiāng)黨委、政府把政務(wù)公開", "乡党委、政府把政务公开"),
    ("［bookmark: _GoBack］", "［bookmark: _GoBack］"),
    ("[bookmark: _GoBack]本年度报告", "本年度报告"),
    ("共１２３件　ＡＢ", "共123件 AB"),
    ("上文\n—6—\n下文", "上文\n下文"),
    ("上文\n- 4 -\n下文", "上文\n下文"),
    ("（单位：万元）", "（单位：万元）"),
])
def test_normalize_examples(source: str, expected: str) -> None:
    assert normalize(source).text == expected


def test_normalize_keeps_a_map_to_the_source() -> None:
    source = "鄉(xiāng)黨委[bookmark: _GoBack]培訓３０人次"
    norm = normalize(source)
    i = norm.text.index("30")
    a, b = norm.to_source(i, i + 2)
    assert source[a:b] == "３０"
    assert norm.script == "traditional"


@pytest.mark.parametrize("text,key,heading", [
    ("一、总体情况\n正文内容很多很多。\n二、主动公开政府信息情况\n表", "proactive", "二、主动公开政府信息情况"),
    ("一、本年度政府信息公开工作情况\n内容\n2、 主动公开政府信息情况\n表", "proactive", "2、 主动公开政府信息情况"),
    ("一、总体情况\n（一）主动公开情况\n内容\n（六）其他需要报告的事项\n无", "other", "（六）其他需要报告的事项"),
    ("一、总体情况\n内容\n五、存在的问题及改进情况\n（一）存在的主要问题\n问题", "problems", "五、存在的问题及改进情况"),
    # wording variants: 需 for 需要, 说明 for 报告, 突出问题 for 主要问题
    ("一、总体情况\n内容\n五、存在的主要问题及改进措施\n问题\n六、其他需报告的事项\n无", "other", "六、其他需报告的事项"),
    ("一、总体情况\n内容\n五、其他需说明事项\n无", "other", "五、其他需说明事项"),
    ("一、总体情况\n内容\n五、当前存在的突出问题\n问题", "problems", "五、当前存在的突出问题"),
    # a numeral run into the heading, in a one-line crawled body
    ("现公布年度报告。一总体情况2020年，我局统一总体部署。二主动公开政府信息情况表", "overall", "一总体情况"),
    ("现公布年度报告。一总体情况2020年，我局统一总体部署。二主动公开政府信息情况表", "proactive", "二主动公开政府信息情况"),
])
def test_sections_heading_variants(text: str, key: str, heading: str) -> None:
    sec = find_sections(text)[key]
    assert sec is not None and sec.heading == heading


def test_sections_missing_first_heading_is_inferred_and_missing_ones_are_none() -> None:
    text = "某某局2021年政府信息公开工作年度报告\n本年度我局认真贯彻落实条例要求，扎实推进政务公开工作，成效明显，群众满意度不断提升。\n二、主动公开政府信息情况\n表"
    sections = find_sections(text)
    assert sections["overall"].inferred and sections["overall"].heading is None
    assert sections["requests"] is None


def test_sections_sub_heading_in_overall_does_not_end_it() -> None:
    out = gknlp.extract(SEEDS / "000_f6f884fffa850788.txt").to_dict()
    overall = [p for p in out["paragraphs"] if p["section"] == "overall"]
    assert [p["heading"] for p in overall][:2] == ["（一）基层政务公开标准化规范化推进情况：", "（二）主动公开情况："]
    assert any(p["heading"] == "（五）平台建设情况：" and "公示栏" in p["text"] for p in overall)


def _schema() -> dict:
    return json.loads(resources.files("gknlp.data").joinpath("report.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.stem)
def test_schema_validates_seed_output(path: Path) -> None:
    jsonschema.validate(gknlp.extract(path).to_dict(), _schema())


def test_schema_validates_error_output(tmp_path: Path) -> None:
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    jsonschema.validate(gknlp.extract(p).to_dict(), _schema())


def test_cli_extract_one_file_prints_one_json_document() -> None:
    result = CliRunner().invoke(app, ["extract", str(SEED_004), "--no-themes"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["tables"]["proactive"]["licensing"] == {"prev_items": 174, "change": 3, "decisions": 3826}


def test_cli_extract_batch_keeps_good_files_and_reports_bad_ones(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    for p in sorted(SEEDS.glob("*.txt"))[:3]:
        (tmp_path / "in" / p.name).write_bytes(p.read_bytes())
    (tmp_path / "in" / "zz_empty.txt").write_bytes(b"")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["extract", str(tmp_path / "in"), "-o", str(out), "--jobs", "1", "--no-themes"])
    assert result.exit_code == 1
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 4
    assert [("error" in x) for x in lines] == [False, False, False, True]
    assert all(x["source"]["sha256"] for x in lines[:3])


def test_cli_schema_prints_the_schema() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0 and json.loads(result.stdout)["title"].startswith("gknlp")


def test_read_docx_paragraphs_and_tables(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    for line in ["测试镇人民政府2021年政府信息公开工作年度报告", "一、总体情况", "本年度推进政务公开。",
                 "二、主动公开政府信息情况"]:
        d.add_paragraph(line)
    t = d.add_table(rows=3, cols=4)
    for r, row in enumerate([["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], ["规章", "0", "0", "0"],
                             ["行政规范性文件", "4", "1", "12"]]):
        for c, v in enumerate(row):
            t.cell(r, c).text = v
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    p = tmp_path / "r.docx"
    d.save(p)
    out = gknlp.extract(p, themes=False, counts=False).to_dict()
    assert out["source"]["format"] == "docx"
    assert out["tables"]["proactive"]["normative_docs"] == {"issued": 4, "repealed": 1, "in_force": 12}
    assert out["meta"]["issuer"] == "测试镇人民政府" and out["meta"]["level"] == "township"


def test_raw_crawled_pages_yield_sections_metadata_and_paragraphs(corpus_dir: Path) -> None:
    import csv

    rows = list(csv.DictReader((corpus_dir / "MANIFEST.tsv").open(encoding="utf-8"), delimiter="\t"))
    dev = [r for r in rows if r["year_of_report"].isdigit() and int(r["year_of_report"]) <= 2022]
    assert len(dev) >= 50
    for r in dev:
        out = gknlp.extract(corpus_dir / "raw" / r["file"], themes=False, counts=False).to_dict()
        assert "error" not in out, r["file"]
        assert out["meta"]["year"] == int(r["year_of_report"]), r["file"]
        assert out["paragraphs"], r["file"]
        assert not any("当前位置" in p["text"] for p in out["paragraphs"]), r["file"]


def test_read_html_drops_navigation_and_footer_chrome() -> None:
    from gknlp.read import html_to_text

    links = "".join(f'<li><a href="http://x{i}.gov.cn/">某市政府网站{i}</a></li>' for i in range(8))
    page = f"""<html><head><title>某局2022年政府信息公开工作年度报告</title></head><body>
      <div class="nav"><a href="/">首页</a><a href="/zwgk">政务公开</a><a href="/nb">政府信息公开年报</a></div>
      <div class="article">
        <p>一、总体情况</p><p>2022年，我局开展培训3次，详见<a href="/f">附件</a>。</p>
        <table><tr><td>信息内容</td><td>本年制发件数</td></tr><tr><td>规章</td><td>0</td></tr></table>
        <p>六、其他需要报告的事项</p><p>无。</p>
      </div>
      <div class="article_qrcode"><p>扫一扫在手机上查看当前页面</p></div>
      <div class="links"><p>友情链接</p><ul>{links}</ul></div>
      <footer><p>版权所有：某局</p></footer>
      <div id="foot_bar"><p>网站标识码：0000000001</p></div>
    </body></html>"""
    text, title = html_to_text(page)
    assert title == "某局2022年政府信息公开工作年度报告"
    for kept in ("一、总体情况", "2022年，我局开展培训3次，详见附件。", "规章\t0", "六、其他需要报告的事项", "无。"):
        assert kept in text
    for dropped in ("首页", "扫一扫", "友情链接", "某市政府网站3", "版权所有", "网站标识码"):
        assert dropped not in text, dropped


@pytest.mark.parametrize("name", ["001_pingtan-main-2019", "013_pingtan-zrz-2020", "014_pingtan-jinjing-2020",
                                  "019_pingtan-nyn-2021", "023_pingtan-hzs-2022"])
def test_html_page_and_crawled_text_give_the_same_narrative(corpus_dir: Path, name: str) -> None:
    """Dev pairs: the original page (with its site chrome: search box, nav, QR code, link lists,
    footer) and the crawled one-line text of the same report give the same 总体情况 and
    存在的主要问题 text (paragraph breaks differ: the page has real ones)."""
    import re

    from gknlp.pipeline import extract

    html = extract(corpus_dir / "html" / f"{name}.html", themes=False, counts=False)
    raw = extract(corpus_dir / "raw" / f"{name}.txt", themes=False, counts=False)
    narrative = [re.sub(r"\s", "", "".join(p["text"] for p in r.paragraphs
                                           if p["section"] in ("overall", "problems")))
                 for r in (html, raw)]
    assert len(narrative[0]) > 1000 and narrative[0] == narrative[1]
    assert "友情链接" not in html.text and "扫一扫" not in html.text and "热门搜索" not in html.text


def test_cli_extract_boolean_options_are_flags() -> None:
    result = CliRunner().invoke(app, ["extract", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.lstrip().startswith("--")}
    for flag in ("--resume", "--overwrite", "--retry-errors", "--no-themes", "--no-counts", "--with-text"):
        assert "<" not in lines[flag].split(flag, 1)[1].split("  ")[0], lines[flag]  # no value shown
    assert "<int>" in lines["--timeout"]


def test_cli_extract_existing_output_needs_resume_or_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("{}\n")
    result = CliRunner().invoke(app, ["extract", str(SEED_004), "-o", str(out), "--no-themes"])
    assert result.exit_code == 2 and "--overwrite" in result.stderr and out.read_text() == "{}\n"
    result = CliRunner().invoke(app, ["extract", str(SEED_004), "-o", str(out), "--no-themes", "--overwrite"])
    assert result.exit_code == 0 and len(out.read_text().splitlines()) == 1
