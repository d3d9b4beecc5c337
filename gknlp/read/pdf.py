"""PDF with a text layer → text: paragraphs unwrapped, tables read from the page geometry.

pypdfium2 (PDFium, Apache/BSD) does the parsing: it is several times faster than pdfminer
and its licence lets users ship it (PyMuPDF's AGPL does not). The steps are plain functions:

- ``page_rulings``: thin filled rectangles and stroked paths → horizontal and vertical segments;
- ``find_grids``: segments that touch → one table; the x and y of its lines → a grid, and a
  missing line between two grid boxes → a merged cell (``Grid.cells``);
- cell text: PDFium's text inside each cell's box, its wrapped lines joined;
- the lines outside tables, ordered by position (pieces on one baseline joined, a PDFium line
  running on onto the next printed line cut, spaces beside CJK characters taken out); running
  headers and page-number footers (a line at the top or bottom of most pages, digits aside)
  dropped;
- printed line breaks joined back into paragraphs (:mod:`gknlp.text.unwrap`), paragraph ends
  seen from the geometry (baseline pitch, indent, alignment, date lines).

Only pages whose text looks tabular (and those after a table) have their drawing read. A page
whose text runs sideways is read in its upright :class:`Frame`; a page without a usable text
layer (a scan, a font that maps to no Unicode) goes to OCR or is warned about (``needs_ocr``).

Tables come out as rows of tab-separated cells, the shape the HTML reader gives, so the one
template engine reads them. A table that runs on over a page break gives adjacent rows; a
header row repeated on the new page is dropped. A page with text but no ruling lines has its
table rows found from gaps between words (``layout`` ``pdf_text``).
"""

from __future__ import annotations

import ctypes
import re
import time
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

from gknlp.read.document import ReadError
from gknlp.tables.cells import is_value_token
from gknlp.text.unwrap import ends_paragraph, join_lines, joiner, starts_heading
from gknlp.types import ReportWarning

__all__ = ["PdfText", "read_pdf", "close_cjk", "looks_tabular", "Line", "Grid", "Segment", "TableBlock", "find_grids", "cell_text",
           "MAX_PAGES", "OCR_PAGES", "STAMP_CHARS", "OCR_SECONDS", "MAX_PAGE_OBJECTS", "drop_running_lines", "Frame", "page_frame", "join_wrapped_labels", "assemble", "merge_collinear", "page_rulings"]

MAX_PAGES = 200
"""Pages read from one PDF; a real report has under 40. Beyond: a warning, the rest skipped."""
OCR_PAGES = 30
"""Pages OCR'd in one file at most (each takes seconds): a scan's first pages, or the pages without a
text layer in a PDF with text on others."""
OCR_SECONDS = 90.0
"""OCR stops taking new pages of a file after this many seconds, so that the file ends inside the
batch's default time limit (120 s) with what was read, and a `pages_truncated` warning."""
MAX_PAGE_OBJECTS = 50_000
"""Page objects looked at for ruling lines on one page, those inside (reused) form XObjects
included: a small file can nest one form in another to make millions."""
MIN_CHARS_PER_PAGE = 10
"""Fewer characters than this on average: no text layer (a scan), so OCR."""
STAMP_CHARS = 60
"""A page an image covers, with fewer characters of text than this, is a scan that a scanner or a
publishing system stamped (a header, a page mark, 此件公开发布): OCR, not a page of a few words. A
printed page with a large picture has more text than this; a scan with an OCR text layer far more.
Without OCR its text is kept (it may be a signature over a background image) and a ``needs_ocr``
warning names it."""

_TOL = 2.0  # points: lines this close are one line; a segment this near a box edge touches it
_THIN = 2.5  # points: a filled rectangle thinner than this is a ruling line


@dataclass
class Line:
    """One printed line outside tables, with its box in page points (y grows upwards)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    page: int
    table: bool = False
    """A table row (tab-separated cells), never joined to its neighbours."""
    base: float | None = None
    """The baseline (y of the first character's origin): the pitch between baselines does not
    vary with the glyphs a line holds, as the gap between glyph boxes does (brackets, commas)."""

    @property
    def height(self) -> float:
        return self.top - self.bottom


@dataclass
class Segment:
    """A ruling line: horizontal when ``y0 == y1`` (then x0 < x1), else vertical (y0 < y1)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def horizontal(self) -> bool:
        return self.y1 - self.y0 < self.x1 - self.x0


@dataclass
class Grid:
    """A ruled table: its column x's (left to right), row y's (top to bottom) and cells as
    (row, col, last_row, last_col) boxes of the grid, merged cells spanning several."""

    xs: list[float]
    ys: list[float]
    cells: list[tuple[int, int, int, int]]
    open_top: bool = False
    """The first row has no top line: a row that began on the page before."""
    open_bottom: bool = False
    """The last row has no bottom line: it goes on on the next page."""

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[-1], self.xs[-1], self.ys[0]

    def contains(self, x: float, y: float) -> bool:
        left, bottom, right, top = self.bbox
        return left - _TOL <= x <= right + _TOL and bottom - _TOL <= y <= top + _TOL

    def box(self, cell: tuple[int, int, int, int]) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) of a cell."""
        r0, c0, r1, c1 = cell
        return self.xs[c0], self.ys[r1 + 1], self.xs[c1 + 1], self.ys[r0]


@dataclass
class PdfText:
    """What a PDF gave: the text, how its tables were read, warnings, and whether it needs OCR."""

    text: str
    layout: str | None
    pages: int
    warnings: list[ReportWarning] = field(default_factory=list)
    needs_ocr: bool = False
    ocr_pages: list[int] = field(default_factory=list)
    """Pages (from 0) without a usable text layer, read by OCR or, without it, left out with
    a ``needs_ocr`` warning."""


PageOcr = Callable[[Any, int, list[ReportWarning]], tuple[list["Line"], list["TableBlock"]]]
"""Reads one pypdfium2 page by OCR: its lines and table blocks (:func:`gknlp.read.ocr.ocr_page`);
raises ReadError ``needs_ocr`` when OCR is not installed."""


def _cluster(values: list[float], tol: float = _TOL) -> list[float]:
    """Sorted values with near neighbours merged (their mean)."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(g) / len(g) for g in out]


