"""Exports: xlsx (streamed, one sheet per table, frozen header, Chinese notes), results files in every
shape `gknlp extract` writes, and the summary in machine-readable forms."""

from __future__ import annotations

import json
import re
import tracemalloc
from pathlib import Path

import pytest

from gknlp.export import (
    ResultsError,
    column_note,
    read_records,
    summary,
    summary_long,
    summary_records,
    tidy_tables,
    write_xlsx,
)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "gknlp" / "data" / "samples"
openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture(scope="module")
def seed_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gknlp.batch import run_batch

    out = tmp_path_factory.mktemp("seeds") / "out.jsonl"
    run_batch([SEEDS], out, jobs=1, opts={"themes": False})
    return out


def _many(src: Path, dest: Path, n: int) -> Path:
    """n records: the seeds repeated, each with its own report id."""
    records = [json.loads(x) for x in src.read_text(encoding="utf-8").splitlines()]
    with dest.open("w", encoding="utf-8") as fh:
        for i in range(n):
            rec = records[i % len(records)]
            rec["source"]["sha256"] = f"{i:064x}"
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return dest


def test_export_xlsx_sheets_header_notes_and_values(seed_results: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    rows = write_xlsx(seed_results, out)
    tables = tidy_tables(read_records(seed_results))
    assert rows == {name: len(df) for name, df in tables.items()}
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["reports", "paragraphs", "counts"]
    for name, df in tables.items():
        ws = book[name]
        assert ws.freeze_panes == "A2"
        header = [c.value for c in ws[1]]
        assert header == list(df.columns)
        assert ws.max_row == len(df) + 1
    ws = book["reports"]
    header = [c.value for c in ws[1]]
    j = header.index("requests.new.total")
    assert ws.cell(1, j + 1).comment.text.startswith("收到和处理政府信息公开申请情况：本年新收")
    assert ws.cell(1, header.index("report_id") + 1).comment.text.startswith("报告编号")
    # the values are the JSON's: the 安宁市 report (seed 004)
    rec = next(r for r in read_records(seed_results) if r["source"]["path"].endswith("004_0494dfef68de25df.txt"))
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == rec["source"]["sha256"])
    assert row[header.index("proactive.procurement.amount_wan_yuan")] == pytest.approx(1732.633648)
    assert row[header.index("issuer")] == "安宁市人民政府"
    assert row[header.index("requests.new.total")] == rec["tables"]["requests"]["new"]["total"]


