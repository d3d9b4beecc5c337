"""Make test documents from the development split: each report as PDF, .docx, .doc and scan.

Nothing made here is committed: the tests call :func:`make_documents` into a temporary
directory (a session fixture) and the speed bench into a cache directory.

- a development-split page of ``corpus/html/`` (report year 2022 or earlier, by its
  MANIFEST.tsv) is printed to PDF by headless Chromium, the way a browser user saves it
  (running header with date and title, footer with address and page ``n/m``);
- it is converted to ``.docx`` and ``.doc`` (Word 97) by LibreOffice, and that .docx printed to PDF
  by LibreOffice Writer (``word_pdf``: a second PDF producer, with Writer's table layout and page
  breaks);
- a seed (plain text: tab- or ``|``-separated table rows) becomes a small HTML page with ruled
  tables, rendered to PDF and ``.doc`` by LibreOffice;
- a PDF's pages are rasterised by ``pdftoppm`` and put back together as an image-only PDF
  (a scan: no text layer), for OCR;
- ``word`` documents: a development-split page's paragraphs and tables (values, merged cells)
  written as a Word file the way government offices write theirs (python-docx: 16 pt body in
  justified runs with extra character spacing, a narrow label column whose labels wrap over
  two or three lines, tables running over pages with or without a repeated header row, a
  landscape section, a right-aligned signature and date; some with a label typo or a total
  that does not add up), then exported by LibreOffice Writer to PDF (borders drawn as stroked
  lines, text in many positioned runs) and to Word 97 ``.doc`` (also copied as
  ``.wps``, the same binary format WPS 文字 writes). The page the document says is written
  beside it as plain HTML (``<name>.html``): the reference its cells are compared with.

Usage: ``python bench/make_documents.py OUT_DIR [--corpus ../shared/corpus] [--seeds DIR] [--scan | --word]``
"""

from __future__ import annotations

import argparse
import csv
import ctypes
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_LAST_YEAR = 2022

TOOLS = {"chromium": "chromium", "soffice": "soffice", "pdftoppm": "pdftoppm"}


def missing_tools(kinds: tuple[str, ...] = ("pdf", "doc", "scan")) -> list[str]:
    """The command-line tools these kinds of document need and this machine lacks."""
    need = {"pdf": ["chromium", "soffice"], "docx": ["soffice"], "doc": ["soffice"], "scan": ["pdftoppm"]}
    return sorted({t for k in kinds for t in need[k] if shutil.which(TOOLS[t]) is None})


def dev_pages(corpus: Path) -> list[Path]:
    """The HTML pages of reports for 2022 and earlier (the development split)."""
    manifest = corpus / "html" / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with manifest.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    out = []
    for row in rows:
        year = row.get("year_of_report") or ""
        if year.isdigit() and int(year) <= DEV_LAST_YEAR and (corpus / "html" / row["file"]).exists():
            out.append(corpus / "html" / row["file"])
    return sorted(out)


def _cells(line: str) -> list[str] | None:
    if "\t" in line:
        return line.split("\t")
    if " | " in line or line.rstrip().endswith("|"):
        return [c.strip() for c in line.rstrip().rstrip("|").split("|")]
    return None


def seed_html(text: str, title: str, ruled: bool = True) -> str:
    """A seed's text as an HTML page: a paragraph per line, runs of table rows as tables, ruled
    or (``ruled=False``) printed without any line, their columns kept apart by padding."""
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'>",
           f"<title>{html.escape(title)}</title>",
           "<style>body{font-family:'Noto Serif CJK SC','Noto Sans CJK SC';font-size:12pt}"
           "table{border-collapse:collapse}" + ("td{border:1px solid #000;padding:2px}" if ruled else
                                                "td{border:none;padding:2px 18pt 2px 2px}") + "</style>",
           "</head><body>"]
    in_table = False
    for line in text.splitlines():
        cells = _cells(line)
        if cells is not None:
            if not in_table:
                out.append("<table border='1' cellspacing='0'>" if ruled else "<table border='0' cellspacing='0'>")
                in_table = True
            out.append("<tr>" + "".join(f"<td>{html.escape(c.strip())}</td>" for c in cells) + "</tr>")
            continue
        if in_table:
            out.append("</table>")
            in_table = False
        if line.strip():
            out.append(f"<p>{html.escape(line.strip())}</p>")
    if in_table:
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)