Matrix = tuple[float, float, float, float, float, float]
"""A PDF matrix (a, b, c, d, e, f): x' = a x + c y + e, y' = b x + d y + f."""


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _then(inner: Matrix, outer: Matrix) -> Matrix:
    """The matrix applying `inner`, then `outer`."""
    a, b, c, d, e, f = inner
    return (a * outer[0] + b * outer[2], a * outer[1] + b * outer[3], c * outer[0] + d * outer[2],
            c * outer[1] + d * outer[3], e * outer[0] + f * outer[2] + outer[4], e * outer[1] + f * outer[3] + outer[5])


@dataclass(frozen=True)
class Frame:
    """The page turned so its text runs left to right (a landscape table printed sideways on
    portrait paper and shown turned by /Rotate): page points → upright points, and back.
    `turn` is PDFium's angle of the text, 90, 180 or 270 degrees."""

    turn: int

    def pt(self, x: float, y: float) -> tuple[float, float]:
        if self.turn == 270:
            return y, -x
        if self.turn == 90:
            return -y, x
        return -x, -y

    def back(self, u: float, v: float) -> tuple[float, float]:
        if self.turn == 270:
            return -v, u
        if self.turn == 90:
            return v, -u
        return -u, -v

    def box(self, x0: float, y0: float, x1: float, y1: float, back: bool = False) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) of a box, turned (or turned back)."""
        f = self.back if back else self.pt
        (a, b), (c, d) = f(x0, y0), f(x1, y1)
        return min(a, c), min(b, d), max(a, c), max(b, d)

    def segment(self, s: Segment) -> Segment:
        x0, y0, x1, y1 = self.box(s.x0, s.y0, s.x1, s.y1)
        return Segment(x0, y0, x1, y1)


def page_frame(textpage: Any, n_chars: int) -> Frame | None:
    """The frame of a page whose text runs sideways or upside down (most of 16 characters
    sampled say so), else None."""
    import math

    import pypdfium2.raw as pdfium_c

    if n_chars <= 0:
        return None
    votes: Counter[int] = Counter()
    for k in range(0, n_chars, max(1, n_chars // 16)):
        angle = pdfium_c.FPDFText_GetCharAngle(textpage.raw, k)
        if angle >= 0:
            votes[round(math.degrees(angle) / 90) % 4 * 90] += 1
    turn = votes.most_common(1)[0][0] if votes else 0
    return Frame(turn) if turn else None


def page_rulings(page: Any, frame: Frame | None = None) -> list[Segment]:
    """The ruling lines of a page: thin filled rectangles and the edges of stroked paths, those
    drawn inside form XObjects included, in the page's upright `frame` when given."""
    import pypdfium2.raw as pdfium_c

    handle = page.raw
    get_object = pdfium_c.FPDFPage_GetObject
    # The raw calls: pypdfium2's get_objects wraps every object (text ones too) in Python.
    objects = [get_object(handle, k) for k in range(pdfium_c.FPDFPage_CountObjects(handle))]
    budget = [MAX_PAGE_OBJECTS]
    segs = _object_rulings(objects, None, 0, budget)
    if budget[0] < 0:  # past the budget the rulings are partial: no table is read from them
        return []
    return [frame.segment(s) for s in segs] if frame else segs


def _object_rulings(objects: list[Any], outer: Matrix | None, depth: int, budget: list[int]) -> list[Segment]:
    import pypdfium2.raw as pdfium_c

    segs: list[Segment] = []
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    path_type, form_type = pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM
    get_type = pdfium_c.FPDFPageObj_GetType
    budget[0] -= len(objects)
    if budget[0] < 0:
        return segs
    for raw in objects:
        kind = get_type(raw)
        if kind == form_type and depth < 4:
            m = pdfium_c.FS_MATRIX()
            if pdfium_c.FPDFPageObj_GetMatrix(raw, m):
                own = (m.a, m.b, m.c, m.d, m.e, m.f)
                inner = [pdfium_c.FPDFFormObj_GetObject(raw, k) for k in range(pdfium_c.FPDFFormObj_CountObjects(raw))]
                segs += _object_rulings(inner, own if outer is None else _then(own, outer), depth + 1, budget)
                if budget[0] < 0:
                    return segs
            continue
        if kind != path_type or not pdfium_c.FPDFPageObj_GetBounds(raw, left, bottom, right, top):
            continue
        x0, y0, x1, y1 = left.value, bottom.value, right.value, top.value
        if outer is not None:  # a form's content: its bounds are in the form's space
            (a, b), (c, d) = _apply(outer, x0, y0), _apply(outer, x1, y1)
            x0, y0, x1, y1 = min(a, c), min(b, d), max(a, c), max(b, d)
        w, h = x1 - x0, y1 - y0
        if w <= _THIN and h > _THIN:
            segs.append(Segment((x0 + x1) / 2, y0, (x0 + x1) / 2, y1))
        elif h <= _THIN and w > _THIN:
            segs.append(Segment(x0, (y0 + y1) / 2, x1, (y0 + y1) / 2))
        elif w > _THIN and h > _THIN:
            pdfium_c.FPDFPath_GetDrawMode(raw, fill, stroke)
            # A filled box of one rectangle (a cell's shading, a white background) holds no line.
            if stroke.value or pdfium_c.FPDFPath_CountSegments(raw) > 5:
                segs += _subpath_rulings(raw, bool(stroke.value), outer)
    return segs


_MAX_PATH_SEGMENTS = 5000