def test_export_xlsx_continues_past_the_row_limit(seed_results: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    write_xlsx(seed_results, out, max_rows=11)  # header + 10 rows a sheet
    book = openpyxl.load_workbook(out, read_only=True)
    parts = [n for n in book.sheetnames if n.startswith("paragraphs")]
    n_paragraphs = len(tidy_tables(read_records(seed_results))["paragraphs"])
    assert len(parts) == -(-n_paragraphs // 10)
    assert sum(book[n].max_row - 1 for n in parts) == n_paragraphs


def test_export_xlsx_memory_stays_flat(seed_results: Path, tmp_path: Path) -> None:
    """Peak Python memory writing 400 reports is about that of 100 (streaming), not four times it."""  # noqa: D401
    peaks = []
    for n in (100, 400):
        src = _many(seed_results, tmp_path / f"in{n}.jsonl", n)
        tracemalloc.start()
        write_xlsx(src, tmp_path / f"out{n}.xlsx")
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 1.3 * peaks[0], peaks
    book = openpyxl.load_workbook(tmp_path / "out400.xlsx", read_only=True)
    assert book["reports"].max_row == 401


def test_export_column_notes() -> None:
    assert column_note("proactive.rules.made") == "主动公开政府信息情况：规章｜本年新制作数量"
    assert column_note("appeals.review.corrected") == "政府信息公开行政复议、行政诉讼情况：行政复议｜结果纠正"
    assert column_note("requests.denied_state_secret.other_org") == "收到和处理政府信息公开申请情况：属于国家秘密｜其他"
    assert column_note("score.platform") == "主题分类器给出的概率：platform"
    assert column_note("no_such_column") is None


def test_export_reads_a_pretty_single_document_and_an_array(seed_results: Path, tmp_path: Path) -> None:
    records = list(read_records(seed_results))
    one = tmp_path / "one.json"
    one.write_text(json.dumps(records[0], ensure_ascii=False, indent=2), encoding="utf-8")
    assert list(read_records(one)) == records[:1]
    arr = tmp_path / "all.json"
    arr.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    assert list(read_records(arr)) == records


@pytest.mark.parametrize("content, message", [
    (None, "no such file"),
    (b"", "empty file"),
    (b"  \n\n", "empty file"),
    ("report_id,year\nab,2020\n".encode(), "a CSV or text file"),
    ("本年度报告\n".encode(), "not JSON"),
    (b'{"source": {}}\n{oops\n', "line 2 is not JSON"),
    (b'{"a": 1}\n', "line 1 is not a gknlp record"),
    (b'[1, 2]', "record 1 is not a gknlp record"),
    (b'{\n  "source": {},\n  "meta": \n', "not valid JSON"),
], ids=["missing", "empty", "blank", "csv", "text", "bad-line", "not-a-record", "array-of-numbers", "truncated"])
def test_export_bad_results_file_is_a_clear_error(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "results.jsonl"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ResultsError, match=message):
        list(read_records(path))


def test_export_summary_json_and_long_csv(seed_results: Path) -> None:
    tables = summary(read_records(seed_results))
    as_json = summary_records(tables)
    json.dumps(as_json)  # plain JSON values only
    assert as_json["overview"] == [{"n_reports": 5, "n_errors": 0, "n_paragraphs": 0}]
    fails = {r["rule"]: r for r in as_json["identity_failures"]}
    assert fails["R1"]["n_reports"] == 5
    long = summary_long(tables)
    assert list(long.columns) == ["table", "row", "column", "value"]
    r1 = long[(long["table"] == "identity_failures") & (long["row"] == "R1") & (long["column"] == "n_reports")]
    assert r1["value"].tolist() == [5]
    assert long[long["table"] == "overview"]["row"].unique().tolist() == ["all"]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_streaming_equals_the_tables_in_memory(seed_results: Path, tmp_path: Path, fmt: str) -> None:
    import pandas as pd

    from gknlp.export import write_streaming

    rows = write_streaming(seed_results, tmp_path, fmt, chunk_cells=300)  # several parquet row groups
    tables = tidy_tables(read_records(seed_results))
    assert rows == {name: len(df) for name, df in tables.items()}
    for name, df in tables.items():
        path = tmp_path / f"{name}.{fmt}"
        back = pd.read_csv(path, encoding="utf-8-sig") if fmt == "csv" else pd.read_parquet(path)
        assert list(back.columns) == list(df.columns)
        for col in df.columns:
            want, got = df[col].tolist(), back[col].tolist()
            for w, g in zip(want, got):
                if pd.isna(w) or w == "":  # an empty cell reads back as blank (CSV) or null
                    assert pd.isna(g) or g == "", (name, col)
                elif isinstance(w, (int, float)) and not isinstance(w, bool):
                    assert float(g) == pytest.approx(float(w)), (name, col)
                else:
                    assert str(g) == str(w), (name, col)
    if fmt == "csv":
        assert (tmp_path / "reports.csv").read_bytes().startswith(b"\xef\xbb\xbf")
        line = (tmp_path / "reports.csv").read_text(encoding="utf-8-sig").splitlines()[1]
        assert not re.search(r",\d+\.0,", line)  # integers stay integers, also in a column with blanks


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_streaming_memory_stays_flat(seed_results: Path, tmp_path: Path, fmt: str) -> None:
    from gknlp.export import write_streaming

    peaks = []
    for n in (300, 1200):
        src = _many(seed_results, tmp_path / f"in{n}.jsonl", n)
        tracemalloc.start()
        write_streaming(src, tmp_path / f"out{n}", fmt, chunk_cells=20_000)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 1.3 * peaks[0], peaks
