"""PDF, .docx and .doc made from the development split give the JSON of the same HTML page.

The documents are made at test time (tests/read/conftest.py, bench/make_documents.py): the
development-split pages of corpus/html printed by headless Chromium and converted by
LibreOffice; the seeds rendered by LibreOffice. For each: every table cell equals the HTML
extraction's, the six sections are found, and the narrative paragraphs join into the same
text apart from whitespace.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gknlp.pipeline import extract
from gknlp.report.sections import SECTION_KEYS
from gknlp.types import Report

_WS = re.compile(r"\s+")


def _cells(report: Report) -> dict[str, object]:
    return {f"{t}.{row}.{col}": v for t, rows in report.tables.items() for row, cols in (rows or {}).items()
            for col, v in cols.items()}


def _narrative(report: Report, section: str, drop: str = "") -> str:
    text = _WS.sub("", "".join(p["text"] for p in report.paragraphs if p["section"] == section))
    return text.translate(str.maketrans("", "", drop))


def _paragraphs(report: Report, section: str) -> list[str]:
    return [_WS.sub("", p["text"]) for p in report.paragraphs if p["section"] == section]


def _same_report(source: Path, document: Path, layout: str, fmt: str, *, trailing_chrome: bool,
                 paragraphs: bool = True, drop: str = "") -> Report:
    want = extract(source, themes=False, counts=False)
    got = extract(document, themes=False, counts=False)
    assert got.error is None, got.error
    assert got.source["format"] == fmt
    cells = _cells(want)
    assert len(cells) >= 150
    assert _cells(got) == cells
    assert [k for k in SECTION_KEYS if got.sections.get(k) is None] == []
    assert {info["layout"] for info in got.table_info.values()} == {layout}
    for section in ("overall", "problems"):
        assert _narrative(got, section, drop) == _narrative(want, section, drop)
        if paragraphs:
            assert _paragraphs(got, section) == _paragraphs(want, section)
    # A printed web page keeps the site's footer (links, QR-code box) after the report; the
    # HTML reader drops it by its markup, so there only the report's own text must match: the
    # first paragraph of the last section (the signature and the footer follow it).
    other_want, other_got = _narrative(want, "other"), _narrative(got, "other")
    if trailing_chrome:
        first = next(_WS.sub("", p["text"]) for p in want.paragraphs if p["section"] == "other")
        assert other_got.startswith(first)
    else:
        assert other_got == other_want
    return got


SEEDS = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "gknlp" / "data" / "samples").glob("*.txt"))


_SIGNATURE_JOINED = pytest.mark.xfail(strict=True, reason="known: the right-aligned signature after the last "
                                      "paragraph is joined to it in LibreOffice's PDF of seed 001")
SEED_CASES = [pytest.param(seed, kind, layout, fmt, id=f"{kind}-{seed}",
                           marks=[_SIGNATURE_JOINED] if (seed, kind) == ("001_e5b1ce5c85f07eb5", "pdf") else [])
              for seed in SEEDS for kind, layout, fmt in [("pdf", "pdf_lines", "pdf"), ("doc", "doc", "doc")]]


@pytest.mark.parametrize(("seed", "kind", "layout", "fmt"), SEED_CASES)
def test_read_seed_document_matches_html(seed_documents, seed: str, kind: str, layout: str, fmt: str) -> None:
    files = seed_documents[f"seed-{seed}"]
    got = _same_report(files["source"], files[kind], layout, fmt, trailing_chrome=False)
    want = extract(files["source"], themes=False, counts=False)
    # No page chrome in a seed: the paragraphs themselves are the same, one for one.
    assert [_WS.sub("", p["text"]) for p in got.paragraphs] == [_WS.sub("", p["text"]) for p in want.paragraphs]


@pytest.mark.corpus
@pytest.mark.parametrize(("kind", "layout", "fmt"),
                         [("pdf", "pdf_lines", "pdf"), ("docx", "delimited", "docx"), ("doc", "doc", "doc")])
def test_read_page_document_matches_html(page_documents, kind: str, layout: str, fmt: str) -> None:
    assert len(page_documents) >= 5
    for name, files in sorted(page_documents.items()):
        _same_report(files["source"], files[kind], layout, fmt, trailing_chrome=True)


@pytest.mark.corpus
def test_read_page_printed_by_writer_matches_html(page_documents) -> None:
    """The pages' .docx printed by LibreOffice Writer: another producer (rows cut by page breaks
    and closed on both pages, underlines drawn as thin rectangles). Tables, sections and text
    must match; paragraph breaks are not asserted here (Writer's spacing after the .docx import
    does not mark every paragraph). Writer leaves a 、，。 that falls at the end of a line out of the
    PDF altogether (pdftotext does not find it either), so such marks are set aside here."""
    for name, files in sorted(page_documents.items()):
        _same_report(files["source"], files["word_pdf"], "pdf_lines", "pdf", trailing_chrome=True,
                     paragraphs=False, drop="、，。；：")


def test_read_pdf_text_layout_without_ruling_lines(borderless_documents) -> None:
    """Tables printed without lines: columns from the gaps between words (``pdf_text``). Weaker
    than ruled tables: wrapped labels and blank cells (which leave no gap) cost cells; the floors
    hold the figures measured with the table engine of issue 14, which leaves a row null when the
    layout does not prove its columns (802 right, 190 null, 0 wrong of 992; 839/139/14 before)."""
    right = null = wrong = 0
    for source, pdf in borderless_documents.items():
        want, got = extract(source, themes=False, counts=False), extract(pdf, themes=False, counts=False)
        assert {info["layout"] for info in got.table_info.values()} <= {"pdf_text", "absent"}
        have = _cells(got)
        for key, value in _cells(want).items():
            seen = have.get(key)
            right += seen == value
            null += seen is None and value is not None
            wrong += seen is not None and seen != value
    total = right + null + wrong
    assert total >= 950
    assert right / total >= 0.80 and wrong == 0


@pytest.mark.corpus
def test_read_pdf_drops_running_header_and_footer(page_documents) -> None:
    """Chromium prints the date and title on top of every page, the address and `n/m` below."""
    files = next(iter(page_documents.values()))
    text = extract(files["pdf"], themes=False, counts=False).text
    assert "file://" not in text
    assert not re.search(r"^\d{1,3}/\d{1,3}$", text, re.M)


def test_read_wps_is_read_as_the_word_binary_it_is(seed_documents, tmp_path: Path) -> None:
    """WPS 文字 writes .wps in the Word 97 binary format: the same reader, `source.format` wps."""
    files = seed_documents["seed-000_f6f884fffa850788"]
    wps = tmp_path / "report.wps"
    wps.write_bytes(files["doc"].read_bytes())
    got, want = extract(wps, themes=False, counts=False), extract(files["doc"], themes=False, counts=False)
    assert got.source["format"] == "wps"
    assert got.tables == want.tables and len(_cells(got)) >= 150


DAMAGED_KINDS = (["transposed"], ["label_wrap"], ["sub_tables"], ["header_repeated"], ["label_typo"], ["broken_total"])


@pytest.fixture(scope="session")
def damaged_documents(tmp_path_factory: pytest.TempPathFactory, maker) -> list[tuple[dict, dict[str, Path], list]]:
    """Damaged tables (tests/render.py) in HTML pages, converted to .docx and PDF by LibreOffice:
    the transposed tables, wrapped and misspelt labels, sub-tables, repeated headers and
    misprinted totals as Word and PDF cell grids."""
    import random
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from render import damaged_report, random_tables

    if maker.missing_tools(("pdf", "docx")):
        pytest.skip("needs LibreOffice (apt: libreoffice-writer-nogui; .ci/run installs it)")
    out = tmp_path_factory.mktemp("damaged-documents")
    cases, pages = [], []
    for i in range(12):
        rng = random.Random(f"doc{i}")
        template = rng.choice(["2019", "2021"])
        kinds = DAMAGED_KINDS[i % len(DAMAGED_KINDS)]
        tables = random_tables(rng, template)
        text, _ = damaged_report(tables, template, "html", kinds, rng)
        page = out / f"damaged-{i}.html"
        page.write_text(text, encoding="utf-8")
        pages.append(page)
        cases.append((tables, kinds))
    made = {kind: maker.soffice_convert(pages, kind, out) for kind in ("docx", "pdf")}
    return [(tables, {kind: files[i] for kind, files in made.items()}, kinds)
            for i, (tables, kinds) in enumerate(cases)]


@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_read_damaged_tables_in_word_and_pdf_grids(damaged_documents, kind: str) -> None:
    """No wrong value is certain and every null is flagged; the docx grids lose no cell."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from render import score_report

    total = {"exact": 0, "flagged": 0, "unflagged": 0, "wrong": 0}
    for tables, files, kinds in damaged_documents:
        s = score_report(extract(files[kind], themes=False, counts=False), tables)
        assert s["wrong"] == 0 and s["unflagged"] == 0, (files[kind].name, kinds, s)
        for k, v in s.items():
            total[k] += v
    if kind == "docx":
        assert total["flagged"] == 0
    assert total["exact"] / sum(total.values()) > 0.85
