"""Report metadata: title, issuing body and its level, year covered, publication date."""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

from gknlp.data import load_toml
from gknlp.text.unwrap import MARKDOWN_HEADING

__all__ = ["find_title", "clean_page_title", "issuer_from_title", "issuer_from_signature", "level_of", "year_of",
           "published_date", "CrawlerHeader", "split_crawler_header"]

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?")
_GOV_SUFFIX = re.compile(r"(人民政府|政府)$")
# Compiled once here rather than looked up in re's cache on every call.
_CLAUSE_MARK = re.compile(r"[。；，,:：]")
_SENTENCE_MARK = re.compile(r"[。；，,]")
_LEADING_GUANYU = re.compile(r"^(?:关于)?")
_TRAILING_PAREN = re.compile(r"[（(][^）)]*[）)]$")
_STATS_PERIOD = re.compile(r"统计期限?为?(?:自|从)?\s*((?:19|20)\d{2})\s*年")
_HEADER_LINE = re.compile(r"^\s*([^:：]+?)\s*[:：]\s*(.*?)\s*$")
_NOT_A_BODY = ("全", "本", "我", "各", "该")
_YEAR_FIRST = re.compile(r"^((?:19|20)\d{2})\s*年度?\s*")


class _TitlePatterns(NamedTuple):
    line: re.Pattern[str]           # a title line: subject, then the kind of document
    in_text: re.Pattern[str]        # a title inside running text, with its year
    year_of_report: re.Pattern[str]  # 2020年(度)政府信息公开…: the year the report covers
    document: re.Pattern[str]       # the kind of document alone (a page title's part)
    subject: re.Pattern[str]        # what the report is about alone (政府信息公开)
    separator: re.Pattern[str]      # between a page title's parts


def _either(words: list[str]) -> str:
    return "|".join(map(re.escape, words))


@cache
def _titles() -> _TitlePatterns:
    """The title patterns, built from the words in data/titles.toml."""
    words = load_toml("titles.toml")
    subject, document = _either(words["subject"]), _either(words["document"])
    return _TitlePatterns(
        line=re.compile(rf"({subject})[^\n]{{0,12}}?({document})"),
        in_text=re.compile(rf"[^\s，。；]{{0,40}}?(?:19|20)\d{{2}}\s*年度?(?:{subject})[^\s，。；]{{0,12}}?"
                           rf"(?:{_either(words['document_in_text'])})"),
        year_of_report=re.compile(rf"((?:19|20)\d{{2}})\s*年度?(?:{subject})"),
        document=re.compile(document),
        subject=re.compile(subject),
        separator=re.compile(_either(words["page_title_separators"])),
    )


def find_title(text: str, limit: int = 2000) -> str | None:
    """The first line near the top that reads like a report title (Markdown heading marks
    dropped); else a title set over two lines with its year (2024年某局政府信息公开工作 / 年度报告);
    else a title inside the running text."""
    head = text[:limit]
    titles = _titles()
    lines = [MARKDOWN_HEADING.sub("", ln.strip(), count=1) if ln.lstrip().startswith("#") else ln.strip()
             for ln in head.split("\n")]
    for i, line in enumerate(lines):
        if 6 <= len(line) <= 80 and titles.line.search(line):
            prev = next((p for p in reversed(lines[:i]) if p), "")
            if _YEAR.match(line) and 2 <= len(prev) <= 30 and not _CLAUSE_MARK.search(prev):
                return prev + line  # the body's name on the line above: 云阳县人和街道办事处 / 2020年…
            return line
    for line, nxt in zip(lines, lines[1:]):
        joined = line + nxt
        if (6 <= len(line) <= 60 and 2 <= len(nxt) <= 12 and not _CLAUSE_MARK.search(joined)
                and _YEAR.search(joined) and titles.subject.search(line) and titles.line.search(joined)):
            return joined
    m = titles.in_text.search(head)
    return m.group() if m else None


def clean_page_title(title: str | None) -> str | None:
    """The part of a page title that names the report (site names and separators dropped)."""
    if not title:
        return None
    titles = _titles()
    parts = [p.strip() for p in titles.separator.split(title) if p.strip()]
    for p in parts:
        if titles.document.search(p):
            return p
    return parts[0] if parts else None