def _run(cmd: list[str], timeout: float = 180) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout)


def chromium_pdf(page: Path, out: Path) -> Path:
    """The page printed to PDF by headless Chromium (with its running header and footer)."""
    _run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          f"--print-to-pdf={out}", page.resolve().as_uri()])
    return out


def soffice_convert(files: list[Path], target: str, out_dir: Path) -> list[Path]:
    """Files converted by LibreOffice in one run (its own profile, so runs do not collide).

    `target` is ``pdf``, ``docx`` or ``doc``; HTML is opened in Writer (not Writer/Web)."""
    filters = {"pdf": "pdf:writer_pdf_Export", "docx": "docx:MS Word 2007 XML", "doc": "doc:MS Word 97"}
    html = all(f.suffix.lower() in (".html", ".htm") for f in files)
    with tempfile.TemporaryDirectory(prefix="gknlp-lo-") as profile:
        _run(["soffice", f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
              *(["--infilter=HTML (StarWriter)"] if html else []), "--convert-to", filters[target],
              "--outdir", str(out_dir), *map(str, files)], timeout=600)
    return [out_dir / f"{f.stem}.{target}" for f in files]


def scan_pdf(pdf: Path, out: Path, dpi: int = 150, pages: tuple[int, int] | None = None) -> Path:
    """An image-only copy of a PDF (pages rasterised by pdftoppm, joined by Pillow)."""
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="gknlp-scan-") as tmp:
        cmd = ["pdftoppm", "-r", str(dpi), "-gray", "-png"]
        if pages:
            cmd += ["-f", str(pages[0]), "-l", str(pages[1])]
        _run([*cmd, str(pdf), f"{tmp}/p"])
        images = [Image.open(p).convert("L") for p in sorted(Path(tmp).glob("p*.png"))]
        images[0].save(out, save_all=True, append_images=images[1:], resolution=dpi)
    return out


def make_documents(out: Path, corpus: Path | None, seeds: Path | None,
                   kinds: tuple[str, ...] = ("pdf", "docx", "doc")) -> dict[str, dict[str, Path]]:
    """Every development-split page and seed in the `kinds` asked for, under `out`.

    Returns ``{name: {"source": html page, kind: file}}``; a seed's source is the HTML page
    made from it (``<name>.html`` in `out`)."""
    out.mkdir(parents=True, exist_ok=True)
    made: dict[str, dict[str, Path]] = {}
    pages = dev_pages(corpus) if corpus else []
    for page in pages:
        made[page.stem] = {"source": page}
        if "pdf" in kinds:
            made[page.stem]["pdf"] = chromium_pdf(page, out / f"{page.stem}.pdf")
    seed_pages = []
    for seed in sorted(seeds.glob("*.txt")) if seeds else []:
        p = out / f"seed-{seed.stem}.html"
        p.write_text(seed_html(seed.read_text(encoding="utf-8"), seed.stem), encoding="utf-8")
        seed_pages.append(p)
        made[p.stem] = {"source": p}
    lo_dir = out / "lo"
    lo_dir.mkdir(exist_ok=True)
    for target in ("docx", "doc"):
        if target in kinds and pages:
            for f in soffice_convert(pages, target, lo_dir):
                made[f.stem][target] = f
    if "word_pdf" in kinds and pages:  # a second producer: the .docx laid out and printed by Writer
        word_dir = out / "word-pdf"
        word_dir.mkdir(exist_ok=True)
        docx = [made[p.stem]["docx"] for p in pages]
        for f in soffice_convert(docx, "pdf", word_dir):
            made[f.stem]["word_pdf"] = f
    for target in ("pdf", "doc"):
        if target in kinds and seed_pages:
            for f in soffice_convert(seed_pages, target, lo_dir):
                made[f.stem][target] = f
    return made