def _subpath_rulings(raw: Any, stroked: bool, outer: Matrix | None = None) -> list[Segment]:
    """Ruling lines inside one path that draws many (a whole grid as one path, as some
    producers write it): each subpath thin enough to be a line (a filled thin rectangle, a
    stroked line), and, when stroked, each straight axis-parallel edge (a stroked cell box)."""
    import pypdfium2.raw as pdfium_c

    n = pdfium_c.FPDFPath_CountSegments(raw)
    if n <= 0 or n > _MAX_PATH_SEGMENTS:
        return []
    fm = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(raw, fm):
        return []
    m: Matrix = (fm.a, fm.b, fm.c, fm.d, fm.e, fm.f)
    if outer is not None:
        m = _then(m, outer)
    px, py = ctypes.c_float(), ctypes.c_float()
    subpaths: list[list[tuple[float, float]]] = []
    for i in range(n):
        seg = pdfium_c.FPDFPath_GetPathSegment(raw, i)
        if not pdfium_c.FPDFPathSegment_GetPoint(seg, px, py):
            continue
        x, y = _apply(m, px.value, py.value)
        kind = pdfium_c.FPDFPathSegment_GetType(seg)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO or not subpaths:
            subpaths.append([(x, y)])
        elif kind == pdfium_c.FPDF_SEGMENT_LINETO:
            subpaths[-1].append((x, y))
        else:  # a curve: a shape (a rounded box, an icon, a glyph drawn as outlines), not a table's rules
            return []
        if pdfium_c.FPDFPathSegment_GetClose(seg):
            subpaths[-1].append(subpaths[-1][0])
    out: list[Segment] = []
    for pts in subpaths:
        if len(pts) < 2:
            continue
        xs, ys = [x for x, _ in pts], [y for _, y in pts]
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        if x1 - x0 <= _THIN < y1 - y0:
            out.append(Segment((x0 + x1) / 2, y0, (x0 + x1) / 2, y1))
        elif y1 - y0 <= _THIN < x1 - x0:
            out.append(Segment(x0, (y0 + y1) / 2, x1, (y0 + y1) / 2))
        elif stroked:
            for (ax, ay), (bx, by) in zip(pts, pts[1:]):
                if abs(ay - by) <= 0.5 and abs(ax - bx) > _THIN:
                    out.append(Segment(min(ax, bx), ay, max(ax, bx), ay))
                elif abs(ax - bx) <= 0.5 and abs(ay - by) > _THIN:
                    out.append(Segment(ax, min(ay, by), ax, max(ay, by)))
    return out


def _touch(a: Segment, b: Segment) -> bool:
    return (a.x0 - _TOL <= b.x1 and b.x0 - _TOL <= a.x1 and a.y0 - _TOL <= b.y1 and b.y0 - _TOL <= a.y1)


def merge_collinear(segs: list[Segment]) -> list[Segment]:
    """Segments on one line that meet or overlap as one (a cell border drawn cell by cell)."""
    out: list[Segment] = []
    hs = sorted((s for s in segs if s.horizontal), key=lambda s: (round(s.y0 / _TOL), s.x0))
    for s in hs:
        last = out[-1] if out and out[-1].horizontal else None
        if last is not None and abs(last.y0 - s.y0) <= _TOL and s.x0 <= last.x1 + _TOL:
            last.x1 = max(last.x1, s.x1)
        else:
            out.append(Segment(s.x0, s.y0, s.x1, s.y0))
    n_h = len(out)
    vs = sorted((s for s in segs if not s.horizontal), key=lambda s: (round(s.x0 / _TOL), s.y0))
    for s in vs:
        last = out[-1] if len(out) > n_h else None
        if last is not None and abs(last.x0 - s.x0) <= _TOL and s.y0 <= last.y1 + _TOL:
            last.y1 = max(last.y1, s.y1)
        else:
            out.append(Segment(s.x0, s.y0, s.x0, s.y1))
    return out