def issuer_from_title(title: str | None) -> str | None:
    """The body named before the year (大坪乡人民政府2020年… → 大坪乡人民政府), or between the
    year and the subject (2019年上海市人民政府办公厅政府信息公开… → 上海市人民政府办公厅)."""
    if not title:
        return None
    title = _LEADING_GUANYU.sub("", title.strip())
    m = _YEAR.search(title)
    if not m:
        return None
    if m.start() == 0:
        first = _YEAR_FIRST.match(title)
        subject = _titles().subject.search(title, first.end()) if first else None
        if first is None or subject is None:
            return None
        issuer = title[first.end():subject.start()].strip(" 　:：-—_《》")
        # a body's name, not a scope (全市, 本机关, 我局, 各部门) or a topic (法治政府建设和)
        if (2 <= len(issuer) <= 40 and not _CLAUSE_MARK.search(issuer) and not issuer.startswith(_NOT_A_BODY)
                and level_of(issuer) is not None):
            return issuer
        return None
    issuer = title[:m.start()].strip(" 　:：-—_《》")
    return issuer or None


def issuer_from_signature(text: str) -> str | None:
    """The body signing the report: the line before the closing date."""
    tail = text[-600:]
    lines = [ln.strip() for ln in tail.split("\n") if ln.strip()]
    for i in range(len(lines) - 1, 0, -1):
        if _DATE.fullmatch(lines[i]) or (_DATE.match(lines[i]) and len(lines[i]) <= 14):
            cand = lines[i - 1]
            if 2 <= len(cand) <= 40 and not _SENTENCE_MARK.search(cand):
                return cand
    return None


@cache
def _level_rules() -> tuple[tuple[str, re.Pattern[str]], ...]:
    data = load_toml("levels.toml")
    return tuple((r["level"], re.compile(r["pattern"])) for r in data["rules"])


def level_of(issuer: str | None) -> str | None:
    """province / city / county / township / department, from the issuer's name."""
    if not issuer:
        return None
    name = _TRAILING_PAREN.sub("", issuer.strip())
    is_government = bool(_GOV_SUFFIX.search(name))
    name = _GOV_SUFFIX.sub("", name)
    for level, pattern in _level_rules():
        if level == "department" and is_government:
            continue
        if pattern.search(name):
            return level
    return None


def year_of(title: str | None, text: str) -> int | None:
    """The year the report covers: from the title, else the statistics period, else the body."""
    for source in (title or "",):
        m = _YEAR.search(source)
        if m:
            return int(m.group(1))
    m = _STATS_PERIOD.search(text)
    if m:
        return int(m.group(1))
    m = _titles().year_of_report.search(text, 0, 3000)
    if m:
        return int(m.group(1))
    years = [int(y) for y in _YEAR.findall(text[:5000])]
    return min(years, key=lambda y: (-years.count(y), y)) if years else None


def published_date(text: str) -> str | None:
    """The date printed at the end of the report, as YYYY-MM-DD."""
    tail = text[-400:]
    found = list(_DATE.finditer(tail))
    if not found:
        return None
    y, mo, d = found[-1].groups()
    if not (1 <= int(mo) <= 12 and 1 <= int(d) <= 31):
        return None
    return f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"


class CrawlerHeader(dict):
    """Key/value lines a crawler wrote above the page text (标题: …, 发布时间: …)."""


# ===== 正文 ===== on a line of its own.
_HEADER_SEP = re.compile(r"^=+\s*正文\s*=+\s*$", re.M)


def split_crawler_header(text: str) -> tuple[CrawlerHeader, int]:
    """Parse a leading crawler header; return it and where the body starts (0 if none)."""
    m = _HEADER_SEP.search(text[:4000])
    if not m:
        return CrawlerHeader(), 0
    header = CrawlerHeader()
    for line in text[:m.start()].split("\n"):
        kv = _HEADER_LINE.match(line)
        if kv:
            header[kv.group(1)] = kv.group(2)
    return header, m.end()