@dataclass
class WordCell:
    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class WordVariant:
    """How a Word document departs from a plain print of its page."""

    repeat_header: bool = False
    landscape: bool = False
    typo: bool = False
    broken_total: bool = False
    label_cm: float = 1.7
    """Width of the label column: narrow, so labels wrap over two or three lines."""


WORD_VARIANTS = [WordVariant(repeat_header=True), WordVariant(landscape=True, typo=True),
                 WordVariant(broken_total=True, repeat_header=True), WordVariant(label_cm=1.3),
                 WordVariant(typo=True, broken_total=True, landscape=True)]
"""One per development-split page, in turn."""


def page_blocks(page: Path) -> list[tuple[str, object]]:
    """A page's report as gknlp's HTML reader sees it: ``("p", text)`` lines and
    ``("table", rows of WordCell)`` with their merged cells, in document order."""
    from lxml import html as lxml_html

    from gknlp.read.html import html_to_text

    text, _ = html_to_text(page.read_text(encoding="utf-8", errors="replace"))
    lines = text.split("\n")
    root = lxml_html.fromstring(page.read_bytes())
    squash = lambda t: "".join(t.split())  # noqa: E731
    blocks: list[tuple[str, object]] = []
    i = 0
    for table in root.iter("table"):
        if next(table.iterdescendants("table"), None) is not None:
            continue
        rows = [[WordCell(" ".join("".join(c.itertext()).split()), int(c.get("rowspan") or 1), int(c.get("colspan") or 1))
                 for c in tr.iterchildren("td", "th")] for tr in table.iter("tr")]
        rows = [r for r in rows if any(c.text for c in r)]
        if len(rows) < 2:
            continue
        first = squash("".join(c.text for c in rows[0]))
        k = next((j for j in range(i, len(lines)) if squash(lines[j]) == first), None)
        if k is None:
            continue
        blocks += [("p", ln) for ln in lines[i:k]]
        blocks.append(("table", rows))
        i = k + len(rows)
    blocks += [("p", ln) for ln in lines[i:]]
    return blocks


def _mutate(blocks: list[tuple[str, object]], variant: WordVariant) -> None:
    """A label typo (予以 → 予已) and a total that no longer adds up, as real reports have."""
    for kind, rows in blocks:
        if kind != "table":
            continue
        for row in rows:  # type: ignore[attr-defined]
            for cell in row:
                if variant.typo and cell.text.endswith("予以公开"):
                    cell.text = cell.text.replace("予以公开", "予已公开")
            if variant.broken_total and row[0].text.startswith("一、本年新收") and row[-1].text.isdigit():
                row[-1].text = str(int(row[-1].text) + 1)


def word_html(blocks: list[tuple[str, object]], title: str) -> str:
    """The blocks as a plain HTML page (the reference a Word document is compared with)."""
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'>", f"<title>{html.escape(title)}</title></head><body>"]
    for kind, value in blocks:
        if kind == "p":
            out.append(f"<p>{html.escape(str(value))}</p>")
            continue
        out.append("<table border='1'>")
        for row in value:  # type: ignore[attr-defined]
            out.append("<tr>" + "".join(f"<td rowspan='{c.rowspan}' colspan='{c.colspan}'>{html.escape(c.text)}</td>"
                                        for c in row) + "</tr>")
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)


_SIGNATURE_DATE = re.compile(r"^(?:\d{4}|[〇○零一二三四五六七八九]{4})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")


