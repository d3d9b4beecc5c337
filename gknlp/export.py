"""Tidy tables from `gknlp extract` JSON Lines, for pandas, Excel, R or Stata users.

The nested JSON (one document per report) is flattened into three long tables that join
on `report_id` (the source's sha256): `reports`, `paragraphs` and `counts`. Everything here
is a pure function over an iterable of records, read once, so a large results file is
streamed rather than held twice. pandas is imported inside the functions: importing
gknlp must stay light.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import orjson

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["read_records", "tidy_tables", "write_tables", "write_xlsx", "write_streaming", "summary", "summary_records",
           "summary_long", "column_note", "plain_value", "ResultsError", "REPORT_FIELDS", "PARAGRAPH_FIELDS", "COUNT_FIELDS",
           "TABLE_NAMES"]

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


class ResultsError(ValueError):
    """A results file that is missing, empty or not gknlp output; the message says which and why."""


_MAX_DOCUMENT = 256 * 1024 * 1024
"""A single (pretty-printed) JSON document or array is read whole; beyond this size it must be JSON Lines."""


def _check_record(rec: Any, where: str, path: Path) -> dict[str, Any]:
    if not isinstance(rec, dict) or "source" not in rec:
        raise ResultsError(f"{path}: {where} is not a gknlp record (no `source`): "
                           "expected the output of `gknlp extract`")
    return rec


def read_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield the records of `gknlp extract` output one at a time.

    Accepts JSON Lines (``gknlp extract -o``; blank lines skipped), one pretty-printed JSON
    document (``gknlp extract report.txt > one.json``) or a JSON array of records. Raises
    :class:`ResultsError` with a readable message for a missing, empty or non-JSON file
    (a CSV, a report itself) or a line that is not a gknlp record.
    """
    path = Path(path)
    if not path.exists():
        raise ResultsError(f"{path}: no such file")
    if path.is_dir():
        raise ResultsError(f"{path}: is a directory; give the results file written by `gknlp extract -o`")
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise ResultsError(f"{path}: empty file (no records)")
    if head[:1] not in (b"{", b"["):
        kind = ("a CSV or text file" if b"," in head.split(b"\n", 1)[0] else "not JSON")
        raise ResultsError(f"{path}: {kind}; expected JSON Lines written by `gknlp extract -o` "
                           "(one JSON document per line)")
    if head[:1] == b"[" or _first_line_is_partial(path):
        if path.stat().st_size > _MAX_DOCUMENT:
            raise ResultsError(f"{path}: a single JSON document over {_MAX_DOCUMENT >> 20} MB; use JSON Lines")
        try:
            doc = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise ResultsError(f"{path}: not valid JSON ({exc})") from None
        for i, rec in enumerate(doc if isinstance(doc, list) else [doc], 1):
            yield _check_record(rec, f"record {i}", path)
        return
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    rec = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    raise ResultsError(f"{path}: line {n} is not JSON ({exc})") from None
                yield _check_record(rec, f"line {n}", path)


def _first_line_is_partial(path: Path) -> bool:
    """True for a pretty-printed document: its first line (``{``) is not a JSON value alone."""
    with path.open("rb") as fh:
        first = fh.readline().strip().lstrip(b"\xef\xbb\xbf")
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError:
        return True
    return False


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


# --- Excel ------------------------------------------------------------------------------------------------

XLSX_MAX_ROWS = 1_048_576
"""Excel's row limit: a longer table continues on a second sheet (`paragraphs_2`)."""
_XLSX_MAX_CHARS = 32_767


@cache
def _notes() -> dict[str, Any]:
    from gknlp.data import load_toml

    return load_toml("export_columns.toml")


@cache
def _row_labels() -> dict[tuple[str, str], str]:
    """(table, row) → the printed Chinese row label, from the table templates."""
    from gknlp.tables.templates import proactive_templates, requests_template

    labels: dict[tuple[str, str], str] = {}
    for t in proactive_templates():
        for r in t.rows:
            labels.setdefault(("proactive", r.key), r.labels[0])
    for r in requests_template().rows:
        labels[("requests", r.key)] = r.labels[0]
    for key, label in _notes()["rows"]["appeals"].items():
        labels[("appeals", key)] = label
    return labels


def column_note(column: str) -> str | None:
    """The Chinese note for an export column (`requests.new.total` → 收到和处理…：本年新收…｜总计)."""
    notes = _notes()
    parts = column.split(".")
    if len(parts) == 3 and parts[0] in notes["tables"]:
        table, row, col = parts
        if table == "requests":
            from gknlp.tables.templates import requests_template

            col_label = next((c.labels[0] for c in requests_template().columns if c.key == col), col)
        else:
            col_label = notes["cell_columns"][table].get(col, col)
        row_label = _row_labels().get((table, row), row)
        return f"{notes['tables'][table]}：{row_label}｜{col_label}"
    if parts[0] == "score" and len(parts) == 2:
        return notes["columns"]["score"] + parts[1]
    return notes["columns"].get(column)


