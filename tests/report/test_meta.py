"""Report metadata on small texts: the crawler header, the title (words from data/titles.toml),
the page title's report part, the year covered."""

from __future__ import annotations

import pytest

from gknlp.report import meta

_LONG = "根据《中华人民共和国政府信息公开条例》规定，" * 3


@pytest.mark.parametrize("text, header, body", [
    ("标题: 2021年政府信息公开工作年度报告\n发布时间：2022-01-20\n===== 正文 =====\n一、总体情况",
     {"标题": "2021年政府信息公开工作年度报告", "发布时间": "2022-01-20"}, "\n一、总体情况"),
    ("标题: x\n==正文==  \n正文", {"标题": "x"}, "\n正文"),
    ("标题: x\n  ==正文==\n正文", {}, None),
    ("标题: x\n说明 ===== 正文 =====\n一、总体情况", {}, None),
    ("一、总体情况\n本年度……", {}, None),
], ids=["header", "trailing-blanks", "indented-separator", "separator-not-on-its-own-line", "no-header"])
def test_meta_split_crawler_header(text: str, header: dict[str, str], body: str | None) -> None:
    found, start = meta.split_crawler_header(text)
    assert dict(found) == header
    assert (text[start:] if start else None) == body


@pytest.mark.parametrize("text, title", [
    ("\n 某县人民政府\n2020年政府信息公开工作年度报告\n根据……", "某县人民政府2020年政府信息公开工作年度报告"),
    ("某市交通运输局2021年政务公开工作报告\n一、总体情况", "某市交通运输局2021年政务公开工作报告"),
    # a line too long for a title: the title is looked for inside the running text
    (_LONG + "现公布某镇2022年度政府信息公开工作年度报告。" + _LONG, "现公布某镇2022年度政府信息公开工作年度报告"),
    (_LONG + "某镇2022年度政府信息公开工作报告的编制说明。" + _LONG, None),
    ("一、总体情况\n本年度工作平稳。", None),
    # a Markdown heading's marks are not the title's
    ("# 某县人民政府 2025 年 政府信息公开工作年度报告\n根据……", "某县人民政府 2025 年 政府信息公开工作年度报告"),
    # a title printed over two lines (a PDF made into text)
    ("正文\n2024 年某市科委政府信息公开工作\n年度报告\n根据《条例》……", "2024 年某市科委政府信息公开工作年度报告"),
    ("某局政府信息公开工作要点，\n年度报告如下", None),
    # a site's menu above the title: the title line wins over two menu lines that would join
    ("首页\n政府信息公开\n年度报告\n某县人民政府2022年政府信息公开工作年度报告\n根据……",
     "某县人民政府2022年政府信息公开工作年度报告"),
], ids=["issuer-on-line-above", "title-line", "in-text", "in-text-needs-annual-report", "none",
        "markdown-heading", "over-two-lines", "two-lines-not-a-title", "menu-above-title"])
def test_meta_find_title(text: str, title: str | None) -> None:
    assert meta.find_title(text) == title


@pytest.mark.parametrize("title, issuer", [
    ("大坪乡人民政府2020年政府信息公开工作年度报告", "大坪乡人民政府"),
    ("2019年上海市人民政府办公厅政府信息公开工作年度报告", "上海市人民政府办公厅"),
    ("2024 年度 某市科委 政务公开工作年度报告", "某市科委"),
    ("2021年政府信息公开工作年度报告", None),
    ("关于2021年度政府信息公开工作年度报告", None),
    ("政府信息公开工作年度报告", None),
    ("2022年全市政府信息公开工作年度报告", None),
    ("2022年本机关政府信息公开工作年度报告", None),
    ("2022年度我局政府信息公开工作年度报告", None),
    ("2022年度法治政府建设和政府信息公开工作年度报告", None),
], ids=["before-year", "after-year", "after-year-spaced", "no-body", "guanyu", "no-year",
        "scope-all-city", "scope-this-body", "scope-our-bureau", "topic"])
def test_meta_issuer_from_title(title: str, issuer: str | None) -> None:
    assert meta.issuer_from_title(title) == issuer


@pytest.mark.parametrize("page_title, part", [
    ("2021年政府信息公开工作年度报告_某县人民政府", "2021年政府信息公开工作年度报告"),
    ("某市门户网站 | 某局2020年政务公开年报", "某局2020年政务公开年报"),
    ("首页 - 信息公开", "首页"),
    ("", None),
    (None, None),
], ids=["underscore", "pipe", "no-report-word", "empty", "none"])
def test_meta_clean_page_title(page_title: str | None, part: str | None) -> None:
    assert meta.clean_page_title(page_title) == part


@pytest.mark.parametrize("title, text, year", [
    ("某县2020年政府信息公开工作年度报告", "统计期限为2019年1月1日至12月31日", 2020),
    (None, "本报告统计期限为2021年1月1日至2021年12月31日。", 2021),
    (None, "现将2019年度政务公开工作情况报告如下。2020年计划……", 2019),
    (None, "2018年……2018年……2017年", 2018),
    (None, "本年度", None),
], ids=["title", "stats-period", "year-of-report", "most-frequent", "none"])
def test_meta_year_of(title: str | None, text: str, year: int | None) -> None:
    assert meta.year_of(title, text) == year


@pytest.mark.parametrize("issuer, level", [
    ("内蒙古自治区人民政府", "province"), ("广东省人民政府", "province"), ("北京市人民政府", "province"),
    ("重庆市渝中区人民政府", "county"), ("呼和浩特市人民政府", "city"), ("湖北省武汉市人民政府", "city"),
    ("沭阳县人民政府", "county"), ("杭州市西湖区文新街道办事处", "township"), ("某县某镇人民政府", "township"),
    ("教育部", "department"), ("上海市人民政府办公厅", "department"), ("中国人民银行", "department"),
    ("某县财政局", "department"), ("平潭综合实验区", "county"), ("某公司", None),
], ids=lambda v: v if isinstance(v, str) else "none")
def test_meta_level_of(issuer: str, level: str | None) -> None:
    """Provinces before counties (自治区 ends in 区), the four 直辖市 are provinces, 部 and 银行 are
    departments (data/levels.toml)."""
    assert meta.level_of(issuer) == level