def word_docx(blocks: list[tuple[str, object]], out: Path, variant: WordVariant, seed: int = 0) -> Path:
    """The blocks as a .docx written the way an office writes its report (see the module doc)."""
    import random

    import docx
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    rng = random.Random(seed)
    doc = docx.Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = Cm(3.7), Cm(3.5), Cm(2.8), Cm(2.6)

    def font(run, size: float, bold: bool = False, spacing: int = 0) -> None:
        run.font.size, run.font.bold = Pt(size), bold
        run.font.name = "Noto Serif CJK SC"
        rpr = run._element.get_or_add_rPr()
        rpr.get_or_add_rFonts().set(qn("w:eastAsia"), "Noto Serif CJK SC")
        if spacing:  # extra space between characters, in twentieths of a point
            el = OxmlElement("w:spacing")
            el.set(qn("w:val"), str(spacing))
            rpr.append(el)

    def runs(par, text: str, size: float, bold: bool = False) -> None:
        """The text cut into runs of a few characters, as editing leaves it."""
        i = 0
        while i < len(text):
            n = rng.randint(1, 7)
            font(par.add_run(text[i:i + n]), size, bold, spacing=rng.choice([0, 0, 10, 20]))
            i += n

    paragraphs = [str(v) for k, v in blocks if k == "p"]
    last_tables = max((i for i, (k, _) in enumerate(blocks) if k == "table"), default=-1)
    first_table = min((i for i, (k, _) in enumerate(blocks) if k == "table"), default=-1)
    for i, (kind, value) in enumerate(blocks):
        if kind == "p":
            text = str(value)
            par = doc.add_paragraph()
            fmt = par.paragraph_format
            fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(28)
            if text == paragraphs[0]:  # the title
                par.alignment = WD_ALIGN_PARAGRAPH.CENTER
                runs(par, text, 22, bold=True)
                continue
            nxt = blocks[i + 1][1] if i + 1 < len(blocks) and blocks[i + 1][0] == "p" else ""
            if _SIGNATURE_DATE.match(text) or _SIGNATURE_DATE.match(str(nxt)) and len(text) < 25:
                par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            else:
                par.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
                fmt.first_line_indent = Pt(32)
            runs(par, text, 16)
            continue
        rows = value
        if variant.landscape and i == first_table + 2 or variant.landscape and i == last_tables and first_table == i:
            new = doc.add_section(WD_SECTION.NEW_PAGE)
            new.orientation = WD_ORIENT.LANDSCAPE
            new.page_width, new.page_height = Cm(29.7), Cm(21)
        n_cols = max(sum(c.colspan for c in row) for row in rows)  # type: ignore[attr-defined]
        table = doc.add_table(rows=len(rows), cols=n_cols)  # type: ignore[arg-type]
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        usable = (doc.sections[-1].page_width - Cm(5.4)) / Cm(1)
        rest = (usable - variant.label_cm) / max(n_cols - 1, 1)
        widths = [Cm(variant.label_cm)] + [Cm(rest)] * (n_cols - 1)
        taken = [[False] * n_cols for _ in rows]
        for r, row in enumerate(rows):  # type: ignore[arg-type]
            c = 0
            for cell in row:
                while c < n_cols and taken[r][c]:
                    c += 1
                if c >= n_cols:
                    break
                r1, c1 = min(r + cell.rowspan, len(rows)) - 1, min(c + cell.colspan, n_cols) - 1
                for rr in range(r, r1 + 1):
                    for cc in range(c, c1 + 1):
                        taken[rr][cc] = True
                target = table.cell(r, c)
                if (r1, c1) != (r, c):
                    target = target.merge(table.cell(r1, c1))
                par = target.paragraphs[0]
                par.alignment = WD_ALIGN_PARAGRAPH.CENTER
                runs(par, cell.text, 10.5)
                c = c1 + 1
        for row in table.rows:
            for k, cell in enumerate(row.cells):
                cell.width = widths[k]
        if variant.repeat_header:  # the header: the first row and the rows its merged cells reach down to
            for row in table.rows[:max(c.rowspan for c in rows[0])]:  # type: ignore[index]
                el = OxmlElement("w:tblHeader")
                el.set(qn("w:val"), "true")
                row._tr.get_or_add_trPr().append(el)
        if variant.landscape and i == first_table + 2:
            new = doc.add_section(WD_SECTION.NEW_PAGE)
            new.orientation = WD_ORIENT.PORTRAIT
            new.page_width, new.page_height = Cm(21), Cm(29.7)
    doc.save(str(out))
    return out


