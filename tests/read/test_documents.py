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
from gknlp.read.pdf import read_pdf
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


SEED_CASES = [pytest.param(seed, kind, layout, fmt, id=f"{kind}-{seed}")
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


WORD_KINDS = [("pdf", "pdf_lines", "pdf"), ("doc", "doc", "doc"), ("wps", "doc", "wps"), ("docx", "delimited", "docx")]


@pytest.mark.corpus
@pytest.mark.parametrize(("kind", "layout", "fmt"), WORD_KINDS, ids=[k for k, _, _ in WORD_KINDS])
def test_read_word_report_matches_its_page(word_documents, kind: str, layout: str, fmt: str) -> None:
    """Reports written the way offices write them (bench/make_documents.py ``WORD_VARIANTS``):
    16 pt justified text in short runs with extra character spacing, a narrow label column
    (labels wrapped over two or three lines), tables over several pages with and without a
    repeated header (rows and merged labels cut by the breaks), a landscape section, a
    right-aligned signature and date, a label typo, a total that does not add up. Exported
    by LibreOffice Writer (borders stroked; Chromium's prints of the same pages draw every border as a
    thin filled rectangle, the way Word's own export does). Every cell, the
    sections and every paragraph (whitespace aside) are those of the page the document says;
    where its identities break, the same checks fail."""
    variants = {f: v for f in ("repeat_header", "landscape", "typo", "broken_total")
                for v in [sum(getattr(files["variant"], f) for files in word_documents.values())]}
    assert len(word_documents) >= 5 and all(variants.values()), variants
    for name, files in sorted(word_documents.items()):
        got = _same_report(files["source"], files[kind], layout, fmt, trailing_chrome=False)
        want = extract(files["source"], themes=False, counts=False)
        assert _paragraphs(got, "other") == _paragraphs(want, "other")
        assert got.failed_checks() == want.failed_checks()
        if files["variant"].broken_total:
            assert {c["rule"] for c in got.failed_checks()} >= {"R1", "R3"}


@pytest.mark.corpus
def test_read_pdf_landscape_pages_printed_sideways(word_documents, maker, tmp_path: Path) -> None:
    """Landscape pages put sideways on portrait paper inside a form XObject and shown upright by
    /Rotate: the text runs up the page. Read in the page's upright frame, every cell and
    paragraph is still the page's."""
    import pypdfium2 as pdfium

    done = 0
    for name, files in sorted(word_documents.items()):
        if not files["variant"].landscape:
            continue
        pdf = maker.sideways_pdf(files["pdf"], tmp_path / f"{name}.pdf")
        assert 90 in {page.get_rotation() for page in pdfium.PdfDocument(pdf)}
        _same_report(files["source"], pdf, "pdf_lines", "pdf", trailing_chrome=False)
        done += 1
    assert done >= 2


@pytest.mark.corpus
def test_read_pdf_font_without_unicode_map_needs_ocr(word_documents, maker, tmp_path: Path) -> None:
    """Fonts that map to no Unicode give glyph numbers as text: that is no text layer (OCR or
    a needs_ocr error), never garbage given as the report."""
    files = next(iter(word_documents.values()))
    pdf = maker.without_unicode_maps(files["pdf"], tmp_path / "no-unicode.pdf")
    got = read_pdf(pdf.read_bytes())
    assert got.needs_ocr and got.text == "" and got.ocr_pages == list(range(got.pages))


@pytest.mark.corpus
def test_read_pdf_scanned_page_among_printed_ones(word_documents, maker, tmp_path: Path) -> None:
    """A page that is only an image, among pages with text: without OCR, a needs_ocr warning
    names it and the rest is read (every table cell of the other pages right)."""
    files = next(iter(word_documents.values()))
    pdf = maker.scanned_pages(files["pdf"], tmp_path / "mixed.pdf", [1])
    got = read_pdf(pdf.read_bytes())  # no OCR given
    assert not got.needs_ocr and got.ocr_pages == [1]
    assert [w.code for w in got.warnings] == ["needs_ocr"] and "pages 2 " in got.warnings[0].message
    whole = read_pdf(files["pdf"].read_bytes()).text
    assert len(got.text) < len(whole) - 200 and got.text.split("\n")[:2] == whole.split("\n")[:2]
    rows = [ln for ln in whole.split("\n") if "\t" in ln]
    assert rows and [ln for ln in got.text.split("\n") if "\t" in ln] == rows


@pytest.mark.corpus
def test_read_pdf_scanned_page_with_a_stamp_in_text(word_documents, maker, tmp_path: Path) -> None:
    """A scanned page that a scanner or a publishing system stamped with a line of text (over the
    image, more than a page number) is still a scan: with OCR it is OCR'd (tests/read/test_ocr.py);
    without, its few words are kept (it may be a signature over a background image) and a
    needs_ocr warning names it, rather than passing for a page of 40 characters."""
    files = next(iter(word_documents.values()))
    stamp = "Scanned copy - Page 2 - certified 2022-01-15"
    pdf = maker.scanned_pages(files["pdf"], tmp_path / "stamped.pdf", [1], stamp=stamp)
    import pypdfium2 as pdfium

    assert stamp in pdfium.PdfDocument(pdf.read_bytes())[1].get_textpage().get_text_range()
    got = read_pdf(pdf.read_bytes())
    assert got.ocr_pages == [] and [w.code for w in got.warnings] == ["needs_ocr"]
    assert "pages 2 look scanned" in got.warnings[0].message and stamp in got.text
    printed = read_pdf(files["pdf"].read_bytes())
    assert printed.ocr_pages == [] and printed.warnings == []


@pytest.mark.corpus
@pytest.mark.parametrize("mode", ["-layout", "-raw", ""], ids=["layout", "raw", "reading-order"])
def test_pdftotext_output_gives_no_wrong_cell(word_documents, tmp_path: Path, mode: str) -> None:
    """Text a researcher made with poppler's pdftotext from a Word-made PDF (columns set apart
    by spaces with labels wrapped over several lines, or the page's text in reading order):
    not one cell differs from the HTML's. Where the text cannot prove a cell (a number the
    PDF's letter-spacing broke, ``1690. 9913``, ``12 6``; a row with a value too many) it is
    null. Floors: the cells read right at the time of writing (-raw 966 of 994, -layout 392;
    the default reading order, which sets a table's columns one after another, 4)."""
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("needs pdftotext (apt: poppler-utils; .ci/run installs it)")
    right = wrong = 0
    for name, files in sorted(word_documents.items()):
        text = tmp_path / f"{name}.txt"
        subprocess.run(["pdftotext", *filter(None, [mode]), str(files["pdf"]), str(text)], check=True, timeout=120)
        want, got = _cells(extract(files["source"], themes=False, counts=False)), \
            _cells(extract(text, themes=False, counts=False))
        right += sum(got.get(k) == v and v is not None for k, v in want.items())
        wrong += sum(got.get(k) is not None and got[k] != v for k, v in want.items())
    assert wrong == 0
    assert right >= {"-raw": 960, "-layout": 385, "": 3}[mode]


@pytest.mark.corpus
def test_read_doc_with_text_in_pieces(word_documents, maker, tmp_path: Path) -> None:
    """A .doc whose text lies in several pieces, one of them 8-bit (fast save, compressed
    text): the same text and cells as the one-piece file LibreOffice wrote, as .doc and .wps."""
    from gknlp.read.doc import doc_to_text

    for name, files in sorted(word_documents.items())[:2]:
        pieced = maker.doc_in_pieces(files["doc"], tmp_path / f"{name}.doc")
        assert doc_to_text(pieced.read_bytes()) == doc_to_text(files["doc"].read_bytes())
        _same_report(files["source"], pieced, "doc", "doc", trailing_chrome=False)
        wps = pieced.with_suffix(".wps")
        wps.write_bytes(pieced.read_bytes())
        _same_report(files["source"], wps, "doc", "wps", trailing_chrome=False)


def test_read_pdf_text_layout_without_ruling_lines(borderless_documents) -> None:
    """Tables printed without lines: columns from the gaps between words (``pdf_text``), the
    lines of a wrapped label joined to their row by their column and spacing. Weaker than
    ruled tables: blank cells (which leave no gap) cost cells; the floors hold the figures
    measured (941 right, 51 null, 0 wrong of 992; 905/87/0 before table 四's stacked header
    (行政 / 复议 on lines of their own) was found and a value set against its label (事项0) read,
    802/190/0 before the wrapped labels were joined)."""
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
    assert right >= 940 and wrong == 0


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
