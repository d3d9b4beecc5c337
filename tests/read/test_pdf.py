"""The PDF reader's geometry on small PDFs written by hand: grids drawn the ways producers draw them."""

from __future__ import annotations

import pytest
from handmade_pdf import pdf_of

from gknlp.read.pdf import Line, cell_text, drop_running_lines, read_pdf


def text(x: float, y: float, s: str) -> str:
    return f"BT /F1 10 Tf {x} {y} Td ({s}) Tj ET\n"


# A 3 x 3 grid at x 100/200/300/400, y 700/680/660/640; the top row's last two cells merged
# (no line at x=300 between y 680 and 700).
CELLS = (text(105, 686, "Name") + text(205, 686, "Total") + text(105, 666, "alpha") + text(205, 666, "1")
         + text(305, 666, "2") + text(105, 646, "beta") + text(205, 646, "3") + text(305, 646, "4")
         + text(100, 740, "Before the table, a line of prose long enough to matter."))
ROWS = "Name\tTotal\nalpha\t1\t2\nbeta\t3\t4"


def _one_stroked_path(scale: float) -> str:
    """The whole grid as one stroked path, drawn under a scaling matrix."""
    k = 1 / scale
    moves = []
    for y in (700, 680, 660, 640):
        moves.append(f"{100 * k} {y * k} m {400 * k} {y * k} l")
    for x, y0, y1 in ((100, 640, 700), (200, 640, 700), (300, 640, 680), (400, 640, 700)):
        moves.append(f"{x * k} {y0 * k} m {x * k} {y1 * k} l")
    return f"q {scale} 0 0 {scale} 0 0 cm 0.5 w {' '.join(moves)} S Q\n"


def _one_filled_path() -> str:
    """The grid as thin filled rectangles, all subpaths of one path."""
    rects = [f"100 {y - 0.4} 300 0.8 re" for y in (700, 680, 660, 640)]
    rects += [f"{x - 0.4} {y0} 0.8 {y1 - y0} re" for x, y0, y1 in
              ((100, 640, 700), (200, 640, 700), (300, 640, 680), (400, 640, 700))]
    return " ".join(rects) + " f\n"


def _cell_boxes() -> str:
    """Each cell stroked as its own box (the merged one as one box)."""
    boxes = ["100 680 100 20 re", "200 680 200 20 re"]
    boxes += [f"{x} {y} 100 20 re" for y in (660, 640) for x in (100, 200, 300)]
    return "0.5 w " + " ".join(boxes) + " S\n"


@pytest.mark.parametrize("grid", [_one_stroked_path(0.5), _one_stroked_path(1.0), _one_filled_path(), _cell_boxes()],
                         ids=["stroked-path-scaled", "stroked-path", "filled-subpaths", "stroked-boxes"])
def test_pdf_grid_drawn_any_way_gives_rows(grid: str) -> None:
    got = read_pdf(pdf_of([grid + CELLS]))
    assert got.layout == "pdf_lines"
    assert ROWS in got.text
    assert got.text.startswith("Before the table")


def test_pdf_table_over_a_page_break_is_one_table() -> None:
    """The header row repeated on the next page is dropped; the rows run on."""
    page2 = (_one_stroked_path(1.0) + text(105, 686, "Name") + text(205, 686, "Total")
             + text(105, 666, "gamma") + text(205, 666, "5") + text(305, 666, "6")
             + text(105, 646, "delta") + text(205, 646, "7") + text(305, 646, "8"))
    got = read_pdf(pdf_of([_one_stroked_path(1.0) + CELLS, page2]))
    assert ROWS + "\ngamma\t5\t6\ndelta\t7\t8" in got.text
    assert got.text.count("Name\tTotal") == 1


def test_pdf_running_lines_and_page_numbers_dropped() -> None:
    words = ["alpha", "beta", "gamma"]
    pages = [[Line("Annual report 2020", 0, 100, 780, 770, i), Line(f"body {words[i]}", 0, 100, 700, 690, i),
              Line(f"- {i + 1} -", 0, 10, 30, 20, i)] for i in range(3)]
    assert [[ln.text for ln in p] for p in drop_running_lines(pages)] == [["body alpha"], ["body beta"],
                                                                          ["body gamma"]]
    # One page: nothing recurs, only a bare page number goes.
    assert [ln.text for ln in drop_running_lines(pages[:1])[0]] == ["Annual report 2020", "body alpha"]


def test_pdf_cell_text_joins_wrapped_lines() -> None:
    assert cell_text("本年新\r\n制作数量") == "本年新制作数量"
    assert cell_text("Other\r\nitems  \r\n") == "Other items"