def make_word_documents(out: Path, corpus: Path) -> dict[str, dict[str, Path]]:
    """Each development-split page as a Word report (a variant each, in turn): the .docx, its
    PDF and .doc exported by LibreOffice, the .doc copied as .wps, and the reference HTML."""
    out.mkdir(parents=True, exist_ok=True)
    made: dict[str, dict[str, Path]] = {}
    for k, page in enumerate(dev_pages(corpus)):
        variant = WORD_VARIANTS[k % len(WORD_VARIANTS)]
        blocks = page_blocks(page)
        _mutate(blocks, variant)
        name = f"word-{page.stem}"
        ref = out / f"{name}.html"
        ref.write_text(word_html(blocks, page.stem), encoding="utf-8")
        made[name] = {"source": ref, "docx": word_docx(blocks, out / f"{name}.docx", variant, seed=k),
                      "variant": variant}  # type: ignore[dict-item]
    for target in ("pdf", "doc"):
        lo = out / target
        lo.mkdir(exist_ok=True)
        for f in soffice_convert([m["docx"] for m in made.values()], target, lo):
            made[f.stem][target] = f
    for files in made.values():
        wps = files["doc"].with_suffix(".wps")
        shutil.copyfile(files["doc"], wps)
        files["wps"] = wps
    return made


