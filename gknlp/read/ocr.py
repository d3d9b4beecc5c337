"""Scans and images → text and tables by OCR (optional extra ``gknlp[ocr]``).

RapidOCR (rapidocr-onnxruntime, Apache-2.0) runs the PP-OCRv4 Chinese detection and
recognition models, which ship inside its wheel: nothing is downloaded at run time. The page
image gives the ruling lines (long dark runs, found by a morphological opening with OpenCV,
which RapidOCR already needs); they make the grid as in :mod:`gknlp.read.pdf`, and each text
box goes to the cell holding its centre. The rest of the page becomes lines and paragraphs
the way a PDF's do.

Every table read this way has ``layout: "ocr"``. A cell holding a box the recogniser scored
below :data:`MIN_SCORE` is left empty (its value null) with an ``ocr_uncertain`` warning:
a doubtful digit is never given as certain. Without the extra, a scan gives a ``needs_ocr``
error for that file.
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

from gknlp.read.document import ReadError
from gknlp.read.pdf import (
    OCR_PAGES,
    OCR_SECONDS,
    Grid,
    Line,
    Segment,
    TableBlock,
    assemble,
    drop_running_lines,
    find_grids,
)
from gknlp.text.unwrap import joiner
from gknlp.types import ReportWarning

__all__ = ["ocr_pdf", "ocr_page", "ocr_image", "MIN_SCORE", "MAX_OCR_PAGES", "DPI", "available"]

MIN_SCORE = 0.8
"""Recognition scores below this make a table cell uncertain (null, with a warning)."""
MAX_OCR_PAGES = OCR_PAGES
"""Pages OCR'd from one scan (each takes seconds); beyond, a warning and the rest skipped."""
DPI = 150
MAX_PIXELS = 40_000_000
"""An image larger than this is scaled down before OCR (bounded memory and time)."""


def available() -> bool:
    """Whether the OCR extra is installed."""
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


@cache
def _engine() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def _need_ocr() -> None:
    if not available():
        raise ReadError("needs_ocr", "no text layer (a scan or an image): install the OCR extra, "
                                     "pip install 'gknlp[ocr]', to read it")


def image_rulings(gray: Any, min_len: int = 50) -> list[Segment]:
    """Ruling lines of a page image (y grows upwards, as in a PDF): long dark runs."""
    import cv2
    import numpy as np

    height = gray.shape[0]
    dark = (gray < 200).astype(np.uint8)  # thin rules print light grey once rasterised
    segs: list[Segment] = []
    for kernel, horizontal in (((min_len, 1), True), ((1, min_len), False)):
        mask = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        for x, y, w, h, _area in stats[1:n]:
            if horizontal and h <= 6:
                yy = height - (y + h / 2)
                segs.append(Segment(float(x), yy, float(x + w), yy))
            elif not horizontal and w <= 6:
                xx = x + w / 2
                segs.append(Segment(xx, float(height - (y + h)), xx, float(height - y)))
    return segs


def _boxes(gray: Any) -> list[tuple[float, float, float, float, str, float]]:
    """OCR text boxes as (x0, bottom, x1, top, text, score), y upwards."""
    result, _ = _engine()(gray)
    height = gray.shape[0]
    out = []
    for points, text, score in result or []:
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        out.append((min(xs), height - max(ys), max(xs), height - min(ys), str(text), float(score)))
    return out


