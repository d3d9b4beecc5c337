"""The PDF reader's geometry on small PDFs written by hand: grids drawn the ways producers draw them."""

from __future__ import annotations

import pytest
from handmade_pdf import pdf_of

from gknlp.read.pdf import Line, assemble, cell_text, drop_running_lines, join_wrapped_labels, read_pdf


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


def _body(rows: list[tuple[str, float, float, float]], pitch_base: float = 700.0) -> list[Line]:
    """Lines (text, x0, x1, baseline) of one page, 12 pt high."""
    return [Line(t, x0, x1, base + 10, base - 2, 0, base=base) for t, x0, x1, base in rows]


@pytest.mark.parametrize(("last", "x0", "x1", "gap"), [
    ("某某县人民政府办公室", 60.0, 200.0, 28.0),  # left-aligned, after a paragraph gap
    ("某某县人民政府办公室", 420.0, 560.0, 20.0),  # right-aligned, at the usual pitch
    ("某某县人民政府办公室", 240.0, 380.0, 20.0),  # centred
    ("2022 年 12 月 15 日", 60.0, 150.0, 20.0),  # a date line at the margin, usual pitch
], ids=["gap", "right-aligned", "centred", "date"])
def test_pdf_signature_is_not_joined_to_the_last_paragraph(last: str, x0: float, x1: float, gap: float) -> None:
    """A paragraph whose last line ends at the margin with 。 (the measure is full), then the
    signature: set apart by the geometry, never the continuation of the paragraph."""
    rows = [("第一段的第一行文字写满整行", 60.0, 560.0, 700.0), ("第一段的第二行文字写满整行", 60.0, 560.0, 680.0),
            ("第一段结束。", 60.0, 140.0, 660.0),
            ("第二段的第一行文字写满整行", 60.0, 560.0, 633.0), ("第二段结束。", 60.0, 140.0, 613.0),
            ("第三段的第一行文字写满整行", 60.0, 560.0, 586.0), ("第三段的第二行文字写满整行", 60.0, 560.0, 566.0),
            ("第三段到右边界正好结束。", 60.0, 560.0, 546.0), (last, x0, x1, 546.0 - gap)]
    lines = _body(rows)
    lines[-2].bottom -= 3  # a bracket or comma hangs below the others: glyph boxes vary, baselines do not
    got = assemble([lines], [[]])
    assert got.split("\n") == ["第一段的第一行文字写满整行第一段的第二行文字写满整行第一段结束。",
                               "第二段的第一行文字写满整行第二段结束。",
                               "第三段的第一行文字写满整行第三段的第二行文字写满整行第三段到右边界正好结束。", last]


def test_pdf_full_line_at_the_usual_pitch_continues() -> None:
    """The same lines with the last at the usual pitch and margin: the paragraph goes on."""
    rows = [("第一段的第一行文字写满整行", 60.0, 560.0, 700.0), ("第一段结束。", 60.0, 140.0, 680.0),
            ("第二段的第一行文字写满整行", 60.0, 560.0, 653.0), ("第二段结束。", 60.0, 140.0, 633.0),
            ("第三段的第一行文字写满整行", 60.0, 560.0, 606.0), ("第三段结束。", 60.0, 140.0, 586.0),
            ("第四段的第一行文字写满整行", 60.0, 560.0, 559.0), ("接着写", 60.0, 120.0, 539.0)]
    assert assemble([_body(rows)], [[]]).split("\n")[-1] == "第四段的第一行文字写满整行接着写"


@pytest.mark.parametrize("turn", ["0 0.7 -0.7 0 612 0", "0 -0.7 0.7 0 0 792"], ids=["counter-clockwise", "clockwise"])
def test_pdf_sideways_page_is_read_upright(turn: str) -> None:
    """A table and its text drawn turned a quarter (a landscape page put sideways on portrait
    paper): read in the page's upright frame, the same rows and line as drawn upright."""
    got = read_pdf(pdf_of([f"q {turn} cm " + _cell_boxes() + CELLS + "Q\n"]))
    assert got.layout == "pdf_lines"
    assert ROWS in got.text
    assert got.text.startswith("Before the table")


def test_pdf_wrapped_labels_join_their_row() -> None:
    """Tables without lines: a label wrapped over lines (values on its middle or last line) is
    one label; lines standing as far apart as rows do are not joined."""
    def ln(text: str, x0: float, base: float, table: bool = False) -> Line:
        return Line(text, x0, x0 + 12 * len(text.split("\t")[0]), base + 10, base - 2, 0, table=table, base=base)

    lines = [ln("一、本年新收政府信", 60, 700), ln("息公开申请数量\t3\t0\t3", 60, 683, True),  # in-cell pitch 17
             ln("二、上年结转政府信息公开申请数量\t0\t0\t0", 60, 663, True),  # rows 20 apart
             ln("5.要求行政机关", 60, 643), ln("确认或重新出具", 60, 626), ln("0\t0\t0", 200, 626, True),
             ln("已获取信息", 60, 609),
             ln("（七）总计\t3\t0\t3", 60, 589, True)]
    assert [x.text for x in join_wrapped_labels(lines)] == [
        "一、本年新收政府信息公开申请数量\t3\t0\t3", "二、上年结转政府信息公开申请数量\t0\t0\t0",
        "5.要求行政机关确认或重新出具已获取信息\t0\t0\t0", "（七）总计\t3\t0\t3"]
    # A label line as close to the row above as to the row below: which row it belongs to is
    # not proven, so nothing is joined.
    ambiguous = [ln("甲\t1\t1", 60, 700, True), ln("乙", 60, 683), ln("丙\t2\t2", 60, 666, True)]
    assert [x.text for x in join_wrapped_labels(ambiguous)] == ["甲\t1\t1", "乙", "丙\t2\t2"]