def _rows_of(rec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """A record's rows, as (table name, row) pairs, in table order."""
    rid = _report_id(rec)
    yield "reports", _report_row(rec)
    for p in rec.get("paragraphs") or []:
        yield "paragraphs", _paragraph_row(rid, p)
    for c in rec.get("counts") or []:
        yield "counts", _count_row(rid, c)


def _kind(v: Any) -> str:
    return "bool" if isinstance(v, bool) else "int" if isinstance(v, int) else (
        "float" if isinstance(v, float) else "str")


def _scan(records: Iterable[dict[str, Any]]) -> tuple[dict[str, list[str]], dict[str, dict[str, set[str]]], int]:
    """First pass: every table's columns in first-seen order (as `tidy_tables` orders them), the
    kinds of value each column holds, and the number of records; only names and kinds are kept,
    so memory does not grow with the file."""
    head = {"reports": (REPORT_FIELDS, REPORT_TAIL), "paragraphs": (PARAGRAPH_FIELDS, ("themes",)),
            "counts": (COUNT_FIELDS, ())}
    kinds: dict[str, dict[str, set[str]]] = {name: defaultdict(set) for name in TABLE_NAMES}
    n = 0
    for rec in records:
        n += 1
        for name, row in _rows_of(rec):
            seen = kinds[name]
            for col, v in row.items():
                if v is not None:
                    seen[col].add(_kind(v))
                elif col not in seen:
                    seen[col] = set()
    columns = {}
    for name, (first, last) in head.items():
        middle = [c for c in kinds[name] if c not in first and c not in last]
        columns[name] = [*first, *middle, *last]
    return columns, kinds, n


class _Sheet:
    """One table written row by row; continues on `<name>_2` past Excel's row limit."""

    def __init__(self, book: Any, name: str, columns: list[str], max_rows: int) -> None:
        self.book, self.name, self.columns, self.max_rows = book, name, columns, max_rows
        self.part = 0
        self.header = book.add_format({"bold": True, "bg_color": "#EEEEEE"})
        self._new_sheet()

    def _new_sheet(self) -> None:
        self.part += 1
        self.ws = self.book.add_worksheet(self.name if self.part == 1 else f"{self.name}_{self.part}")
        for j, col in enumerate(self.columns):
            self.ws.write_string(0, j, col, self.header)
            note = column_note(col)
            if note:
                self.ws.write_comment(0, j, note, {"x_scale": 2, "y_scale": 1.2})
            self.ws.set_column(j, j, 40 if col in ("text", "title", "path", "error_message") else 14)
        self.ws.freeze_panes(1, 0)
        self.row = 1

    def write(self, values: dict[str, Any]) -> None:
        if self.row >= self.max_rows:
            self._new_sheet()
        for j, col in enumerate(self.columns):
            v = values.get(col)
            if v is None or v != v:  # None or NaN: an empty cell
                continue
            if isinstance(v, bool):
                self.ws.write_boolean(self.row, j, v)
            elif isinstance(v, (int, float)):
                self.ws.write_number(self.row, j, v)
            else:
                self.ws.write_string(self.row, j, str(v)[:_XLSX_MAX_CHARS])
        self.row += 1


def write_xlsx(results: str | Path, out: str | Path, progress: Any = None,
               max_rows: int = XLSX_MAX_ROWS) -> dict[str, int]:
    """Write the three tidy tables of a results file as sheets of one .xlsx, streaming.

    Two passes over the file (columns first, then rows) and xlsxwriter's ``constant_memory``
    mode, which flushes each row to disk: memory stays flat whatever the number of reports.
    Each sheet has a bold frozen header whose cells carry the column's Chinese note.
    ``progress(done, total)`` is called after each record. Returns rows written per table.
    """
    import xlsxwriter

    columns, _, total = _scan(read_records(results))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(out), {"constant_memory": True, "strings_to_numbers": False,
                                          "strings_to_formulas": False, "strings_to_urls": False})
    try:
        sheets = {name: _Sheet(book, name, columns[name], max_rows) for name in TABLE_NAMES}
        rows = dict.fromkeys(TABLE_NAMES, 0)
        for done, rec in enumerate(read_records(results), 1):
            for name, row in _rows_of(rec):
                sheets[name].write(row)
                rows[name] += 1
            if progress is not None:
                progress(done, total)
    finally:
        book.close()
    return rows


def _csv_value(v: Any) -> Any:
    return "" if v is None else v


