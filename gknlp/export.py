"""Tidy tables from `gknlp extract` JSON Lines, for pandas, Excel, R or Stata users.

The nested JSON (one document per report) is flattened into three long tables that join
on `report_id` (the source's sha256): `reports`, `paragraphs` and `counts`. Everything here
is a pure function over an iterable of records, read once, so a large results file is
streamed rather than held twice. pandas is imported inside the functions: importing
gknlp must stay light.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import orjson

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["read_records", "tidy_tables", "write_tables", "summary", "REPORT_FIELDS", "PARAGRAPH_FIELDS",
           "COUNT_FIELDS", "TABLE_NAMES"]

TABLE_NAMES = ("reports", "paragraphs", "counts")
META_FIELDS = ("title", "issuer", "level", "year", "published", "template", "script")
#: Leading columns of `reports`; the table cells follow, then REPORT_TAIL.
REPORT_FIELDS = ("report_id", "path", "format", "gknlp_version", "model_version") + META_FIELDS
REPORT_TAIL = ("n_checks", "n_checks_failed", "n_warnings", "warning_codes", "error_type", "error_message")
#: Columns of `paragraphs` before the `score.<label>` columns; `themes` comes last.
PARAGRAPH_FIELDS = ("report_id", "paragraph", "section", "heading", "text", "start", "end", "kind")
COUNT_FIELDS = ("report_id", "paragraph", "text", "start", "end", "value", "value_max", "approx", "qualifier",
                "delta", "unit", "counted", "category")
_TABLE_KEYS = ("proactive", "requests", "appeals")


def read_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield the records of a results JSONL one at a time (blank lines skipped)."""
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield orjson.loads(line)


def _report_id(rec: dict[str, Any]) -> str | None:
    return (rec.get("source") or {}).get("sha256")


def _cells(rec: dict[str, Any]) -> dict[str, Any]:
    """`table.row.col` → value for every cell, so a report is one wide row."""
    out: dict[str, Any] = {}
    for table in _TABLE_KEYS:
        rows = (rec.get("tables") or {}).get(table) or {}
        for row, cols in rows.items():
            if isinstance(cols, dict):
                for col, value in cols.items():
                    out[f"{table}.{row}.{col}"] = value
            else:
                out[f"{table}.{row}"] = cols
    return out


def _report_row(rec: dict[str, Any]) -> dict[str, Any]:
    src = rec.get("source") or {}
    meta = rec.get("meta") or {}
    row: dict[str, Any] = {"report_id": src.get("sha256"), "path": src.get("path"), "format": src.get("format"),
                           "gknlp_version": rec.get("gknlp_version"), "model_version": rec.get("model_version")}
    row.update({k: meta.get(k) for k in META_FIELDS})
    row.update(_cells(rec))
    checks = rec.get("checks") or []
    warnings = rec.get("warnings") or []
    err = rec.get("error") or {}
    row.update({
        "n_checks": len(checks),
        "n_checks_failed": sum(1 for c in checks if c.get("status") == "fail"),
        "n_warnings": len(warnings),
        "warning_codes": ";".join(sorted({w.get("code") or "" for w in warnings})),
        "error_type": err.get("type"),
        "error_message": err.get("message"),
    })
    return row


def _paragraph_row(rid: str | None, p: dict[str, Any]) -> dict[str, Any]:
    row = {"report_id": rid, "paragraph": p.get("id")}
    row.update({k: p.get(k) for k in PARAGRAPH_FIELDS[2:]})
    for label, score in (p.get("scores") or {}).items():
        row[f"score.{label}"] = score
    row["themes"] = ";".join(p.get("themes") or [])
    return row


def _count_row(rid: str | None, c: dict[str, Any]) -> dict[str, Any]:
    row = {"report_id": rid}
    row.update({k: c.get(k) for k in COUNT_FIELDS[1:]})
    return row


def _frame(rows: list[dict[str, Any]], head: tuple[str, ...], tail: tuple[str, ...] = ()) -> "pd.DataFrame":
    """A frame with fixed leading/trailing columns even when there are no rows."""
    import pandas as pd

    df = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    middle = [c for c in df.columns if c not in head and c not in tail]
    cols = list(head) + middle + list(tail)
    return df.reindex(columns=cols)


def tidy_tables(records: Iterable[dict[str, Any]]) -> dict[str, "pd.DataFrame"]:
    """Three long tables (`reports`, `paragraphs`, `counts`) joined by `report_id`; one pass."""
    reports: list[dict[str, Any]] = []
    paragraphs: list[dict[str, Any]] = []
    counts: list[dict[str, Any]] = []
    for rec in records:
        rid = _report_id(rec)
        reports.append(_report_row(rec))
        for p in rec.get("paragraphs") or []:
            paragraphs.append(_paragraph_row(rid, p))
        for c in rec.get("counts") or []:
            counts.append(_count_row(rid, c))
    report_df = _frame(reports, REPORT_FIELDS, REPORT_TAIL)
    report_df["year"] = report_df["year"].astype("Int64")  # nullable: an error line has no year
    return {
        "reports": report_df,
        "paragraphs": _frame(paragraphs, PARAGRAPH_FIELDS, ("themes",)),
        "counts": _frame(counts, COUNT_FIELDS),
    }


