"""Report metadata: title, issuing body and its level, year covered, publication date."""

from __future__ import annotations

import re
from functools import cache

from gknlp.data import load_toml

__all__ = ["find_title", "issuer_from_title", "level_of", "year_of", "published_date", "CrawlerHeader",
           "split_crawler_header"]

_TITLE_LINE = re.compile(r"(政府信息公开|政务公开)[^\n]{0,12}?(年度报告|年报|工作报告)")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?")
_GOV_SUFFIX = re.compile(r"(人民政府|政府)$")
# Compiled once here rather than looked up in re's cache on every call.
_CLAUSE_MARK = re.compile(r"[。；，,:：]")
_SENTENCE_MARK = re.compile(r"[。；，,]")
_TITLE_IN_TEXT = re.compile(r"[^\s，。；]{0,40}?(?:19|20)\d{2}\s*年度?(?:政府信息公开|政务公开)[^\s，。；]{0,12}?(?:年度报告|年报)")
_LEADING_GUANYU = re.compile(r"^(?:关于)?")
_TRAILING_PAREN = re.compile(r"[（(][^）)]*[）)]$")
_STATS_PERIOD = re.compile(r"统计期限?为?(?:自|从)?\s*((?:19|20)\d{2})\s*年")
_YEAR_OF_REPORT = re.compile(r"((?:19|20)\d{2})\s*年度?(?:政府信息公开|政务公开)")
_HEADER_LINE = re.compile(r"^\s*([^:：]+?)\s*[:：]\s*(.*?)\s*$")


def find_title(text: str, limit: int = 2000) -> str | None:
    """The first line near the top that reads like a report title."""
    head = text[:limit]
    lines = [ln.strip() for ln in head.split("\n")]
    for i, line in enumerate(lines):
        if 6 <= len(line) <= 80 and _TITLE_LINE.search(line):
            prev = next((p for p in reversed(lines[:i]) if p), "")
            if _YEAR.match(line) and 2 <= len(prev) <= 30 and not _CLAUSE_MARK.search(prev):
                return prev + line  # the body's name on the line above: 云阳县人和街道办事处 / 2020年…
            return line
    m = _TITLE_IN_TEXT.search(head)
    return m.group() if m else None


def issuer_from_title(title: str | None) -> str | None:
    """The body named before the year: 大坪乡人民政府2020年… → 大坪乡人民政府."""
    if not title:
        return None
    title = _LEADING_GUANYU.sub("", title.strip())
    m = _YEAR.search(title)
    if not m or m.start() == 0:
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
    m = _YEAR_OF_REPORT.search(text, 0, 3000)
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