def _arrow_type(kinds: set[str]) -> Any:
    import pyarrow as pa

    if not kinds or kinds == {"str"} or "str" in kinds:
        return pa.string()
    if kinds == {"bool"}:
        return pa.bool_()
    if kinds <= {"int", "bool"}:
        return pa.int64()
    return pa.float64()


def _arrow_value(v: Any, typ: Any) -> Any:
    import pyarrow as pa

    if v is None:
        return None
    if typ == pa.string():
        return v if isinstance(v, str) else str(v)
    if typ == pa.float64():
        return float(v)
    return v


def write_streaming(results: str | Path, out_dir: str | Path, fmt: str = "csv", progress: Any = None,
                    chunk_cells: int = 200_000) -> dict[str, int]:
    """Write the three tidy tables of a results file as ``<name>.csv`` (UTF-8 with BOM) or
    ``<name>.parquet`` without holding them: two passes over the file (columns and their kinds,
    then rows), rows written as they come (csv) or a row group of about ``chunk_cells`` cells at a
    time (parquet: 500 rows of the wide `reports` table, 20,000 paragraphs; the schema fixed by the
    first pass). ``gknlp export`` uses this; :func:`tidy_tables`
    gives the same tables in memory. Returns rows written per table."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"unknown format {fmt!r}: use csv or parquet")
    import csv

    columns, kinds, total = _scan(read_records(results))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = dict.fromkeys(TABLE_NAMES, 0)
    if fmt == "csv":
        handles = {name: (out / f"{name}.csv").open("w", encoding="utf-8-sig", newline="") for name in TABLE_NAMES}
        try:
            writers = {name: csv.writer(fh) for name, fh in handles.items()}
            for name in TABLE_NAMES:
                writers[name].writerow(columns[name])
            for done, rec in enumerate(read_records(results), 1):
                for name, row in _rows_of(rec):
                    writers[name].writerow([_csv_value(row.get(c)) for c in columns[name]])
                    rows[name] += 1
                if progress is not None:
                    progress(done, total)
        finally:
            for fh in handles.values():
                fh.close()
        return rows
    import pyarrow as pa
    import pyarrow.parquet as pq

    schemas = {name: pa.schema([(c, _arrow_type(kinds[name].get(c, set()))) for c in columns[name]])
               for name in TABLE_NAMES}
    pending: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLE_NAMES}
    group_rows = {name: max(1, chunk_cells // max(1, len(columns[name]))) for name in TABLE_NAMES}
    parquet_writers = {name: pq.ParquetWriter(str(out / f"{name}.parquet"), schemas[name]) for name in TABLE_NAMES}

    def flush(name: str) -> None:
        schema = schemas[name]
        data = {f.name: [_arrow_value(r.get(f.name), f.type) for r in pending[name]] for f in schema}
        parquet_writers[name].write_table(pa.Table.from_pydict(data, schema=schema))
        pending[name].clear()

    try:
        for done, rec in enumerate(read_records(results), 1):
            for name, row in _rows_of(rec):
                pending[name].append(row)
                rows[name] += 1
                if len(pending[name]) >= group_rows[name]:
                    flush(name)
            if progress is not None:
                progress(done, total)
        for name in TABLE_NAMES:
            if pending[name] or rows[name] == 0:
                flush(name)
    finally:
        for w in parquet_writers.values():
            w.close()
    return rows


# --- summary in machine-readable forms --------------------------------------------------------------------


def plain_value(v: Any) -> Any:
    """A pandas/numpy scalar as a JSON value (NaN and NA → None)."""
    import pandas as pd

    if v is None or (not isinstance(v, (list, dict, str)) and pd.isna(v)):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def summary_records(tables: dict[str, "pd.DataFrame"]) -> dict[str, list[dict[str, Any]]]:
    """`summary`'s tables as JSON-ready lists of row objects (`gknlp summary --format json`)."""
    return {name: [{str(k): plain_value(v) for k, v in row.items()} for row in df.to_dict(orient="records")]
            for name, df in tables.items()}


def summary_long(tables: dict[str, "pd.DataFrame"]) -> "pd.DataFrame":
    """`summary`'s tables as one tidy frame `table, row, column, value` (`--format csv`): each table's
    first column names the row (the year, level, rule or category; `all` for the overview)."""
    import pandas as pd

    rows = []
    for name, df in tables.items():
        key = None if name == "overview" else df.columns[0]
        for rec in df.to_dict(orient="records"):
            label = "all" if key is None else plain_value(rec[key])
            for col, v in rec.items():
                if col != key:
                    rows.append({"table": name, "row": label, "column": str(col), "value": plain_value(v)})
    return pd.DataFrame(rows, columns=["table", "row", "column", "value"], dtype=object)