def _groups(segs: list[Segment]) -> list[list[Segment]]:
    """Segments that touch, directly or through others (union-find)."""
    parent = list(range(len(segs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    hs = [i for i, s in enumerate(segs) if s.horizontal]
    vs = [i for i, s in enumerate(segs) if not s.horizontal]
    for i in hs:
        for j in vs:
            if _touch(segs[i], segs[j]):
                parent[root(i)] = root(j)
    out: dict[int, list[Segment]] = {}
    for i, s in enumerate(segs):
        out.setdefault(root(i), []).append(s)
    return list(out.values())


def _covered(intervals: list[tuple[float, float]], a: float, b: float) -> bool:
    """Whether the middle of [a, b] lies on one of the intervals."""
    mid = (a + b) / 2
    return any(lo - _TOL <= mid <= hi + _TOL for lo, hi in intervals)


def _nearest(values: list[float], v: float, reverse: bool = False) -> int:
    """Index of the value nearest v in ascending `values`; with `reverse`, the index it has in
    the same list descending."""
    i = bisect_left(values, v)
    if i == len(values) or (i > 0 and v - values[i - 1] <= values[i] - v):
        i -= 1
    return len(values) - 1 - i if reverse else i


def _grid_of(segs: list[Segment]) -> Grid | None:
    hs = [s for s in segs if s.horizontal]
    vs = [s for s in segs if not s.horizontal]
    if len(hs) < 2 or len(vs) < 2:
        return None
    xs = _cluster([s.x0 for s in vs])
    # A rule spans a whole column at least; shorter strokes touching the grid are text
    # decoration (an underline, a dash drawn as a bar), not cell borders.
    hs = [h for h in hs if any(h.x0 - _TOL <= a and b <= h.x1 + _TOL for a, b in zip(xs, xs[1:]))]
    ys = _cluster([s.y0 for s in hs])[::-1]  # top to bottom
    if len(xs) < 2 or len(ys) < 2:
        return None
    # Verticals that run on past the first or last line: a row cut by the page break.
    v_top, v_bottom = max(s.y1 for s in vs), min(s.y0 for s in vs)
    open_top, open_bottom = v_top > ys[0] + 3 * _TOL, v_bottom < ys[-1] - 3 * _TOL
    if open_top:
        ys.insert(0, v_top)
        hs = [*hs, Segment(xs[0], v_top, xs[-1], v_top)]
    if open_bottom:
        ys.append(v_bottom)
        hs = [*hs, Segment(xs[0], v_bottom, xs[-1], v_bottom)]
    ys_up = ys[::-1]
    v_at: dict[int, list[tuple[float, float]]] = {}
    for s in vs:
        k = _nearest(xs, s.x0)
        v_at.setdefault(k, []).append((s.y0, s.y1))
    h_at: dict[int, list[tuple[float, float]]] = {}
    for s in hs:
        k = _nearest(ys_up, s.y0, reverse=True)
        h_at.setdefault(k, []).append((s.x0, s.x1))
    nr, nc = len(ys) - 1, len(xs) - 1
    parent = list(range(nr * nc))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(nr):
        for c in range(nc):
            if c + 1 < nc and not _covered(v_at.get(c + 1, []), ys[r + 1], ys[r]):
                parent[root(r * nc + c + 1)] = root(r * nc + c)
            if r + 1 < nr and not _covered(h_at.get(r + 1, []), xs[c], xs[c + 1]):
                parent[root((r + 1) * nc + c)] = root(r * nc + c)
    spans: dict[int, list[int]] = {}
    for i in range(nr * nc):
        r, c = divmod(i, nc)
        box = spans.setdefault(root(i), [r, c, r, c])
        box[0], box[1] = min(box[0], r), min(box[1], c)
        box[2], box[3] = max(box[2], r), max(box[3], c)
    cells = sorted((b[0], b[1], b[2], b[3]) for b in spans.values())
    return Grid(xs, ys, cells, open_top, open_bottom)


def find_grids(segs: list[Segment]) -> list[Grid]:
    """The ruled tables among a page's segments, top to bottom."""
    grids = [g for g in (_grid_of(group) for group in _groups(merge_collinear(segs))) if g is not None]
    return sorted(grids, key=lambda g: -g.ys[0])


_SPACES = re.compile(r"[ \t\u00a0\u3000]+")


_CJK = "[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]"
_CJK_GAP = re.compile(f"(?<={_CJK}) +| +(?={_CJK})")


def close_cjk(text: str) -> str:
    """Spaces next to a CJK character taken out: PDFium puts one wherever characters stand
    apart, as justified text, extra character spacing and a run of digits set in another font
    leave them (领 导, 2019 年), and Chinese text has none."""
    return _CJK_GAP.sub("", text) if " " in text else text


def cell_text(raw: str) -> str:
    """A cell's text on one line: its wrapped lines joined as :func:`joiner` says."""
    parts = [close_cjk(_SPACES.sub(" ", p).strip()) for p in re.split(r"\r?\n", raw)]
    parts = [p for p in parts if p]
    if not parts:
        return ""
    out = parts[0]
    for p in parts[1:]:
        out += joiner(out, p) + p
    return out


class _Chars:
    """Character boxes and baselines of a text page, in its upright frame."""

    def __init__(self, textpage: Any, frame: Frame | None) -> None:
        import pypdfium2.raw as pdfium_c

        self.raw, self.frame = textpage.raw, frame
        self._get_box, self._get_origin = pdfium_c.FPDFText_GetCharBox, pdfium_c.FPDFText_GetCharOrigin
        self._l, self._r, self._b, self._t = (ctypes.c_double() for _ in range(4))
        self._x, self._y = ctypes.c_double(), ctypes.c_double()

    def box(self, k: int) -> tuple[float, float, float, float] | None:
        """(left, bottom, right, top) of character k."""
        if not self._get_box(self.raw, k, self._l, self._r, self._b, self._t):
            return None
        if self.frame is None:
            return self._l.value, self._b.value, self._r.value, self._t.value
        return self.frame.box(self._l.value, self._b.value, self._r.value, self._t.value)

    def base(self, k: int) -> float | None:
        """The baseline: the y of character k's origin."""
        if not self._get_origin(self.raw, k, self._x, self._y):
            return None
        return self._y.value if self.frame is None else self.frame.pt(self._x.value, self._y.value)[1]


def _lines_of(textpage: Any, page_no: int, grids: list[Grid], text: str | None = None,
              frame: Frame | None = None) -> list[Line]:
    """The page's printed lines outside the ruled tables (PDFium's line breaks, and a break
    where PDFium's line runs on onto the next printed line); `text` is the page's whole text
    when already read; the positions are in the page's upright `frame` when given."""
    text = textpage.get_text_range() if text is None else text
    chars = _Chars(textpage, frame)
    lines: list[Line] = []
    pos = 0
    for piece in text.split("\r\n"):
        start, pos = pos, pos + len(piece) + 2
        if not piece.strip():
            continue
        a = start + (len(piece) - len(piece.lstrip()))
        b = start + len(piece.rstrip()) - 1
        first, last = chars.box(a), chars.box(b)
        if first is None or last is None:
            continue
        ranges = [(a, b)]
        if last[3] < first[1] or last[1] > first[3]:  # the last character is on another printed line
            ranges = _printed_lines(chars, text, a, b)
        for p, q in ranges:
            if (p, q) != (a, b):
                got_first, got_last = chars.box(p), chars.box(q)
                if got_first is None or got_last is None:
                    continue
                first, last = got_first, got_last
            if grids and any(g.contains((first[0] + first[2]) / 2, (first[1] + first[3]) / 2) for g in grids):
                continue
            s = text[p:q + 1]
            line = Line(close_cjk(_SPACES.sub(" ", s)), first[0], last[2], max(first[3], last[3]),
                        min(first[1], last[1]), page_no, base=chars.base(p))
            if not grids and (" " in s or "\u3000" in s):
                cells = _split_on_gaps(chars, s, p, line.height)
                if _is_row(cells):
                    line.text, line.table = "\t".join(cells), True
            lines.append(line)
    return _merge_fragments(lines)


def _printed_lines(chars: _Chars, text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Characters a..b cut where one stands wholly below the one before (a new printed line),
    blanks at the cuts left out."""
    out: list[tuple[int, int]] = []
    first = a
    prev_bottom: float | None = None
    for k in range(a, b + 1):
        if text[k].isspace() or (box := chars.box(k)) is None:
            continue
        if prev_bottom is not None and box[3] < prev_bottom:
            out.append((first, k - 1))
            first = k
        prev_bottom = box[1]
    out.append((first, b))
    cut = []
    for p, q in out:
        while p <= q and text[p].isspace():
            p += 1
        while q >= p and text[q].isspace():
            q -= 1
        if p <= q:
            cut.append((p, q))
    return cut


def _merge_fragments(lines: list[Line]) -> list[Line]:
    """Pieces of one printed line that PDFium gave as lines of their own (a run of digits in
    a Latin font beside CJK text, runs with their own character spacing) put back together:
    same baseline, side by side, left to right."""
    out: list[Line] = []
    for ln in sorted(lines, key=lambda ln: (-(ln.base if ln.base is not None else ln.bottom), ln.x0)):
        last = out[-1] if out else None
        em = max(ln.height, 1.0)
        if (last is not None and not last.table and not ln.table and last.base is not None and ln.base is not None
                and abs(last.base - ln.base) <= 0.2 * em and ln.x0 >= last.x1 - 0.2 * em
                and ln.x0 - last.x1 < 3 * em):
            gap = " " if ln.x0 - last.x1 > 0.5 * em else ""
            last.text = close_cjk(last.text + gap + ln.text)
            last.x1, last.top, last.bottom = ln.x1, max(last.top, ln.top), min(last.bottom, ln.bottom)
        else:
            out.append(ln)
    return out


def join_wrapped_labels(lines: list[Line]) -> list[Line]:
    """One page's table rows read from gaps (``pdf_text``) with the lines of their wrapped
    labels. Lines starting at one x (a column) fall into cells where they stand no further
    apart than the column's tightest line pitch (lines inside a cell are closer than rows,
    which cell padding keeps apart). A cell holding one row's own label and lines without
    values is that row's label; a cell of label lines alone is the label of the one row of
    bare values printed level with it (values sit on the middle or first line of a tall
    cell). A cell reaching two rows or none is left as it is: which row it labels is not proven."""
    def em(ln: Line) -> float:
        return max(ln.height if not ln.table else 10.0, 1.0)

    def base(ln: Line) -> float:
        return ln.base if ln.base is not None else ln.bottom

    def first(ln: Line) -> str:
        return ln.text.split("\t", 1)[0]

    def label_line(ln: Line) -> bool:
        return not ln.table and not any(is_value_token(t) for t in ln.text.split()) and ln.x1 - ln.x0 < 12 * em(ln)

    rows = [ln for ln in lines if ln.table]
    bare = [ln for ln in rows if is_value_token(first(ln))]  # values without a label
    pieces = [ln for ln in lines if label_line(ln) or (ln.table and not is_value_token(first(ln)))]
    if not rows or not pieces:
        return lines
    columns: list[list[Line]] = []
    for ln in sorted(pieces, key=lambda ln: ln.x0):
        if columns and ln.x0 - columns[-1][0].x0 <= em(ln):
            columns[-1].append(ln)
        else:
            columns.append([ln])
    used: set[int] = set()
    for column in columns:
        column.sort(key=lambda ln: -base(ln))
        pitches = [base(a) - base(b) for a, b in zip(column, column[1:]) if base(a) - base(b) > 0.5 * em(a)]
        if not pitches:
            continue
        tight = min(pitches) + 1.0
        cells: list[list[Line]] = [[column[0]]]
        for a, b in zip(column, column[1:]):
            if 0.5 * em(a) < base(a) - base(b) <= tight:
                cells[-1].append(b)
            else:
                cells.append([b])
        for cell in cells:
            own = [ln for ln in cell if ln.table]
            if len(cell) < 2 and not (len(cell) == 1 and not own):
                continue
            text = "".join(first(ln) if ln.table else ln.text for ln in cell)
            if len(own) == 1:
                row = own[0]
            elif not own:
                top, bottom = base(cell[0]) + 0.5 * em(cell[0]), base(cell[-1]) - 0.5 * em(cell[-1])
                level = [r for r in bare if bottom <= base(r) <= top and r.x0 > max(ln.x0 for ln in cell) + em(cell[0])]
                if len(level) != 1 or id(level[0]) in used:
                    continue
                row = level[0]
                row.text = "\t" + row.text  # a first cell, filled below
            else:
                continue
            row.text = text + "\t" + row.text.split("\t", 1)[1] if "\t" in row.text else text
            used.add(id(row))
            used.update(id(ln) for ln in cell if not ln.table)
    return [ln for ln in lines if ln.table or id(ln) not in used]


_PROSE_END = re.compile(r"[。，；、,;]$|^[。，；、,;：:！？!?）)]+$")


def _is_row(cells: list[str]) -> bool:
    """Cells cut from one line make a table row: two values or more, or three cells none of
    which ends a clause (a wide gap inside prose, as justified text leaves, is not a column)."""
    if any(_PROSE_END.search(c) for c in cells):
        return False
    values = sum(is_value_token(c) for c in cells)
    return values >= 2 or (len(cells) >= 3) or (len(cells) == 2 and values == 1)


def _split_on_gaps(chars: _Chars, piece: str, start: int, height: float) -> list[str]:
    """A line's text cut where two characters stand wider apart than 0.9 character height:
    the columns of a table printed without ruling lines (``layout`` ``pdf_text``)."""
    cells: list[str] = []
    cur = 0
    stripped_end = len(piece.rstrip())
    for m in re.finditer(r"[ \u00a0\u3000]+", piece):
        p, q = m.start() - 1, m.end()
        if p < 0 or q >= stripped_end:
            continue
        before, after = chars.box(start + p), chars.box(start + q)
        if before is not None and after is not None and after[0] - before[2] > 0.9 * max(height, 1.0):
            cells.append(piece[cur:m.start()])
            cur = q
    cells.append(piece[cur:])
    out: list[str] = []
    for cell in (close_cjk(_SPACES.sub(" ", c).strip()) for c in cells):
        # Numbers never hold a space: values printed close together are still cells of their own.
        tokens = cell.split(" ")
        k = len(tokens)
        while k > 0 and is_value_token(tokens[k - 1]):
            k -= 1
        if k == 0 or len(tokens) - k >= 2:
            out += ([" ".join(tokens[:k])] if k else []) + tokens[k:]
        else:
            out.append(cell)
    return out


@dataclass
class TableBlock:
    """A ruled table's rows (cell texts; a merged cell in its first row only) on one page."""

    top: float
    rows: list[list[str]]
    open_top: bool
    open_bottom: bool
    spans: list[list[tuple[float, float]]] | None = None
    """Each cell's left and right x, row by row (to join a row cut by a page break by column)."""
    tall: list[list[bool]] | None = None
    """Whether each cell spans rows below its own (a cell merged down)."""


def _grid_rows(textpage: Any, grid: Grid, frame: Frame | None = None) -> TableBlock:
    rows: dict[int, list[tuple[int, str, tuple[float, float], bool]]] = {}
    inset = 0.5
    for cell in grid.cells:
        x0, y0, x1, y1 = grid.box(cell)
        box = (x0 + inset, y0 + inset, x1 - inset, y1 - inset)
        if frame is not None:  # the grid is upright; PDFium wants the page's own points
            box = frame.box(*box, back=True)
        txt = cell_text(textpage.get_text_bounded(*box))
        rows.setdefault(cell[0], []).append((cell[1], txt, (x0, x1), cell[2] > cell[0]))
    ordered = [sorted(cells) for _, cells in sorted(rows.items())]
    return TableBlock(grid.ys[0], [[c[1] for c in cells] for cells in ordered], grid.open_top, grid.open_bottom,
                      [[c[2] for c in cells] for cells in ordered], [[c[3] for c in cells] for cells in ordered])


_PAGE_NUMBER = re.compile(r"^[-－—–\s]*(?:第\s*)?\d{1,4}\s*(?:页)?(?:\s*[/／]\s*\d{1,4})?(?:\s*(?:页|共\s*\d+\s*页))?[-－—–\s]*$")


def drop_running_lines(pages: list[list[Line]]) -> list[list[Line]]:
    """Each page without its running header and footer: the top and bottom lines that recur
    (digits aside) on half the pages or more, and lines that are only a page number."""
    def key(line: Line) -> str:  # digits and spaces aside (OCR spaces them as it likes)
        return re.sub(r"\d+", "#", re.sub(r"\s+", "", line.text))

    edge: Counter[str] = Counter()
    for lines in pages:
        if lines:
            ends = {key(ln) for ln in lines[:2] + lines[-2:]}
            edge.update(ends)
    recurring = {k for k, n in edge.items() if len(pages) >= 2 and n >= max(2, (len(pages) + 1) // 2)}
    out = []
    for lines in pages:
        keep = []
        for i, ln in enumerate(lines):
            at_edge = i < 2 or i >= len(lines) - 2
            if at_edge and (key(ln) in recurring or _PAGE_NUMBER.match(ln.text)):
                continue
            keep.append(ln)
        out.append(keep)
    return out


_DATE_LINE = re.compile(r"^(?:\d{4}|[〇○零一二三四五六七八九]{4})\s*年\s*[\d一二三四五六七八九十]{1,2}\s*月"
                        r"(?:\s*[\d一二三四五六七八九十]{1,3}\s*日)?$")


def _paragraphs(lines: list[Line], measure_right: float, body_left: float) -> tuple[list[str], list[bool]]:
    """Texts of the lines and, for each but the last, whether the next line continues it.

    A line continues into the next when it fills the measure, the next line does not start a
    heading, is not a date line, is not indented (a right-aligned or centred line stands
    right of the margin too) and does not stand apart by a paragraph gap (the pitch between
    baselines above the usual one), and the line does not end a sentence. Where the document
    marks every paragraph start by an indent or a gap, a full line ending a sentence is not
    taken as a paragraph end either (a sentence may end at the margin) — over a page break,
    where a gap cannot be seen, only when paragraphs open indented."""
    texts = [ln.text for ln in lines]
    pairs = list(zip(lines, lines[1:]))

    def full(cur: Line) -> bool:
        return cur.x1 >= measure_right - 2.2 * max(cur.height, 1.0)

    def pitch(cur: Line, nxt: Line) -> float:
        if cur.base is not None and nxt.base is not None:
            return cur.base - nxt.base
        return cur.bottom - nxt.bottom

    # The usual pitch between two lines of a paragraph: the median after a full line.
    pitches = sorted(pitch(c, n) for c, n in pairs
                     if c.page == n.page and not c.table and not n.table and full(c))
    usual = pitches[len(pitches) // 2] if pitches else 0.0

    def marked(cur: Line, nxt: Line) -> bool:
        em = max(cur.height, 1.0)
        return (nxt.x0 > body_left + 1.5 * em
                or (cur.page == nxt.page and pitch(cur, nxt) > usual + 0.5 * em))

    measure = max(measure_right - body_left, 1.0)

    heights = sorted(ln.height for ln in lines if not ln.table)
    body_height = heights[len(heights) // 2] if heights else 0.0

    def centred(ln: Line) -> bool:
        return abs((ln.x0 - body_left) - (measure_right - ln.x1)) < 1.5 * max(ln.height, 1.0)

    def title_goes_on(cur: Line, nxt: Line) -> bool:
        """A centred line in a larger type than the body, as wide as the measure, then a
        centred line of the same size close under it: a title set over two lines."""
        return (cur.page == nxt.page and cur.height > 1.15 * body_height and centred(cur) and centred(nxt)
                and nxt.x0 > body_left + 1.5 * max(nxt.height, 1.0) and cur.x1 - cur.x0 >= 0.75 * measure
                and abs(cur.height - nxt.height) <= 0.15 * max(cur.height, 1.0)
                and 0 < pitch(cur, nxt) <= 1.8 * max(cur.height, 1.0) and not ends_paragraph(cur.text))

    ends = [marked(c, n) for c, n in pairs if not c.table and not n.table and c.page == n.page and not full(c)]
    geometric = len(ends) >= 3 and sum(ends) >= 0.75 * len(ends)
    starts = [n.x0 > body_left + 1.5 * max(c.height, 1.0)
              for c, n in pairs if not c.table and not n.table and c.page == n.page and not full(c)]
    # Every paragraph opens indented: then a page's first line that is not indented goes on
    # with the paragraph of the page before, even after a sentence that ended at the margin.
    indented = len(starts) >= 3 and sum(starts) >= 0.75 * len(starts)
    joins: list[bool] = []
    for cur, nxt in pairs:
        if cur.table or nxt.table or _DATE_LINE.match(_SPACES.sub("", nxt.text)):
            joins.append(False)
            continue
        joins.append((full(cur) and not marked(cur, nxt) and not starts_heading(nxt.text)
                      and ((geometric and cur.page == nxt.page) or (indented and cur.page != nxt.page)
                           or not ends_paragraph(cur.text)))
                     or title_goes_on(cur, nxt))
    return texts, joins


_NO_PAGES = re.compile(rb"<<(?=[^<>]*/Type\s*/Pages\b)[^<>]*/Count\s*0(?![\d.])[^<>]*>>")

_NUMBER = r"[-+]?\d[\d,]*(?:\.\d+)?%?"
_VALUES_LINE = re.compile(rf"(?:^|\s){_NUMBER}(?:[ \t\u00a0\u3000]+{_NUMBER})+[ \t]*$|^[ \t]*{_NUMBER}[ \t]*$")


def looks_tabular(text: str) -> bool:
    """Whether a page's text holds table rows: a line of numbers only, or ending in two numbers
    apart (PDFium puts cells of one row on one line, spaced), its first and last lines aside
    (a page number). Only such pages, and those after a page with a table (a row or the
    rest of a label cut by the break), have their drawing read for ruling lines."""
    lines = text.split("\r\n")
    return any(_VALUES_LINE.search(ln) for ln in lines[1:-1])


_INK = re.compile(r"\S")
_PLAIN = re.compile("[\x21-\x7e\u00a1-\u00bf\u00d7\u00f7\u2000-\u206f\u2100-\u22ff\u2460-\u24ff"
                    "\u2500-\u257f\u25a0-\u27bf\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
_HAN = re.compile("[\u3400-\u9fff]")


def _garbage(text: str, ink: int) -> bool:
    """Text a font without a usable Unicode map gives (glyph numbers read as characters): a
    quarter or more of odd characters (control, private-use, accented Latin, other scripts),
    or a tenth with hardly a Chinese character. `ink`: the text's non-space characters."""
    if ink == 0:
        return False
    odd = ink - len(_PLAIN.findall(text))
    return odd >= 0.25 * ink or (odd >= 0.1 * ink and len(_HAN.findall(text)) < 0.05 * ink)


def _scanned(page: Any) -> bool:
    """Whether an image covers half the page or more (a scan, not a logo or a stamp)."""
    import pypdfium2.raw as pdfium_c

    handle = page.raw
    width, height = page.get_size()
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    for k in range(pdfium_c.FPDFPage_CountObjects(handle)):
        obj = pdfium_c.FPDFPage_GetObject(handle, k)
        if (pdfium_c.FPDFPageObj_GetType(obj) == pdfium_c.FPDF_PAGEOBJ_IMAGE
                and pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
                and (right.value - left.value) * (top.value - bottom.value) >= 0.5 * width * height):
            return True
    return False


def read_pdf(data: bytes, ocr: PageOcr | None = None) -> PdfText:
    """A PDF's text with tables as tab-separated rows; ReadError when it cannot be read.

    A page without a usable text layer (a scanned page among printed ones, a font whose
    characters map to nothing) is read by `ocr` when given; when every page is such,
    ``needs_ocr`` is set and nothing is read."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise ReadError("encrypted", "the PDF is encrypted (password protected)") from exc
        if _NO_PAGES.search(data[:1 << 20]):  # a page tree of /Count 0: PDFium will not open it
            raise ReadError("empty", "the PDF has no pages") from exc
        raise ReadError("unreadable", f"not a readable PDF: {msg}") from exc
    try:
        n_pages = len(pdf)
        if n_pages == 0:
            raise ReadError("empty", "the PDF has no pages")
        warnings: list[ReportWarning] = []
        if n_pages > MAX_PAGES:
            warnings.append(ReportWarning("pages_truncated",
                             f"PDF of {n_pages} pages read up to page {MAX_PAGES}", None))
        pages: list[list[Line]] = []
        blocks: list[list[TableBlock]] = []
        no_text: list[int] = []
        stamped: list[int] = []
        ruled = False
        after_table = False
        for i in range(min(n_pages, MAX_PAGES)):
            page = pdf[i]
            textpage = page.get_textpage()
            n_chars = textpage.count_chars()
            text = textpage.get_text_range() if n_chars > 0 else ""
            grids: list[Grid] = []
            ink = len(_INK.findall(text))
            garbage = _garbage(text, ink)
            if garbage or ink < MIN_CHARS_PER_PAGE:
                if garbage or _scanned(page):
                    no_text.append(i)
                text = ""
            elif ink < STAMP_CHARS and _scanned(page):  # a scan stamped with a line of text
                if ocr is not None:
                    no_text.append(i)
                    text = ""
                else:   # or a printed page over a background image: keep what it says
                    stamped.append(i)
            frame = page_frame(textpage, n_chars) if text else None
            if text and (after_table or looks_tabular(text)):
                grids = [g for g in find_grids(page_rulings(page, frame)) if len(g.cells) >= 2]
            tables = [_grid_rows(textpage, g, frame) for g in grids]
            ruled = ruled or bool(tables)
            after_table = bool(tables)
            lines = _lines_of(textpage, i, grids, text, frame) if text else []
            lines.sort(key=lambda ln: (-round(ln.top), ln.x0))
            if not grids and any(ln.table for ln in lines):
                lines = join_wrapped_labels(lines)
            pages.append(lines)
            blocks.append(tables)
            textpage.close()
            page.close()
        if stamped:
            warnings.append(ReportWarning("needs_ocr", f"pages {', '.join(str(i + 1) for i in stamped)} look "
                                          f"scanned (an image covers them, under {STAMP_CHARS} characters of text): "
                                          "their text is kept, the image is not read (OCR: the [ocr] extra)", None))
        read = [i for i in range(len(pages)) if pages[i] or blocks[i]]
        if no_text and not read:
            return PdfText("", None, n_pages, warnings, needs_ocr=True, ocr_pages=no_text)
        if not read:
            return PdfText("", None, n_pages, warnings, needs_ocr=True)
        layout = "pdf_lines" if ruled else "pdf_text"  # pdf_text: columns by the gaps between words
        if no_text:
            layout = _ocr_pages(pdf, no_text, ocr, pages, blocks, warnings) or layout
        pages = drop_running_lines(pages)
        text = assemble(pages, blocks)
    finally:
        pdf.close()
    return PdfText(text, layout, n_pages, warnings, ocr_pages=no_text)


def _ocr_pages(pdf: Any, no_text: list[int], ocr: PageOcr | None, pages: list[list[Line]],
               blocks: list[list[TableBlock]], warnings: list[ReportWarning]) -> str | None:
    """The pages without a usable text layer, in a PDF with text on others, read by OCR into
    `pages` and `blocks`. Returns ``"ocr"`` when a table came from OCR (the layout marks every
    table of the file then: a value that may be OCR's is never given as printed text)."""
    listed = ", ".join(str(i + 1) for i in no_text)
    if ocr is None:
        warnings.append(ReportWarning("needs_ocr", f"pages {listed} have no usable text layer (a scan or "
                                      "a font without a Unicode map): not read", None))
        return None
    tabled = False
    if len(no_text) > OCR_PAGES:
        warnings.append(ReportWarning("pages_truncated", f"{len(no_text)} pages without a text layer: OCR of the "
                                      f"first {OCR_PAGES} only", None))
    started = time.monotonic()
    for n, i in enumerate(no_text[:OCR_PAGES]):
        if time.monotonic() - started > OCR_SECONDS:
            warnings.append(ReportWarning("pages_truncated", f"OCR stopped after {OCR_SECONDS:.0f} s: pages "
                                          f"{', '.join(str(k + 1) for k in no_text[n:OCR_PAGES])} not read", None))
            break
        page = pdf[i]
        try:
            lines, tables = ocr(page, i, warnings)
        except ReadError as exc:
            warnings.append(ReportWarning("needs_ocr", f"pages {listed} have no usable text layer (a scan "
                                          f"or a font without a Unicode map): not read ({exc})", None))
            return None
        except Exception as exc:  # one page the OCR engine fails on: the others are still read
            warnings.append(ReportWarning("ocr_failed", f"page {i + 1}: OCR failed ({type(exc).__name__}: {exc})",
                                          None))
            continue
        finally:
            page.close()
        pages[i], blocks[i] = lines, tables
        tabled = tabled or bool(tables)
    warnings.append(ReportWarning("ocr", f"pages {listed} read by OCR: check the values marked in table_info",
                                  None))
    return "ocr" if tabled else None


def assemble(pages: list[list[Line]], blocks: list[list[TableBlock]]) -> str:
    """Lines and table rows of every page in reading order, paragraphs joined."""
    seq: list[Line] = []
    state = _TableState()
    for lines, tables in zip(pages, blocks):
        pending = sorted(tables, key=lambda t: -t.top)
        for ln in lines:
            while pending and pending[0].top >= ln.top:
                state.add(seq, pending.pop(0), ln.page)
            seq.append(ln)
        page = lines[-1].page if lines else -1
        while pending:
            state.add(seq, pending.pop(0), page)
    body = [ln for ln in seq if not ln.table]
    widest = max((ln.x1 - ln.x0 for ln in body), default=0.0)
    rights = sorted(ln.x1 for ln in body if ln.x1 - ln.x0 > 0.6 * widest)
    # The right margin: the median right edge of long lines (most of them are full).
    right = rights[len(rights) // 2] if rights else 0.0
    left = min((ln.x0 for ln in body), default=0.0)
    texts, joins = _paragraphs(seq, right, left)
    return join_lines(texts, joins).text


@dataclass
class _Owner:
    """The cell last printed over a stretch of columns: a merged cell started rows above owns
    its columns until a row draws cells there."""

    x0: float
    x1: float
    row: Line
    cells: list[str]
    index: int


class _TableState:
    """Joins a table that runs on over a page break: the header rows repeated on the new page
    are dropped, and a row cut by the break (the new page's table opens without a top line,
    or its first row holds only the rest of wrapped labels) is one row again, its pieces joined
    cell by cell by their columns (a label merged down from rows above included)."""

    def __init__(self) -> None:
        self.header: list[list[str]] = []
        self.last_row: Line | None = None
        self.last_cells: list[str] = []
        self.owners: list[_Owner] = []
        self.open_bottom = False

    def _owner(self, x0: float, x1: float) -> _Owner | None:
        best = max(self.owners, key=lambda o: min(x1, o.x1) - max(x0, o.x0), default=None)
        return best if best is not None and min(x1, best.x1) - max(x0, best.x0) > 0 else None

    def _join_cut_row(self, cells: list[str], spans: list[tuple[float, float]] | None) -> bool:
        """The first row of a page joined to the rows before the break; False if it does not fit."""
        if self.last_row is None:
            return False
        if spans is None or not self.owners:
            last = list(self.last_cells)
            if len(cells) != len(last):
                return False
            merged = [a + joiner(a, b) + b for a, b in zip(last, cells)]
            self.last_row.text = "\t".join(merged)
            self.last_cells[:] = merged
            return True
        targets = []
        for (x0, x1), text in zip(spans, cells):
            if text:
                if (owner := self._owner(x0, x1)) is None:
                    return False
                targets.append((owner, text))
        for owner, text in targets:
            before = owner.cells[owner.index]
            owner.cells[owner.index] = before + joiner(before, text) + text
            owner.row.text = "\t".join(owner.cells)
        return True

    def _label_rest(self, cells: list[str], spans: list[tuple[float, float]] | None) -> bool:
        """A row with no value, each of whose texts lies in the columns of one label cell
        above the break (its own, not shared, and drawn at the same x's): the end of labels
        wrapped over the page break (some producers close the cut row with lines on both pages)."""
        if spans is None or not self.owners or any(map(is_value_token, cells)) or not any(cells):
            return False
        seen: list[int] = []
        for (x0, x1), text in zip(spans, cells):
            if not text:
                continue
            owner = self._owner(x0, x1)
            if (owner is None or id(owner) in seen or abs(owner.x0 - x0) > 3 * _TOL or abs(owner.x1 - x1) > 3 * _TOL
                    or not owner.cells[owner.index] or is_value_token(owner.cells[owner.index])):
                return False
            seen.append(id(owner))
        return True

    def _own(self, row: Line, cells: list[str], span: list[tuple[float, float]] | None) -> None:
        if span is None:
            self.owners = []
            return
        fresh = [_Owner(x0, x1, row, cells, k) for k, (x0, x1) in enumerate(span)]
        self.owners = [o for o in self.owners if not any(min(o.x1, f.x1) - max(o.x0, f.x0) > _TOL for f in fresh)]
        self.owners += fresh

    def add(self, seq: list[Line], block: TableBlock, page: int) -> None:
        rows = block.rows
        spans = block.spans or [None] * len(rows)  # type: ignore[list-item]
        if not rows:
            return
        continued = bool(seq) and seq[-1].table
        if not continued:
            self.header = rows[:_HEADER_ROWS]
            self.owners = []
        else:
            # The header repeated on the new page: as many of its first rows as recur.
            k = 0
            while self.header and k < min(len(self.header), len(rows)) and rows[k] == self.header[k]:
                k += 1
            repeated = k > 0
            rows, spans = rows[k:], spans[k:]
            if rows and (((block.open_top and self.open_bottom and not repeated)
                          or self._label_rest(rows[0], spans[0])) and self._join_cut_row(rows[0], spans[0])):
                # Cut by the break: the last row had no bottom line and the new page's table no
                # top line, or the new page's first row holds only the rest of a wrapped label.
                rows, spans = rows[1:], spans[1:]
            if rows and block.tall is not None:
                # Cells merged down from the page before open the new page's first row empty
                # (and go on down): the row as the page before would have it, without them.
                tall = block.tall[len(block.rows) - len(rows)]
                lead = 0
                while lead < len(rows[0]) - 1 and not rows[0][lead] and tall[lead]:
                    lead += 1
                if lead and any(rows[0][lead:]):
                    rows = [rows[0][lead:], *rows[1:]]
                    spans = [spans[0][lead:] if spans[0] else None, *spans[1:]]  # type: ignore[list-item]
        for cells, span in zip(rows, spans):
            if not any(cells):  # an empty row gives an empty line, which no reader keeps
                continue
            cells = list(cells)
            seq.append(Line("\t".join(cells), 0, 0, 0, 0, page, table=True))
            self.last_row, self.last_cells = seq[-1], cells
            self._own(seq[-1], cells, span)
        self.open_bottom = block.open_bottom


_HEADER_ROWS = 4
"""A table's first rows that may recur as its header on the next page."""