def write_tables(tables: dict[str, "pd.DataFrame"], out_dir: str | Path, fmt: str = "csv") -> list[Path]:
    """Write each table as `<name>.csv` (UTF-8 with BOM, so Excel shows Chinese) or `<name>.parquet`."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"unknown format {fmt!r}: use csv or parquet")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, df in tables.items():
        path = out / f"{name}.{fmt}"
        if fmt == "csv":
            df.to_csv(path, index=False, encoding="utf-8-sig")
        else:
            df.to_parquet(path, index=False, engine="pyarrow")
        written.append(path)
    return written


def summary(records: Iterable[dict[str, Any]], top: int = 20) -> dict[str, "pd.DataFrame"]:
    """Corpus figures in one pass: theme prevalence by year and level, identity failures, count categories.

    Theme prevalence is the share of a group's themed paragraphs (总体情况 and 存在的主要问题)
    tagged with each theme. An identity's
    failure rate is the share of reports checked by that rule with at least one failing check.
    """
    import pandas as pd

    labels: set[str] = set()
    by_year: dict[Any, Counter] = defaultdict(Counter)
    by_level: dict[Any, Counter] = defaultdict(Counter)
    rule_checked: Counter = Counter()
    rule_failed: Counter = Counter()
    rule_checks: Counter = Counter()
    rule_checks_failed: Counter = Counter()
    cat_n: Counter = Counter()
    cat_reports: Counter = Counter()
    n_reports = n_errors = 0
    for rec in records:
        n_reports += 1
        if "error" in rec:
            n_errors += 1
            continue
        meta = rec.get("meta") or {}
        year, level = meta.get("year"), meta.get("level") or "unknown"
        for p in rec.get("paragraphs") or []:
            if p.get("themes") is None:  # not a themed section (or no model): not in the base
                continue
            themes = p["themes"]
            labels.update(themes)
            labels.update((p.get("scores") or {}).keys())
            for group in (by_year[year], by_level[level]):
                group["__n__"] += 1
                group.update(themes)
        failed_rules: set[str] = set()
        for c in rec.get("checks") or []:
            rule = c.get("rule")
            rule_checks[rule] += 1
            if c.get("status") == "fail":
                rule_checks_failed[rule] += 1
                failed_rules.add(rule)
        for rule in {c.get("rule") for c in rec.get("checks") or []}:
            rule_checked[rule] += 1
        rule_failed.update(failed_rules)
        categories = [c.get("category") or "uncategorised" for c in rec.get("counts") or []]
        cat_n.update(categories)
        cat_reports.update(set(categories))

    order = sorted(labels)

    def prevalence(groups: dict[Any, Counter], key: str) -> pd.DataFrame:
        rows = []
        for g in sorted(groups, key=lambda x: (x is None, str(x))):
            n = groups[g]["__n__"]
            rows.append({key: g, "n_paragraphs": n, **{lab: (groups[g][lab] / n if n else 0.0) for lab in order}})
        df = pd.DataFrame(rows, columns=[key, "n_paragraphs", *order])
        if key == "year":
            df["year"] = df["year"].astype("Int64")
        return df

    rules = sorted(rule_checked, key=str)
    failures = pd.DataFrame(
        [{"rule": r, "n_reports": rule_checked[r], "n_reports_failed": rule_failed[r],
          "failure_rate": rule_failed[r] / rule_checked[r] if rule_checked[r] else 0.0,
          "n_checks": rule_checks[r], "n_checks_failed": rule_checks_failed[r]} for r in rules],
        columns=["rule", "n_reports", "n_reports_failed", "failure_rate", "n_checks", "n_checks_failed"])
    cats = pd.DataFrame(
        [{"category": c, "n_counts": n, "n_reports": cat_reports[c]}
         for c, n in sorted(cat_n.items(), key=lambda kv: (-kv[1], kv[0]))[:top]],
        columns=["category", "n_counts", "n_reports"])
    overview = pd.DataFrame([{"n_reports": n_reports, "n_errors": n_errors,
                              "n_paragraphs": sum(g["__n__"] for g in by_year.values())}])
    return {"overview": overview, "themes_by_year": prevalence(by_year, "year"),
            "themes_by_level": prevalence(by_level, "level"), "identity_failures": failures,
            "count_categories": cats}