def _in(grid: Grid, box: tuple[float, float, float, float, str, float]) -> bool:
    return grid.contains((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def _ordered(boxes: list[tuple[float, float, float, float, str, float]]) -> str:
    """The text of boxes in reading order: lines by vertical overlap, left to right in each."""
    lines: list[list[tuple[float, float, float, float, str, float]]] = []
    for b in sorted(boxes, key=lambda b: -b[3]):
        mid = (b[1] + b[3]) / 2
        if lines and lines[-1][0][1] <= mid <= lines[-1][0][3]:
            lines[-1].append(b)
        else:
            lines.append([b])
    text = ""
    for line in lines:
        for b in sorted(line, key=lambda b: b[0]):
            text += joiner(text, b[4]) + b[4]
    return text


def _ink(gray: Any, box: tuple[float, float, float, float]) -> Any:
    """The cell's image inside its ruling lines (a margin cut off), or None when blank."""
    height = gray.shape[0]
    x0, y0, x1, y1 = box
    m = 4
    crop = gray[max(int(height - y1) + m, 0):max(int(height - y0) - m, 0), max(int(x0) + m, 0):max(int(x1) - m, 0)]
    if crop.size == 0 or (crop < 128).sum() < 12:
        return None
    import numpy as np

    rows, cols = np.nonzero(crop < 128)  # cut to the ink, with a white margin (as the recogniser expects)
    crop = crop[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    return np.pad(crop, 8, constant_values=255)


Box = tuple[float, float, float, float, str, float]


def _split_at_rulings(box: Box, grid: Grid) -> list[Box]:
    """A text box running over a column line of the grid (the detector joins close cells, as
    ``0  0``), cut there: its characters placed evenly across its width."""
    x0, y0, x1, y1, text, score = box
    if not _in(grid, box) or len(text) < 2:
        return [box]
    cuts = [x for x in grid.xs[1:-1] if x0 + 4 < x < x1 - 4]
    if not cuts:
        return [box]
    step = (x1 - x0) / len(text)
    pieces: list[Box] = []
    edges = [x0, *cuts, x1]
    for a, b in zip(edges, edges[1:]):
        part = "".join(ch for i, ch in enumerate(text) if a <= x0 + (i + 0.5) * step < b).strip()
        if part:
            pieces.append((a, y0, b, y1, part, score))
    return pieces or [box]


def _page(gray: Any, page_no: int, warnings: list[ReportWarning]) -> tuple[list[Line], list[TableBlock]]:
    """One page image's lines outside tables and its tables."""
    from gknlp.tables.cells import is_value_token

    boxes = _boxes(gray)
    grids = [g for g in find_grids(image_rulings(gray)) if len(g.cells) >= 2]
    for grid in grids:
        boxes = [piece for b in boxes for piece in _split_at_rulings(b, grid)]
    blocks: list[TableBlock] = []
    for grid in grids:
        rows: dict[int, list[tuple[int, str]]] = {}
        for cell in grid.cells:
            x0, y0, x1, y1 = grid.box(cell)
            inside = [b for b in boxes if x0 <= (b[0] + b[2]) / 2 <= x1 and y0 <= (b[1] + b[3]) / 2 <= y1]
            if not inside and (crop := _ink(gray, (x0, y0, x1, y1))) is not None:
                # Ink but no box: the detector missed a short text (a lone 0); recognise the cell.
                got, _ = _engine()(crop, use_det=False, use_cls=False)
                if got:
                    inside = [(x0, y0, x1, y1, str(got[0][0]), float(got[0][1]))]
                else:
                    inside = [(x0, y0, x1, y1, "", 0.0)]
            text = _ordered(inside)
            score = min((b[5] for b in inside), default=1.0)
            if inside and score < MIN_SCORE and (is_value_token(text) or not text.strip()):
                warnings.append(ReportWarning("ocr_uncertain",
                                 f"page {page_no + 1}: OCR unsure of a table cell (score "
                                            f"{score:.2f}); its value left empty", text or None))
                text = ""
            rows.setdefault(cell[0], []).append((cell[1], text))
        blocks.append(TableBlock(grid.ys[0], [[t for _, t in sorted(c)] for _, c in sorted(rows.items())],
                                 grid.open_top, grid.open_bottom))
    lines: list[Line] = []
    for b in sorted((b for b in boxes if not any(_in(g, b) for g in grids)), key=lambda b: (-b[3], b[0])):
        last = lines[-1] if lines else None
        if last is not None and abs((last.top + last.bottom) / 2 - (b[1] + b[3]) / 2) < 0.5 * (b[3] - b[1]):
            last.text += " " + b[4]
            last.x1 = max(last.x1, b[2])
        else:
            lines.append(Line(b[4], b[0], b[2], b[3], b[1], page_no))
    lines.sort(key=lambda ln: (-round(ln.top), ln.x0))
    return lines, blocks


def _read(images: list[Any], warnings: list[ReportWarning]):
    from gknlp.read.files import Read

    pages, blocks = [], []
    started = time.monotonic()
    for i, gray in enumerate(images):
        if time.monotonic() - started > OCR_SECONDS:
            warnings.append(ReportWarning("pages_truncated", f"OCR stopped after {OCR_SECONDS:.0f} s: pages "
                                          f"{i + 1}-{len(images)} not read", None))
            break
        try:
            lines, tables = _page(gray, i, warnings)
        except Exception as exc:  # one page the OCR engine fails on: the others are still read
            warnings.append(ReportWarning("ocr_failed", f"page {i + 1}: OCR failed ({type(exc).__name__}: {exc})",
                                          None))
            lines, tables = [], []
        pages.append(lines)
        blocks.append(tables)
    text = assemble(drop_running_lines(pages), blocks)
    if not text.strip():
        raise ReadError("no_text", "OCR found no text in the image (not a report page)")
    warnings.append(ReportWarning("ocr", "text read by OCR: check the values marked in table_info",
                     None))
    return Read(text, "ocr", warnings)


def _render(page: Any) -> Any:
    """A pypdfium2 page as a grayscale array at :data:`DPI` (fewer pixels for a huge page)."""
    w, h = page.get_size()
    scale = min(DPI / 72, (MAX_PIXELS / max(w * h, 1.0)) ** 0.5)
    image = page.render(scale=scale, grayscale=True).to_numpy()
    return image if image.ndim == 2 else image[:, :, 0]


def ocr_page(page: Any, page_no: int, warnings: list[ReportWarning]) -> tuple[list[Line], list[TableBlock]]:
    """One page of a PDF whose other pages have text (a scanned page among printed ones): its
    lines and tables, in PDF points (y up) as :mod:`gknlp.read.pdf` gives them."""
    _need_ocr()
    gray = _render(page)
    lines, tables = _page(gray, page_no, warnings)
    k = page.get_size()[1] / gray.shape[0]  # pixels → points, so the page's lines sit with the others
    for ln in lines:
        ln.x0, ln.x1, ln.top, ln.bottom = ln.x0 * k, ln.x1 * k, ln.top * k, ln.bottom * k
    for t in tables:
        t.top *= k
    return lines, tables


def ocr_pdf(data: bytes, warnings: list[ReportWarning]):
    """A PDF without a text layer, page by page through OCR."""
    _need_ocr()
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        n = len(pdf)
        if n > MAX_OCR_PAGES:
            warnings.append(ReportWarning("pages_truncated",
                             f"scanned PDF of {n} pages: OCR of the first {MAX_OCR_PAGES} only",
                             None))
        images = []
        for i in range(min(n, MAX_OCR_PAGES)):
            page = pdf[i]
            images.append(_render(page))
            page.close()
    finally:
        pdf.close()
    return _read(images, warnings)


def ocr_image(data: bytes):
    """A .png/.jpg (or other) image of a report page."""
    _need_ocr()
    import cv2
    import numpy as np

    gray = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    if gray is None:
        raise ReadError("unreadable", "not a readable image")
    if gray.size > MAX_PIXELS:
        f = (MAX_PIXELS / gray.size) ** 0.5
        gray = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    return _read([gray], [])
