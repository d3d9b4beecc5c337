"""The readers of published formats: dispatch, hard-wrapped text, UTF-16, .doc, and bad input."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from handmade_pdf import text_pages

from gknlp.pipeline import extract
from gknlp.read import read_bytes
from gknlp.read.files import format_of
from gknlp.read.text import utf16_of
from gknlp.text.unwrap import (
    PAGE_MARK,
    PRINTED_LINE_MAX,
    display_width,
    ends_paragraph,
    join_lines,
    joiner,
    looks_hard_wrapped,
    starts_heading,
    unwrap_text,
)

SAMPLES = Path(__file__).resolve().parents[2] / "gknlp" / "data" / "samples"
SEED = SAMPLES / "000_f6f884fffa850788.txt"


@pytest.mark.parametrize(("name", "head", "fmt"), [
    ("a.pdf", b"%PDF-1.7\n", "pdf"),
    ("a.bin", b"%PDF-1.4\n", "pdf"),
    ("a.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(8), "doc"),
    ("a.wps", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(8), "wps"),
    ("a.png", b"\x89PNG\r\n\x1a\n", "image"),
    ("scan", b"\xff\xd8\xff\xe0", "image"),
    ("a.txt", "一、总体情况".encode(), "txt"),
    # what the first bytes prove comes before the name (misnamed crawled attachments)
    ("a.doc", b"<html><body><p>x</p></body></html>", "html"),
    ("a.doc", b"{\\rtf1\\ansi\\ansicpg936 x}", "rtf"),
    ("a.rtf", b"\xef\xbb\xbf{\\rtf1 x}", "rtf"),
    ("a.pdf", b"<!DOCTYPE html><html><title>404</title>", "html"),
    ("a.doc", b"PK\x03\x04" + bytes(20), "docx"),
    ("a.md", b"<html>x</html>", "md"),
    ("a.txt", "PK大学".encode(), "txt"),
    ("a.doc", b"garbage", "doc"),
    ("a.doc", b'<?xml version="1.0"?><?mso-application progid="Word.Document"?><w:wordDocument>', "wordml"),
    ("a.xml", b'<?xml version="1.0"?><pkg:package xmlns:pkg="x">', "wordml"),
    ("a.html", b'<?xml version="1.0"?><html><body>', "html"),
    ("a.doc", b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="x"\r\n', "mht"),
    ("a.mht", b"From: <Saved by Windows Internet Explorer>\r\nContent-Type: text/html\r\n", "mht"),
    ("a.txt", "From: 县政府办公室\n一、总体情况".encode(), "txt"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_files_format_by_magic_or_suffix(name: str, head: bytes, fmt: str) -> None:
    assert format_of(name, head) == fmt


def test_unwrap_joins_cjk_without_space_and_keeps_offsets() -> None:
    lines = ["本年度召开常务会议 7", "期，研究政务公开工作。", "二、主动公开情况", "word", "wrap"]
    out = join_lines(lines, [True, False, False, True])
    assert out.text == "本年度召开常务会议 7期，研究政务公开工作。\n二、主动公开情况\nword wrap"
    i = out.text.index("期")
    assert out.to_source(i) == len(lines[0]) + 1  # the 期 after the printed break
    j = out.text.index("wrap")
    src = "\n".join(lines)
    assert src[out.to_source(j):out.to_source(j) + 4] == "wrap"
    assert joiner("7", "期") == "" and joiner("abc", "def") == " "


@pytest.mark.parametrize(("line", "ends"), [("研究工作。", True), ("情况如下：", True), ("“很好。”", True),
                                            ("常务会议 7", False), ("主动公开", False)])
def test_unwrap_ends_paragraph(line: str, ends: bool) -> None:
    assert ends_paragraph(line) is ends


@pytest.mark.parametrize(("line", "heading"), [("一、总体情况", True), ("（二）主动公开", True), ("3. 行政复议", True),
                                               ("2020年，本局", False), ("一是加强领导", False)])
def test_unwrap_starts_heading(line: str, heading: bool) -> None:
    assert starts_heading(line) is heading


def _hard_wrap(text: str, width: int = 30) -> str:
    out = []
    for line in text.split("\n"):
        if "\t" in line or len(line) <= width:
            out.append(line)
        else:
            out += [line[i:i + width] for i in range(0, len(line), width)]
    return "\n".join(out)


def test_unwrap_text_rejoins_a_hard_wrapped_seed() -> None:
    """A seed broken at 30 characters (as pdftotext gives) reads back into its own paragraphs
    wherever a break fell before a sentence end; the same tables come out."""
    text = SEED.read_text(encoding="utf-8")
    wrapped = _hard_wrap(text)
    assert looks_hard_wrapped(text.split("\n")) is None  # one paragraph a line: left alone
    assert unwrap_text(text) is None
    out = unwrap_text(wrapped)
    assert out is not None
    rejoined = set(out.text.split("\n"))
    paragraphs = [p for p in text.split("\n") if len(p) > 30 and "\t" not in p
                  and not any(ends_paragraph(p[:k]) or starts_heading(p[k:]) for k in range(30, len(p), 30))]
    assert len(paragraphs) >= 3
    assert all(p in rejoined for p in paragraphs)
    want = extract(SEED, themes=False, counts=False)
    got = extract(SEED.name, themes=False, counts=False, data=wrapped.encode("utf-8"))
    assert got.tables == want.tables
    assert any((getattr(w, "code", None) or w["code"]) == "lines_joined" for w in got.warnings)
    doc = read_bytes(wrapped.encode("utf-8"), "wrapped.txt")
    assert doc.unwrapped is not None and doc.text == out.text
    for para in paragraphs:  # every joined paragraph maps back to where it starts in the file
        i = doc.text.index(para)
        assert wrapped[doc.unwrapped.to_source(i):].startswith(para[:30])


def _print_wrap(line: str, columns: int) -> list[str]:
    """A line broken as a printer breaks it: at a fixed display width (digits half a character)."""
    out, cur = [], ""
    for ch in line:
        if display_width(cur + ch) > columns:
            out.append(cur)
            cur = ""
        cur += ch
    return out + [cur]


def _as_pdf_markdown(text: str, columns: int = 56, page_lines: int = 23) -> str:
    """A seed as a PDF-to-Markdown tool writes it: paragraphs broken at the printed width with
    blank lines between them, tables as pipe rows, a page footer (— n —) every `page_lines` lines
    wherever it falls, also inside a paragraph."""
    lines: list[str] = []
    for para in text.split("\n"):
        if "\t" in para:
            lines.append("| " + " | ".join(para.split("\t")) + " |")
            continue
        lines += _print_wrap(para, columns) if para else []
        lines.append("")
    out = []
    for i, line in enumerate(lines, 1):
        out.append(line)
        if i % page_lines == 0:
            out.append(f"— {i // page_lines} —")
    return "\n".join(out)


def test_unwrap_measures_printed_width_and_joins_over_page_footers() -> None:
    """Markdown made from a PDF: a full line with digits in it has fewer characters than one of
    Chinese only, so the measure is the printed width; a paragraph runs on over a page footer;
    pipe rows stay rows. Every paragraph of the seed comes back whole, and every table cell."""
    text = SEED.read_text(encoding="utf-8")
    md = _as_pdf_markdown(text)
    assert any(PAGE_MARK.fullmatch(line) for line in md.split("\n"))
    full = [line for line in md.split("\n") if display_width(line) >= 54 and not line.startswith("|")]
    assert len({len(line) for line in full}) >= 3  # character counts of full lines vary
    out = unwrap_text(md)
    assert out is not None
    rejoined = set(out.text.split("\n"))
    def breaks_cleanly(para: str) -> bool:  # no printed break after a sentence end or before a heading
        pieces = _print_wrap(para, 56)
        return not any(ends_paragraph(a) or starts_heading(b) for a, b in zip(pieces, pieces[1:]))

    paragraphs = [p for p in text.split("\n") if "\t" not in p and display_width(p) > 56 and breaks_cleanly(p)]
    assert len(paragraphs) >= 10
    assert [p for p in paragraphs if p not in rejoined] == []
    assert not any(PAGE_MARK.fullmatch(line) for line in out.text.split("\n"))
    assert all(line in rejoined for line in md.split("\n") if line.startswith("|"))
    want = extract(SEED, themes=False, counts=False)
    got = extract("report.md", themes=False, counts=False, data=md.encode("utf-8"))
    assert got.tables == want.tables
    def squeezed(paragraphs: list) -> list[str]:  # the Markdown has a blank line after each line
        return ["".join(p["text"].split()) for p in paragraphs]

    assert squeezed(got.paragraphs) == squeezed(want.paragraphs)
    doc = read_bytes(md.encode("utf-8"), "report.md")
    assert doc.unwrapped is not None
    for para in paragraphs[:5]:  # a joined paragraph maps back to where it starts in the file
        i = doc.text.index(para)
        assert md[doc.unwrapped.to_source(i):].startswith(para[:20])


def test_unwrap_never_joins_a_signature_or_date() -> None:
    """A last line that nearly fills the measure and drops its final mark is not joined to the
    signature and date under it (short lines with no sentence mark)."""
    text = SEED.read_text(encoding="utf-8").rstrip()
    closing = ["本年度未收取信息处理费，无其他需要报告的事项，特此报告请审阅", "重庆市云阳县大坪乡人民政府", "2021年1月20日"]
    lines = [piece for para in text.split("\n") + closing
             for piece in ([para] if "\t" in para or not para else _print_wrap(para, 66))]
    out = unwrap_text("\n".join(lines))
    assert out is not None
    assert out.text.split("\n")[-3:] == closing


def test_unwrap_measures_only_lines_a_page_can_print() -> None:
    """Lines over PRINTED_LINE_MAX characters count as longer than any measure: text wrapped at
    200 characters is hard-wrapped, at 201 it is not; a long line among printed ones is longer."""
    at_max = ["数" * PRINTED_LINE_MAX] * 9 + ["数" * 50]
    assert looks_hard_wrapped(at_max) == PRINTED_LINE_MAX
    assert looks_hard_wrapped(["数" * (PRINTED_LINE_MAX + 1)] * 9 + ["数" * 50]) is None
    printed = ["数" * 40] * 12 + ["数" * (PRINTED_LINE_MAX + 1)] * 4   # 4 <= 12 // 3: still wrapped at 40
    assert looks_hard_wrapped(printed, display_width) == 80
    assert looks_hard_wrapped(printed + ["数" * (PRINTED_LINE_MAX + 1)], display_width) is None


def test_display_width_counts_every_character_as_unicodedata_does() -> None:
    """Every character of the BMP (and a sample beyond it, read another way) counts two columns
    exactly when its East Asian width is W, F or A: lines cut from all code points in turn."""
    import unicodedata

    chars = [chr(cp) for cp in [*range(0x10000), *range(0x10000, 0x110000, 251)]]
    for i in range(0, len(chars), 97):
        line = "".join(chars[i:i + 97]) + "中a"
        assert display_width(line) == sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in line)


def test_display_width_reads_a_hostile_line_in_one_pass() -> None:
    """A line holding thousands of distinct narrow characters (hostile input) is measured in
    one pass, not once per distinct character (that took 14 s on this line)."""
    import unicodedata

    narrow = "".join(ch for ch in map(chr, range(0x20, 0x3000)) if unicodedata.east_asian_width(ch) not in "WFA")
    line = (narrow * (1_000_000 // len(narrow) + 1))[:1_000_000] + "中文"
    assert display_width(line) == 1_000_000 + 4
    lines = ["数" * 40] * 24 + [line]
    text = "\n".join(lines)
    started = time.process_time()
    out = read_bytes(text.encode("utf-8"), "wrapped.txt")
    assert out.unwrapped is not None and time.process_time() - started < 2   # 0.2 s here; 6 s before


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_text_reads_utf16_with_or_without_bom(encoding: str) -> None:
    text = SEED.read_text(encoding="utf-8")
    doc = read_bytes(text.encode(encoding), "report.txt")
    assert doc.text == text
    assert doc.encoding in ("utf-16-le", "utf-16-be")
    assert utf16_of(bytes(range(256)) * 8) is None
    assert extract("r.txt", themes=False, counts=False, data=text.encode(encoding)).tables == extract(SEED, themes=False, counts=False).tables


# --- bad input: a clear error or warning, bounded time, never a traceback -------------------------

def _timed(name: str, data: bytes, limit: float = 20.0):
    start = time.perf_counter()
    report = extract(name, themes=False, counts=False, data=data)
    assert time.perf_counter() - start < limit
    return report


def test_bad_pdf_zero_pages() -> None:
    import pypdfium2 as pdfium

    blank = pdfium.PdfDocument.new()
    import io
    buf = io.BytesIO()
    blank.save(buf)
    assert _timed("empty.pdf", buf.getvalue()).error == {"type": "empty", "message": "the PDF has no pages"}
    hand_made = _timed("empty.pdf", text_pages([]))  # /Count 0: PDFium refuses to load it at all
    assert hand_made.error is not None and hand_made.error["type"] in ("empty", "unreadable")


@pytest.mark.parametrize("data", [b"%PDF-1.7\n" + bytes(range(256)) * 40, text_pages(["a"] * 3)[:300]],
                         ids=["garbage", "truncated"])
def test_bad_pdf_corrupt(data: bytes) -> None:
    report = _timed("broken.pdf", data)
    assert report.error is not None and report.error["type"] in ("unreadable", "needs_ocr", "no_text", "not_a_report")


def test_bad_pdf_500_pages_read_up_to_the_limit() -> None:
    from gknlp.read.pdf import MAX_PAGES

    report = _timed("long.pdf", text_pages([f"Section {chr(65 + i % 26)}{chr(65 + i // 26)} of a very long document" for i in range(500)]))
    assert report.error == {"type": "not_a_report",
                            "message": "no section heading and no standard table found: not an annual report"}
    doc = read_bytes(text_pages([f"Section {chr(65 + i % 26)}{chr(65 + i // 26)} of a very long document" for i in range(500)]), "long.pdf")
    assert any((getattr(w, "code", None) or w["code"]) == "pages_truncated" for w in doc.warnings)
    assert doc.text.count("Section") == MAX_PAGES


def test_bad_pdf_encrypted(tmp_path: Path) -> None:
    if shutil.which("soffice") is None:
        pytest.skip("needs soffice (apt: libreoffice-writer-nogui) to make an encrypted PDF")
    src = tmp_path / "secret.txt"
    src.write_text("一、总体情况\n机密。\n", encoding="utf-8")
    opts = ('pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
            '"DocumentOpenPassword":{"type":"string","value":"gknlp"}}')
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", opts, "--outdir", str(tmp_path), str(src)], check=True, timeout=180,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    report = _timed("secret.pdf", (tmp_path / "secret.pdf").read_bytes())
    assert report.error is not None and report.error["type"] == "encrypted"


def _cat_png() -> bytes:
    """A drawing of a cat (head, ears, eyes, whiskers): an image with no text."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("L", (400, 400), 255)
    d = ImageDraw.Draw(img)
    d.ellipse((80, 120, 320, 360), outline=0, width=6)
    d.polygon([(100, 180), (120, 60), (180, 130)], outline=0, width=6)
    d.polygon([(300, 180), (280, 60), (220, 130)], outline=0, width=6)
    d.ellipse((140, 200, 180, 240), fill=0)
    d.ellipse((220, 200, 260, 240), fill=0)
    for dy in (0, 15):
        d.line((60, 280 + dy, 170, 270), fill=0, width=3)
        d.line((230, 270, 340, 280 + dy), fill=0, width=3)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def test_bad_image_of_a_cat() -> None:
    pytest.importorskip("PIL")
    from gknlp.read.ocr import available

    report = _timed("cat.png", _cat_png(), limit=60)
    assert report.error is not None
    assert report.error["type"] in (("no_text", "not_a_report") if available() else ("needs_ocr",))


def test_bad_scan_without_ocr_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without gknlp[ocr], a PDF with no text layer is a needs_ocr error for that file."""
    import gknlp.read.ocr as ocr

    monkeypatch.setattr(ocr, "available", lambda: False)
    blank = text_pages([""] * 2)
    report = _timed("scan.pdf", blank)
    assert report.error is not None and report.error["type"] == "needs_ocr"
    assert "gknlp[ocr]" in report.error["message"]


@pytest.mark.parametrize("cut", [4096, 20000], ids=["header-only", "half"])
def test_bad_doc_truncated(seed_documents, cut: int) -> None:
    data = seed_documents["seed-000_f6f884fffa850788"]["doc"].read_bytes()
    report = _timed("broken.doc", data[:cut])
    assert report.error is not None and report.error["type"] in ("unreadable", "not_a_report")


def test_bad_doc_garbage_after_ole_magic() -> None:
    report = _timed("fake.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 64)
    assert report.error is not None and report.error["type"] == "unreadable"