def sideways_pdf(pdf: Path, out: Path) -> Path:
    """Each landscape page put sideways on portrait paper (its content a form XObject turned a
    quarter) and shown upright by /Rotate 90, as some printer drivers write landscape pages."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    src, dst = pdfium.PdfDocument(pdf), pdfium.PdfDocument.new()
    for i in range(len(src)):
        w, h = src[i].get_size()
        if w <= h:
            dst.import_pages(src, [i])
            continue
        page = dst.new_page(h, w)
        xobject = pdfium_c.FPDF_NewXObjectFromPage(dst.raw, src.raw, i)
        form = pdfium_c.FPDF_NewFormObjectFromXObject(xobject)
        pdfium_c.FPDFPageObj_Transform(form, 0, 1, -1, 0, h, 0)  # a quarter turn, counter-clockwise
        pdfium_c.FPDFPage_InsertObject(page.raw, form)
        pdfium_c.FPDFPage_GenerateContent(page.raw)
        pdfium_c.FPDF_CloseXObject(xobject)
        page.set_rotation(90)
    dst.save(str(out))
    return out


def without_unicode_maps(pdf: Path, out: Path) -> Path:
    """The PDF with its fonts' /ToUnicode maps unnamed (same length, so the cross-reference
    table holds): the text layer gives glyph numbers, as fonts embedded without a map do."""
    out.write_bytes(pdf.read_bytes().replace(b"/ToUnicode", b"/ToUnicodX"))
    return out


def scanned_pages(pdf: Path, out: Path, pages: list[int], dpi: int = 150, stamp: str | None = None) -> Path:
    """The PDF with some pages (from 0) replaced by an image of themselves: a scanned page
    among printed ones (a signed page, a table pasted as a picture). `stamp`: a line of text
    printed over the image's top, as a scanner or a publishing system stamps a page."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    src, dst = pdfium.PdfDocument(pdf), pdfium.PdfDocument.new()
    for i in range(len(src)):
        if i not in pages:
            dst.import_pages(src, [i])
            continue
        w, h = src[i].get_size()
        page = dst.new_page(w, h)
        image = pdfium.PdfImage.new(dst)
        image.set_bitmap(src[i].render(scale=dpi / 72, grayscale=True))
        image.set_matrix(pdfium.PdfMatrix().scale(w, h))
        page.insert_obj(image)
        if stamp:
            text = pdfium_c.FPDFPageObj_NewTextObj(dst.raw, b"Helvetica", ctypes.c_float(9))
            wide = (stamp + "\0").encode("utf-16-le")
            buffer = ctypes.create_string_buffer(wide, len(wide))
            pdfium_c.FPDFText_SetText(text, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
            pdfium_c.FPDFPageObj_Transform(text, 1, 0, 0, 1, 36, h - 24)
            pdfium_c.FPDFPage_InsertObject(page.raw, text)
        page.gen_content()
    dst.save(str(out))
    return out


def doc_in_pieces(doc: Path, out: Path) -> Path:
    """A LibreOffice .doc (its text in one piece) rewritten with its text in four pieces, one of
    them 8-bit (a run of ASCII stored one byte a character), as Word's fast save and its
    compressed text leave a file ([MS-DOC] 2.4.1). The text stays where it is; the new piece
    table is written over the font table (which the reader does not need) and the FIB pointed
    at it, so the streams keep their sizes."""
    import struct

    import olefile

    shutil.copyfile(doc, out)
    with olefile.OleFileIO(str(out), write_mode=True) as ole:
        word = bytearray(ole.openstream("WordDocument").read())
        table_name = "1Table" if struct.unpack_from("<H", word, 0xA)[0] & 0x200 else "0Table"
        table = bytearray(ole.openstream(table_name).read())
        fc_clx, lcb_clx = struct.unpack_from("<II", word, 0x1A2)
        clx = table[fc_clx:fc_clx + lcb_clx]
        assert clx[0] == 0x02 and struct.unpack_from("<I", clx, 1)[0] == 16, "one piece expected"
        n = struct.unpack_from("<I", clx, 9)[0]
        fc = struct.unpack_from("<I", clx, 15)[0] & 0x3FFFFFFF
        text = word[fc:fc + 2 * n].decode("utf-16-le")
        run = re.search(r"[0-9A-Za-z]{4,}", text[1:])
        assert run, "no ASCII run to store 8-bit"
        s, e = run.start() + 1, run.end() + 1
        word[fc + 2 * s:fc + 2 * s + (e - s)] = text[s:e].encode("ascii")  # the 8-bit piece's bytes
        cps = [0, s // 2, s, e, n]
        fcs = [fc, fc + 2 * (s // 2), ((fc + 2 * s) * 2) | 0x40000000, fc + 2 * e]
        plc = struct.pack(f"<{len(cps)}I", *cps) + b"".join(struct.pack("<HIH", 0, f, 0) for f in fcs)
        new = b"\x02" + struct.pack("<I", len(plc)) + plc
        fc_ffn, lcb_ffn = struct.unpack_from("<II", word, 0x112)
        assert lcb_ffn >= len(new), "font table too small to hold the piece table"
        table[fc_ffn:fc_ffn + len(new)] = new
        struct.pack_into("<II", word, 0x1A2, fc_ffn, len(new))
        struct.pack_into("<II", word, 0x112, 0, 0)  # no font table any more
        struct.pack_into("<H", word, 0xA, struct.unpack_from("<H", word, 0xA)[0] | 0x4)  # fComplex
        ole.write_stream("WordDocument", bytes(word))
        ole.write_stream(table_name, bytes(table))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--seeds", type=Path, default=ROOT / "gknlp" / "data" / "samples")
    ap.add_argument("--scan", action="store_true", help="also image-only copies of the PDFs")
    ap.add_argument("--word", action="store_true",
                    help="only the Word reports (python-docx → LibreOffice PDF, .doc, .wps) into OUT/word/{pdf,doc}")
    args = ap.parse_args(argv)
    if missing := missing_tools():
        print(f"missing tools: {', '.join(missing)}", file=sys.stderr)
        return 1
    if args.word:
        made = make_word_documents(args.out / "word", args.corpus)
        for name, files in sorted(made.items()):
            print(name, " ".join(f"{k}={os.path.relpath(v)}" for k, v in sorted(files.items())
                                 if isinstance(v, Path) and k != "source"))
        return 0
    made = make_documents(args.out, args.corpus, args.seeds)
    if args.scan:
        for name, files in made.items():
            if "pdf" in files:
                files["scan"] = scan_pdf(files["pdf"], args.out / f"{name}.scan.pdf")
    for name, files in sorted(made.items()):
        print(name, " ".join(f"{k}={os.path.relpath(v)}" for k, v in sorted(files.items()) if k != "source"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
