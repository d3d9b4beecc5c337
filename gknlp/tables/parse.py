"""Extract the three standard tables from a region of text, driven by the templates."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from operator import attrgetter
from types import MappingProxyType
from typing import Any, NamedTuple

from gknlp.tables.align import (
    LabelMatch,
    Tokens,
    enumerator_start,
    find_label,
    fuzzy_label,
    label_finder,
    row_tokens,
)
from gknlp.tables.cells import Cell, is_value_token, parse_cell
from gknlp.tables.templates import (
    ProactiveTemplate,
    RowSpec,
    appeals_template,
    proactive_templates,
    requests_template,
)
from gknlp.text.labels import squash
from gknlp.types import ReportWarning, Where, to_json_number

__all__ = [
    "Lost",
    "Provenance",
    "RowText",
    "TableResult",
    "TableViews",
    "cell_keys",
    "extract_appeals",
    "extract_proactive",
    "extract_requests",
    "fit_cells",
    "row_cells",
]

_WAN = Decimal(10000)
_NO_CELLS: Mapping[str, Cell | None] = MappingProxyType({})
_YUAN_HEADER = re.compile(r"[(（:：]\s*元|单位\s*[:：]?\s*元(?!\S*万)|金额\s*[(（]?\s*元")


class Provenance(str, Enum):
    """How a value that was not read directly from its own printed cell was obtained."""

    DERIVED = "derived"        # settled exactly by the identities (the rule is in table_info.derived)
    RECOVERED = "recovered"    # cut from cells a crawler ran together, or placed by the identities
    AMBIGUOUS = "ambiguous"    # null: several readings fit, or the layout lost the cell's column
    OCR = "ocr"                # read from an OCR layer (layout "ocr")


class RowText(NamedTuple):
    """A row's label position and the raw text of its cells, kept for recovery and audit."""

    key: str
    label: LabelMatch
    segment: str
    tokens: Tokens
    n_cells: int


class Lost(NamedTuple):
    """Printed values whose columns the layout does not prove (fewer values than cells)."""

    cells: tuple[tuple[str, str], ...]   # the (row, column) cells they belong to, in order
    values: tuple[str, ...]              # the printed values, in order
    placed: bool = False
    """Placed by the grid's columns (kept unless the identities refute it)."""


@lru_cache(maxsize=1 << 10)
def _table_where(table: str, row: str | None, column: str | None) -> Where:
    """A table warning's place, made once per (table, row, column): a `Where` is frozen, so one
    is shared by every warning there. Why: tables warn tens of times per report (most warnings
    about rows run together are dropped once recovery splits them), and building a frozen
    dataclass is most of a warning's cost. The keys are a template's names."""
    return Where(table=table, row=row, column=column)


class TableViews(NamedTuple):
    """A table's cells as the report writes them (`TableResult.views`)."""

    values: dict[str, dict[str, int | float | None]]
    """row → column → the cell's JSON value (`TableResult.json_values`)."""
    raw: dict[str, str]
    """"row.col" → the printed text kept for audit (`table_info.<table>.raw`)."""
    blank: list[str]
    """The cells printed blank, "row.col" (`TableResult.blank_cells`)."""


@dataclass
class TableResult:
    """One table: cells by row and column, plus how they were obtained."""

    key: str
    template: str | None = None
    layout: str = "absent"
    columns: tuple[str, ...] = ()
    rows: dict[str, dict[str, Cell | None]] = field(default_factory=dict)
    row_texts: dict[str, RowText] = field(default_factory=dict)
    unresolved: list[str] = field(default_factory=list)
    ambiguous: dict[str, list] = field(default_factory=dict)
    money_unit: dict[str, str] = field(default_factory=dict)
    warnings: list[ReportWarning] = field(default_factory=list)
    provenance: dict[str, Provenance] = field(default_factory=dict)
    """"row.col" → how a cell not read directly was obtained."""
    derived: dict[str, str] = field(default_factory=dict)
    """"row.col" → the identity that settled it."""
    labels: dict[str, str] = field(default_factory=dict)
    """row → its printed label, when it was matched tolerantly (not exactly)."""
    lost: dict[str, Lost] = field(default_factory=dict)
    """row → values the layout could not place (its cells are null until the identities do)."""
    ocr: bool = False

    @property
    def found(self) -> bool:
        return self.layout != "absent"

    def value(self, row: str, col: str) -> Decimal | None:
        """A cell's value in the table's unit (元 amounts in 万元); None when blank."""
        cell = self.rows.get(row, _NO_CELLS).get(col)
        if cell is None or cell.value is None:
            return None
        if self.money_unit.get(f"{row}.{col}") == "yuan":
            return cell.value / _WAN
        return cell.value

    def grid(self) -> dict[str, dict[str, Decimal | None]]:
        """Every cell's value as `value` gives it."""
        if self.money_unit:
            return {row: {col: self.value(row, col) for col in cols} for row, cols in self.rows.items()}
        return {row: {col: None if cell is None else cell.value for col, cell in cols.items()}
                for row, cols in self.rows.items()}

    def json_values(self) -> dict[str, dict[str, int | float | None]]:
        """Every cell's value in its JSON form (`to_json_number` of `value`)."""
        return self.views().values

    def views(self) -> TableViews:
        """`json_values`, `info`'s raw texts and `blank_cells`, made in one pass over the cells
        (the paragraphs step writes all three for every table of every report)."""
        values: dict[str, dict[str, int | float | None]] = {}
        raw: dict[str, str] = {}
        blank: list[str] = []
        for row, cols in self.rows.items():
            out: dict[str, int | float | None] = {}
            values[row] = out
            for col, cell in cols.items():
                if cell is None:
                    out[col] = None
                    continue
                out[col] = cell.json
                if cell.audited:   # (a few cells a report)
                    if cell.shown_raw is not None:
                        raw[f"{row}.{col}"] = cell.shown_raw
                    if cell.kind == "empty":
                        blank.append(f"{row}.{col}")
        if self.money_unit:
            values = {row: {col: to_json_number(v) for col, v in cols.items()} for row, cols in self.grid().items()}
        return TableViews(values, raw, blank)

    def warn(self, code: str, message: str, raw: str | None = None, row: str | None = None,
             column: str | None = None) -> None:
        self.warnings.append(ReportWarning(code, f"table {self.key}: {message}", raw,
                                           _table_where(self.key, row, column)))

    def blank_cells(self) -> list[str]:
        """The cells printed blank (``row.col``): null in the output, and not a 0 — a reader must
        be told, since many reports leave a 0 blank and others leave an unknown one blank."""
        return self.views().blank

    def info(self, views: TableViews | None = None) -> dict[str, Any]:
        """How the table was read (`table_info.<table>`): template, layout, columns, printed text
        worth auditing, ambiguity, and the provenance of every value not read directly.
        `views`: the table's `views()` when the caller has them already."""
        raw = (views or self.views()).raw
        provenance = {k: p._value_ for k, p in self.provenance.items()}   # (`.value` is a slow enum property)
        if self.ocr:
            for row, cols in self.rows.items():
                for col, cell in cols.items():
                    if cell is not None and cell.value is not None:
                        provenance.setdefault(f"{row}.{col}", Provenance.OCR.value)
        return {"template": self.template, "layout": self.layout, "columns": list(self.columns) or None,
                "raw": raw, "ambiguous": sum(len(v) for v in self.ambiguous.values()),
                "ambiguous_cells": self.ambiguous or {}, "derived": dict(self.derived),
                "provenance": provenance, "labels": dict(self.labels)}


@lru_cache(maxsize=1 << 10)
def cell_keys(row: str, columns: tuple[str, ...]) -> tuple[str, ...]:
    """A row's cell keys ("row.col": how provenance, money_unit, ambiguous and derived name a
    cell), remembered per row and columns. Why: the parser marks every cell of a row printed
    short, and recovery clears and marks every cell of a row it cuts; a template has few rows."""
    return tuple(f"{row}.{col}" for col in columns)


@lru_cache(maxsize=1 << 10)
def row_cells(row: str, columns: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """A row's (row, column) cells, as a `Lost` lists them; remembered as `cell_keys` are."""
    return tuple((row, col) for col in columns)


@lru_cache(maxsize=1 << 10)
def _ambiguous_row(row: str, columns: tuple[str, ...]) -> dict[str, Provenance]:
    """Every cell of a row marked ambiguous ("row.col" → AMBIGUOUS), made once per row and
    columns, as `cell_keys` are; only read (copied into a table's provenance)."""
    return dict.fromkeys(cell_keys(row, columns), Provenance.AMBIGUOUS)


_START = attrgetter("start")
_new_tuple = tuple.__new__
"""A NamedTuple built without its Python-level `__new__` (its fields all given, in order):
`_fill` builds one or two per row of every table."""


def fit_cells(tokens: Tokens, n: int) -> tuple[list[str | None] | None, str | None]:
    """Fit a row's tokens to its n cells: a printed blank cell is "", a lost one None.

    None when the cells run together (needs recovery). When the row has fewer (or misplaced)
    values than cells and its delimiters do not say which cells are empty, every cell is None
    and the problem is named: a value is never put in a column the layout does not prove."""
    values = tokens.values
    if len(values) == n:
        return list(values), None
    if not tokens.delimited and len(values) == 1 and values[0].isdigit() and len(values[0]) > 1:
        run = values[0]
        if len(run) == n:
            return list(run), None
        return None, "run"
    if len(tokens.cells) == n:
        return list(tokens.cells), None
    if len(values) > n:
        return list(values[:n]), "extra_cells"
    cells = list(tokens.cells)
    while len(cells) > n and cells and cells[0] == "":
        cells.pop(0)
    while len(cells) > n and cells[-1] == "":
        cells.pop()
    if len(cells) == n:
        return list[str | None](cells), None
    if not values:   # a row printed with no cell at all lost them; blank cells are blank
        if not tokens.cells:
            return [None] * n, "missing_cells" if tokens.delimited else "no_values"
        return [""] * n, None
    return [None] * n, ("misaligned" if len(cells) > n else "missing_cells")


def _match_rows(text: str, rows: tuple[RowSpec, ...], start: int, end: int) -> list[LabelMatch]:
    """Rows in template order; an optional (subtotal) row only between the required rows found
    before and after it (so an absent subtotal is not taken from a later part of the text)."""
    found: list[LabelMatch] = []
    pending: list[RowSpec] = []   # optional rows waiting for the next required row found
    pos = start

    def place_pending(hi: int) -> None:
        for row in pending:
            span = row.finder.search(text, pos, hi)
            if span:
                found.append(_new_tuple(LabelMatch, (row.key, *span)))
        pending.clear()

    for row in rows:
        if row.optional:
            pending.append(row)
            continue
        span = row.finder.search(text, pos, end)
        if span:
            if pending:
                place_pending(span[0])
            found.append(_new_tuple(LabelMatch, (row.key, *span)))
            pos = span[1]
    place_pending(end)
    return sorted(found, key=_START)


def _match_out_of_order(table: TableResult, template: ProactiveTemplate, text: str, start: int, end: int,
                        matches: list[LabelMatch]) -> list[LabelMatch]:
    """Table 二's rows that a PDF's text moved out of the template's order (its blocks are
    independent: each row carries its own values): a required row not found in order is taken
    where its label stands once in the table's text (from its first block header, 第二十条…/信息内容),
    at the start of a line or a cell, or right after a value or a column label, with a digit
    after it on its line; never from narrative (全年办理行政许可1203件). Each is named in a
    `row_out_of_order` warning."""
    at = {m.key for m in matches}
    missing = [row for row in template.rows if not row.optional and row.key not in at]
    if not missing:
        return matches
    header = min((m.start for w in template.block_headers
                  if (m := find_label(text, (w,), None, start, end))), default=None)
    if header is None:
        return matches
    heads = tuple(lab for labs in template.column_labels.values() for lab in labs) + template.block_headers
    added: list[LabelMatch] = []
    for row in missing:
        first = row.finder.search(text, header, end)
        if first is None or row.finder.search(text, first[1], end) is not None:
            continue   # absent, or printed twice: not proven
        if any(m.start < first[1] and first[0] < m.end for m in matches + added):
            continue
        before = text[max(start, first[0] - 40):first[0]].rstrip(" \u3000")
        line_after = text[first[1]:end].split("\n", 1)[0][:40]
        opens = not before or before[-1] in "\n\t|" or before[-1].isdigit() or before.endswith(heads)
        if not opens or not _DIGIT.search(line_after):
            continue
        added.append(LabelMatch(row.key, *first))
        table.warn("row_out_of_order", f"row {row.key} ({row.labels[0]}) found out of the template's order",
                   text[first[0]:first[1] + len(line_after)].strip()[:200], row=row.key)
    return sorted(matches + added, key=lambda m: m.start) if added else matches


def _match_tolerantly(table: TableResult, text: str, rows: tuple[RowSpec, ...], start: int, end: int,
                      matches: list[LabelMatch]) -> list[LabelMatch]:
    """Required rows not found exactly, looked for with a bounded edit distance between the
    rows found before and after them (the printed label is kept in `table.labels`)."""
    if not matches:
        return matches
    at = {m.key: m for m in matches}
    order = [r for r in rows if not r.optional]
    if 3 * sum(r.key not in at for r in order) > len(order):
        return matches   # most rows missing: another layout or template, not a typo or two
    added: list[LabelMatch] = []
    for i, row in enumerate(order):
        if row.key in at:
            continue
        before = [at[r.key] for r in order[:i] if r.key in at]
        after = [at[r.key] for r in order[i + 1:] if r.key in at]
        lo = before[-1].end if before else max(start, (after[0].start - 400) if after else start)
        hi = after[0].start if after else min(end, lo + 400)
        if hi <= lo or hi - lo > 2000:
            continue
        rivals = tuple(r.labels for r in rows if r.key != row.key)
        fm = fuzzy_label(text, lo, hi, row.labels, rivals)
        if fm is None:
            continue
        m = LabelMatch(row.key, enumerator_start(text, lo, fm.start, row.enum), fm.end)
        at[row.key] = m
        added.append(m)
        table.labels[row.key] = fm.printed
        table.warn("label_tolerant", f"row {row.key} matched to the printed label {fm.printed!r} "
                   f"({fm.edits} edits from {row.labels[0]})", fm.printed, row=row.key)
    return sorted(matches + added, key=lambda m: m.start) if added else matches


def _grid_offsets(text: str, matches: list[LabelMatch], n: int) -> dict[str, int]:
    """Tab grids: how many value columns a short row skips on the left.

    In a tab-separated grid a sub-row may put its label in the first value column
    (seed layouts do this under （三）不予公开): its values start one column later
    than in the full rows, so its first cells are blank rather than its last. A row whose
    values start later but still span n fields (its label took two fields, one of its cells
    is printed blank) lost nothing.
    """
    if not matches:
        return {}
    first_line = text.rfind("\n", 0, matches[0].start) + 1
    last_line_end = text.find("\n", matches[-1].end)
    if text.find("\t", first_line, len(text) if last_line_end < 0 else last_line_end) < 0:
        return {}  # no row's line has a tab: not a tab grid
    starts: dict[str, tuple[int, int, int]] = {}  # first value field, values, fields from first to last value
    for m in matches:
        line_start = text.rfind("\n", 0, m.start) + 1
        line_end = text.find("\n", m.end)
        line = text[line_start: len(text) if line_end < 0 else line_end]
        if "\t" not in line:
            continue
        is_value = list(map(is_value_token, line.split("\t")))
        if True in is_value[1:]:
            first = is_value.index(True, 1)
            slots = len(is_value) - is_value[::-1].index(True) - first  # first value to last, blanks included
            starts[m.key] = (first, sum(is_value), slots)
    full = [first for first, count, _ in starts.values() if count == n]
    if not full:
        return {}
    base = max(set(full), key=full.count)
    # a row spanning n fields from its first value to its last printed a blank cell among them:
    # it lost none (its first value sits later because its label takes two fields)
    return {k: first - base for k, (first, count, slots) in starts.items() if count < n and first > base and slots < n}


@lru_cache(maxsize=1 << 12)
def _cut_row(segment: str, n: int, shift: int) -> tuple[Tokens, tuple[Cell | None, ...] | None, str | None]:
    """A row's tokens and its n parsed cells (None when they run together), and any fit problem.

    Cached (a pure function of the row's text): most rows of most reports are runs of zeros.
    `shift` is the row's grid offset (see `_grid_offsets`)."""
    tokens = row_tokens(segment)
    fit = tokens
    if shift and len(tokens.values) + shift <= n:
        fit = Tokens(("",) * shift + tokens.values, tokens.delimited)   # (the shifted cells: lost, see _fill)
    fitted, problem = fit_cells(fit, n)
    if fitted is None:
        return tokens, None, problem
    return tokens, tuple(None if c is None else parse_cell(c) for c in fitted), problem


def _html_cells(segment: str, n: int, label_line: bool) -> tuple[str, ...] | None:
    """An HTML row's n cells, blank ones included, when its line holds exactly n cells.

    Why: an HTML row is rendered as one line of tab-separated cells, one per <td>, blank
    cells included (the tokenizer drops trailing blanks as borders). Its geometry proves
    the columns; a row with another number of cells (a lost <td>) proves nothing."""
    for i, line in enumerate(segment.split("\n")):
        pieces = line.split("\t")
        if label_line and i == 0:
            pieces = pieces[1:]
        values = [p.strip() for p in pieces]
        if not any(values) and not (label_line and i == 0 and len(values) == n):
            continue   # (a row of blank cells on the label's line is that row)
        if len(values) == n and all(not v or is_value_token(v) for v in values):
            return tuple(values)
        return None
    return None


def _own_line(segment: str, n: int) -> bool:
    """The row's first line of values holds exactly its n values: the values after them (a row
    whose label was not found, narrative) are on later lines, so the first n are the row's."""
    for line in segment.split("\n"):
        values = row_tokens(line).values
        if values:
            return len(values) == n
    return False


def _fill(table: TableResult, rows: tuple[RowSpec, ...], columns: dict[str, tuple[str, ...]],
          text: str, matches: list[LabelMatch], end: int) -> None:
    """Cut each matched row's text (up to the next label) into its cells."""
    optional = {r.key for r in rows if r.optional}
    widths = {len(c) for c in columns.values()}
    offsets = _grid_offsets(text, matches, widths.pop()) if len(widths) == 1 else {}
    ends = [m.start for m in matches[1:]] + [end]
    row_texts, provenance, lost_rows = table.row_texts, table.provenance, table.lost
    for m, seg_end in zip(matches, ends):
        key = m.key
        cols = columns[key]
        segment = text[m.end:seg_end]
        shift = offsets.get(key, 0)
        tokens, cells, problem = _cut_row(segment, len(cols), shift)
        row_texts[key] = _new_tuple(RowText, (key, m, segment, tokens, len(cols)))
        if key in optional and not tokens.values:
            continue
        if cells is None:
            table.unresolved.append(key)
            table.rows[key] = dict.fromkeys(cols)
            continue
        if shift and not problem:
            cells = (None,) * shift + cells[shift:]   # type: ignore[assignment]
            lost = ", ".join(cols[:shift])
            table.warn("lost_cells", f"row {key}: the layout lost {shift} cell(s) ({lost}); the printed values "
                       "are placed by the grid's columns", segment.strip()[:200], row=key)
            table.provenance.update(dict.fromkeys(cell_keys(key, cols[:shift]), Provenance.AMBIGUOUS))
            table.lost[key] = Lost(row_cells(key, cols), tokens.values, placed=True)
        if problem in ("missing_cells", "misaligned") and table.layout == "html" and not shift:
            html_cells = _html_cells(segment, len(cols), label_line=True)
            if html_cells is not None:
                cells, problem = tuple(map(parse_cell, html_cells)), None
        if problem:
            table.warn(problem, f"row {key}: expected {len(cols)} cells",
                       segment.strip()[:200], row=key)
            if problem == "extra_cells" and not _own_line(segment, len(cols)):
                lost_rows[key] = Lost(row_cells(key, cols), tokens.values[:len(cols)], placed=True)
            if problem in ("missing_cells", "misaligned", "no_values"):   # (most rows of crawled text)
                lost_rows[key] = _new_tuple(Lost, (row_cells(key, cols), tokens.values, False))
                provenance.update(_ambiguous_row(key, cols))
        table.rows[key] = dict(zip(cols, cells))
    for row in rows:
        if row.optional or row.key in table.rows:
            continue
        table.rows[row.key] = dict.fromkeys(columns[row.key])
        if table.found:
            table.warn("row_not_found", f"row {row.key} ({row.labels[0]}) not found", row=row.key)


def _mentions(text: str, start: int, end: int, phrase: str) -> bool:
    """`phrase` is in text[start:end] once spaces and punctuation are ignored (as `squash` compares)."""
    return label_finder((phrase,)).search(text, start, end) is not None


def _choose_template(text: str, start: int, end: int, year: int | None) -> str | None:
    scores = {t.name: sum(_mentions(text, start, end, mk) for mk in t.markers) for t in proactive_templates()}
    best = max(scores.values())
    if best == 0:
        return None
    winners = [name for name, s in scores.items() if s == best]
    if len(winners) == 1:
        return winners[0]
    return "2021" if (year or 0) >= 2021 else "2019"


def _has_value(text: str, start: int, end: int) -> bool:
    """A digit in text[start:end] (a value, also run into the next label in flattened text)."""
    return _DIGIT.search(text, start, end) is not None


def _proactive_transposed(table: TableResult, template: ProactiveTemplate, text: str, matches: list[LabelMatch],
                          end: int) -> set[str]:
    """Sections of table 二 printed transposed: the section's items (规章, 行政规范性文件 …) as
    the header, with no value between them, then one line per measure (本年制发件数 …) with a
    value per item; each line mapped by its label, each value by its item's place in the
    header. Fills those rows; returns their keys (none when no section is laid out so)."""
    specs = {r.key: r for r in template.rows}
    groups: list[list[LabelMatch]] = []
    for m in matches:
        g = groups[-1] if groups else None
        if g and specs[g[-1].key].columns == specs[m.key].columns and not _has_value(text, g[-1].end, m.start) \
                and not any(find_label(text, template.column_labels.get(c, ()), None, g[-1].end, m.start)
                            for c in specs[m.key].columns):
            g.append(m)
        else:
            groups.append([m])
    done: set[str] = set()
    starts = [g[0].start for g in groups[1:]] + [end]
    for g, seg_end in zip(groups, starts):
        cols = specs[g[0].key].columns
        labels = [(c, template.column_labels.get(c, ())) for c in cols]
        # A measure's label after the items' first value is no header: they are looked for only
        # up to it (no label holds a digit, so none found before it runs past it).
        digit = _DIGIT.search(text, g[-1].end, seg_end)
        before = seg_end if digit is None else digit.start()
        found = [f.start for _, labs in labels if labs and (f := find_label(text, labs, None, g[-1].end, before))]
        first_label = min(found, default=None)
        if first_label is None:
            continue   # values follow the items: a section printed the usual way
        got = _transposed_columns(text, labels, g[-1].end, seg_end, len(g))
        if got is None and not _has_value(text, first_label, seg_end):
            continue   # no value after the measures' labels: the next section's header, not this one's lines
        lines = got[0] if got is not None else {}   # (values run together: the section is null and flagged)
        table.layout = "transposed"
        for i, m in enumerate(g):
            cells = {c: parse_cell(lines[c][i]) if len(lines.get(c, ())) == len(g) else None for c in cols}
            segment = "\t".join(lines[c][i] if len(lines.get(c, ())) == len(g) else "" for c in cols)
            table.row_texts[m.key] = RowText(m.key, m, segment, row_tokens(segment), len(cols))
            table.rows[m.key] = cells
            done.add(m.key)
        for c in cols:
            if len(lines.get(c, ())) == len(g):
                continue
            table.warn("missing_cells" if c in lines else "column_not_found",
                       f"column {c}: expected {len(g)} cells" + (f", {len(lines[c])} printed" if c in lines else ""),
                       column=c)
            for m in g:
                table.provenance[f"{m.key}.{c}"] = Provenance.AMBIGUOUS
    return done


def extract_proactive(text: str, start: int, end: int, year: int | None = None, layout: str = "delimited") -> TableResult:
    """Table 二: template chosen by its header labels, then rows aligned."""
    table = TableResult("proactive", ocr=layout == "ocr")
    name = _choose_template(text, start, end, year)
    templates = {t.name: t for t in proactive_templates()}
    template = templates.get(name) if name else None
    if template is None:
        # No header marker: try both and keep the one whose rows are found.
        found = {t.name: _match_rows(text, t.rows, start, end) for t in proactive_templates()}
        name = max(found, key=lambda k: (len(found[k]), k == ("2021" if (year or 0) >= 2021 else "2019")))
        if not found[name]:
            table.warn("table_not_found", "no row of table 二 found")
            table.rows = {r.key: {c: None for c in r.columns} for r in templates["2021" if (year or 0) >= 2021 else "2019"].rows}
            return table
        template = templates[name]
        table.warn("template_guessed", f"no header label of either template; rows fit template {name}")
    table.template = template.name
    matches = _match_rows(text, template.rows, start, end)
    if not matches:
        table.warn("table_not_found", "no row of table 二 found")
        table.rows = {r.key: {c: None for c in r.columns} for r in template.rows}
        return table
    table.layout = layout
    matches = _match_tolerantly(table, text, template.rows, start, end, matches)
    matches = _match_out_of_order(table, template, text, start, end, matches)
    transposed = _proactive_transposed(table, template, text, matches, end)
    _fill(table, template.rows, {r.key: r.columns for r in template.rows}, text,
          [m for m in matches if m.key not in transposed], end)
    prev_end = start
    for m in matches:  # in text order
        for col in template.money_columns.get(m.key, ()):
            header = text[prev_end:m.start]
            cell = table.rows.get(m.key, _NO_CELLS).get(col)
            unit = cell.unit if cell else None
            if unit == "元" or (unit is None and "万元" not in header and _YUAN_HEADER.search(header)):
                table.money_unit[f"{m.key}.{col}"] = "yuan"
        prev_end = m.end
    return table


_ENUMERATED = re.compile(r"^[\s|#]*\d+\s*[.、．]")


class _HeaderWords(NamedTuple):
    """Table 三's column header vocabulary, made once per process from the template."""

    applicants: tuple[str, ...]
    """The applicant columns' labels (other_org's 其他 aside: it is also a row's label)."""
    words: tuple[str, ...]
    """Every header word, longest first."""
    foreign: re.Pattern[str]
    """A letter in no header word (nor an ASCII digit): a line holding one is not made only of
    header words. Why: most of a table's lines are rows or narrative, told apart from a header
    line by one scan instead of squashing the line and replacing every word in it."""


@lru_cache(maxsize=1)
def _header_vocab() -> _HeaderWords:
    spec = requests_template()
    applicants = tuple(lab for c in spec.columns if not c.optional and c.key != "other_org" for lab in c.labels)
    # longest first, then in code point order: the order words are taken out of a line may
    # matter (数数据量), and a set's order changes with the hash seed from one process to the next
    words = tuple(sorted({lab for c in spec.columns for lab in c.labels} | set(spec.header_words),
                         key=lambda w: (-len(w), w)))
    if any(not w.strip("0123456789") for w in words):   # (`_header_words` skips lines of digits)
        raise ValueError(f"requests template: a header word of digits alone or empty: {words}")
    letters = "".join(sorted({ch for w in words for ch in w}))
    return _HeaderWords(applicants, words, re.compile(rf"[^\W0-9{re.escape(letters)}]"))


def _header_words(line: str, vocab: _HeaderWords) -> int:
    """How many header words a line made only of header words (and numbering, punctuation,
    spaces, separators) holds; 0 for any other line, and for an enumerated row label (3.其他)."""
    if vocab.foreign.search(line) or _ENUMERATED.match(line):
        return 0
    rest, n = squash(line), 0
    if not rest.strip("0123456789"):
        return 0   # digits alone (a line of values, a blank line): no header word is in it
    for w in vocab.words:
        if w in rest:
            rest = rest.replace(w, "")
            n += 1
    return n if not rest.strip("0123456789") else 0


def _mask_repeated_headers(text: str, start: int, end: int, vocab: _HeaderWords) -> str:
    """The text with table 三's column header blanked where it is printed again mid-table (after
    a page break, or above each sub-table), so that its 总计 / 其他 are not taken for row labels.
    A repeated header is a run of lines made only of header words, after the first values,
    naming at least three applicant columns, or holding two header words on one line, or three
    lines or more (one header word a line: 类别, 数据1 … 总计); a lone 总计 may be a row's label. Offsets are kept (blanked with spaces)."""
    applicants = vocab.applicants
    if not any(text.count(lab, start, end) > 1 for lab in applicants) and text.count("总计", start, end) < 3:
        return text   # no column named again (总计: the header's and the row's): the usual table
    spans: list[tuple[int, int]] = []
    seen_values = False
    block: list[tuple[int, int, int]] = []   # the current run of header-only lines (start, end, words)
    pos = start

    def close() -> None:
        if block and seen_values and (sum(1 for lab in applicants
                                          if any(lab in squash(text[s:e]) for s, e, _ in block)) >= 3
                                      or any(n >= 2 for _, _, n in block) or len(block) >= 3):
            spans.extend((s, e) for s, e, _ in block)
        block.clear()

    while pos < end:
        nl = text.find("\n", pos, end)
        line_end = end if nl < 0 else nl
        line = text[pos:line_end]
        if _value_line(line):
            close()
            seen_values = True
        elif n := _header_words(line, vocab):
            block.append((pos, line_end, n))
        elif line.strip(" \t|:-"):
            close()
        pos = line_end + 1
    close()
    if not spans:
        return text
    parts, last = [], 0
    for s, e in spans:
        parts += [text[last:s], " " * (e - s)]
        last = e
    parts.append(text[last:])
    return "".join(parts)


def _header_lines(text: str, start: int, end: int, vocab: _HeaderWords) -> list[str]:
    """The lines of text[start:end] made only of header words (and numbering): the column
    headers, also those printed above each sub-table (`类别 数据 1 … 总计`), whose numbers
    make `_first_value_line` stop before them."""
    out = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        line_end = end if nl < 0 else nl
        line = text[pos:line_end]
        if _header_words(line, vocab) >= 2:
            out.append(line)
        pos = line_end + 1
    return out


def _value_line(line: str) -> bool:
    """A token of the line (cut at spaces and pipes) is a value holding a digit (a placeholder
    alone is not). (`\\d` finds the digit: no value nor placeholder holds a digit it misses.)"""
    return any(is_value_token(t) for t in line.replace("|", " ").split() if _DIGIT.search(t))


def _first_value_line(text: str, pos: int, end: int) -> int:
    """Where the first line holding a value starts, from `pos` (the first row label found): the
    column header lies before it, also when a heading repeats the first row's label above the
    header (per-block sub-tables)."""
    while pos < end:
        nl = text.find("\n", pos, end)
        line_end = end if nl < 0 else nl
        if _DIGIT.search(text, pos, line_end) and _value_line(text[pos:line_end]):
            return max(pos, text.rfind("\n", 0, pos) + 1)
        pos = line_end + 1
    return end


_DIGIT = re.compile(r"\d")
_STACKED_LINE = 4  # a stacked header word's line: the word and a neighbour's piece at most


def _transposed_columns(text: str, labels: list[tuple[str, tuple[str, ...]]], start: int, end: int,
                        n: int, min_lines: int = 1) -> tuple[dict[str, tuple[str, ...]], int] | None:
    """The lines of a transposed table: each line label of `labels` (key, its labels) found in
    text[start:end], in the order printed, with its values (n of them, unless the layout lost
    or ran cells together), and where the last one ends. None when fewer than `min_lines`
    labelled lines hold values."""
    found = []
    for key, labs in labels:
        m = find_label(text, labs, None, start, end)
        if m is not None:
            found.append((m.start, m.end, key))
    found.sort()
    out: dict[str, tuple[str, ...]] = {}
    last_end = start
    for i, (s0, e0, key) in enumerate(found):
        if i + 1 < len(found) and found[i + 1][0] < e0:
            return None   # one label inside another: the lines cannot be told apart
        seg_end = found[i + 1][0] if i + 1 < len(found) else end
        tokens = row_tokens(text[e0:seg_end])
        values = tokens.values
        if i + 1 == len(found) and tokens.delimited and len(values) > n and _own_line(text[e0:seg_end], n):
            values = values[:n]   # the last line: the narrative after the table is not part of it
        out[key] = values
        last_end = seg_end
    if sum(1 for v in out.values() if v) < min_lines:
        return None   # too few labelled lines of values: not a transposed table
    return out, last_end


def _header_order(text: str, found: list[LabelMatch], order: list[str]) -> list[LabelMatch] | None:
    """The header's labels as the values follow them: the printed order, which must be the
    template's unless the header is one line (a multi-level header prints its labels level by
    level, not in the columns' order). None when the order is not proven."""
    found = sorted(found, key=lambda m: m.start)
    if any(b.start < a.end for a, b in zip(found, found[1:])):
        return None   # one label inside another
    keys = [m.key for m in found]
    present = set(keys)
    if keys == [k for k in order if k in present]:
        return found
    if "\n" in text[found[0].start:found[-1].end]:
        return None
    return found


def _requests_transposed(table: TableResult, text: str, start: int, end: int, rows: tuple[RowSpec, ...],
                         first: int, found: list[LabelMatch]) -> bool:
    """Table 三 printed transposed: the request rows' labels as the header, one line per
    applicant column (自然人 …, 总计) with a value per request row. Rows are mapped by the
    header's labels, columns by each line's label. False when the text is not laid out so.
    `first` is where the first line holding a value starts, `found` the rows matched before it."""
    required = [r for r in rows if not r.optional]
    found_keys = {m.key for m in found}
    if 2 * sum(not r.optional for r in rows if r.key in found_keys) < len(required):
        return False   # the rows' labels are not above the first values: not transposed
    found = _match_tolerantly(table, text, rows, start, first, found)
    spec = requests_template()
    header = _header_order(text, found, [r.key for r in required])
    got = _transposed_columns(text, [(c.key, c.labels) for c in spec.columns], found[-1].end, end, len(found),
                              min_lines=2)
    if got is None:
        return False
    lines, _ = got
    if header is None:   # transposed, but the header's order is not proven: nothing is placed
        header, lines = sorted(found, key=lambda m: m.start), {}
        table.warn("header_order", "table printed transposed; the order of its header's labels is not proven")
    table.layout = "transposed"
    cols = tuple(c.key for c in spec.columns if c.key in lines or not c.optional)
    table.columns = cols
    keys = [m.key for m in header]
    proven = {c: v for c, v in lines.items() if len(v) == len(keys)}
    for i, m in enumerate(header):
        cells = [proven[c][i] if c in proven else "" for c in cols]
        segment = "\t".join(cells)
        table.row_texts[m.key] = RowText(m.key, m, segment, row_tokens(segment), len(cols))
        table.rows[m.key] = {c: parse_cell(v) if c in proven else None for c, v in zip(cols, cells)}
    for c in cols:
        if c in proven:
            continue
        if c in lines:
            table.warn("missing_cells", f"column {c}: expected {len(keys)} cells, {len(lines[c])} printed",
                       " ".join(lines[c])[:200], column=c)
            table.lost[f"column {c}"] = Lost(tuple((k, c) for k in keys), lines[c])
        else:
            table.warn("column_not_found", f"column {c} not found", column=c)
        for k in keys:
            table.provenance[f"{k}.{c}"] = Provenance.AMBIGUOUS
    for row in rows:
        if not row.optional and row.key not in table.rows:
            table.rows[row.key] = dict.fromkeys(cols)
            table.warn("row_not_found", f"row {row.key} ({row.labels[0]}) not found", row=row.key)
    if "total" not in cols:
        for cells_ in table.rows.values():
            cells_["total"] = None
    return True


def extract_requests(text: str, start: int, end: int, layout: str = "delimited") -> TableResult:
    """Table 三: 2019 or 2021 rows by their labels; columns by the header (总计, 小计)."""
    spec = requests_template()
    table = TableResult("requests", ocr=layout == "ocr")
    template = "2021" if any(_mentions(text, start, end, mk) for mk in spec.markers_2021) else "2019"
    rows = spec.rows_for(template)
    vocab = _header_vocab()
    table.template = template
    first = _first_value_line(text, start, end)
    above = _match_rows(text, rows, start, first)   # (in the template's order, as the columns run)
    if _requests_transposed(table, text, start, end, rows, first, above):
        return table
    table.warnings.clear()
    table.labels.clear()
    masked = _mask_repeated_headers(text, start, end, vocab)
    # no line holds a value (crawled text run together) and no header was masked: the rows
    # matched above the first value line are the whole table's
    matches = above if first == end and masked is text else _match_rows(masked, rows, start, end)
    text = masked
    if not matches:
        table.warn("table_not_found", "no row of table 三 found")
        table.template = template
        table.columns = tuple(c.key for c in spec.columns if c.key != "org_subtotal")
        table.rows = {r.key: {c: None for c in table.columns} for r in rows if not r.optional}
        return table
    table.template = template
    table.layout = layout
    matches = _match_tolerantly(table, text, rows, start, end, matches)
    header_end = _first_value_line(text, matches[0].start, end)
    header_lines = _header_lines(text, start, matches[-1].end, vocab)
    cols = tuple(c.key for c in spec.columns
                 if not c.optional or any(_mentions(text, start, header_end, lab) for lab in c.labels)
                 or any(_mentions(line, 0, len(line), lab) for line in header_lines for lab in c.labels))
    table.columns = cols
    if "total" not in cols:
        table.warn("no_total_column", "the table has no 总计 column; total is null")
    _fill(table, rows, {r.key: cols for r in rows}, text, matches, end)
    if "total" not in cols:
        for cells in table.rows.values():
            cells["total"] = None
    return table


def _column_order(text: str, start: int, end: int) -> tuple[str, ...] | None:
    """Table 四's columns in the order a header in text[start:end] prints them (None unless all
    five are named there once)."""
    spec = appeals_template()
    at = {}
    for col, labels in spec.column_labels.items():
        m = find_label(text, labels, None, start, end)
        if m is None:
            return None
        at[col] = m.start
    order = tuple(sorted(at, key=at.__getitem__))
    return order if len(set(at.values())) == len(order) else None


def _appeals_values(tokens: Tokens, n: int, last: bool) -> tuple[str, ...] | None:
    """A block's n values: exactly n printed, or (the last block, whose text runs on into the
    narrative) the first n of a delimited row."""
    values = tokens.values
    if len(values) == n or (last and tokens.delimited and len(values) > n):
        return values[:n]
    return None


def _appeals_by_heading(table: TableResult, text: str, anchor: LabelMatch, end: int) -> bool:
    """One small table per block, each under its heading with its own header: map each by its
    heading and its header's labels. False when the text is not laid out so."""
    spec = appeals_template()
    heads: list[tuple[str, LabelMatch]] = []
    pos = anchor.start
    for block in spec.blocks:
        m = find_label(text, spec.block_labels[block], None, pos, end)
        if m is None:
            return False
        heads.append((block, m))
        pos = m.end
    width = len(spec.columns)
    plans = []
    for i, (block, m) in enumerate(heads):
        seg_end = heads[i + 1][1].start if i + 1 < len(heads) else end
        header_end = find_label(text, spec.column_labels["total"], None, m.end, seg_end)
        if header_end is None:
            return False
        segment = text[header_end.end:seg_end]
        tokens = row_tokens(segment)
        if not tokens.values and i + 1 < len(heads):
            return False   # a header with no values under it: one grid, blocks side by side
        order = _column_order(text, m.end, header_end.end) or spec.columns
        plans.append((block, order, segment, tokens, i + 1 == len(heads)))
    table.layout = table.layout if table.layout != "absent" else "delimited"
    for block, order, segment, tokens, last in plans:
        values = _appeals_values(tokens, width, last)
        table.row_texts[block] = RowText(block, LabelMatch(block, 0, 0), segment, tokens, width)
        if values is None:
            table.rows[block] = dict.fromkeys(spec.columns)
            if tokens.values:
                table.warn("missing_cells", f"block {block}: expected {width} cells, {len(tokens.values)} printed",
                           segment.strip()[:200], row=block)
                table.lost[block] = Lost(tuple((block, c) for c in order), tokens.values[:width])
                for c in spec.columns:
                    table.provenance[f"{block}.{c}"] = Provenance.AMBIGUOUS
            continue
        cells = dict(zip(order, map(parse_cell, values)))
        table.rows[block] = {c: cells[c] for c in spec.columns}
    return True


def _appeals_transposed(table: TableResult, text: str, anchor: LabelMatch, end: int) -> bool:
    """Table 四 printed transposed: one line per column (结果维持 …) with a value per block, the
    blocks in the order the header names them. False when the text is not laid out so."""
    spec = appeals_template()
    found = []
    for col, labels in spec.column_labels.items():
        m = find_label(text, labels, None, anchor.end, end)
        if m is None:
            return False
        found.append((m.start, m.end, col))
    found.sort()
    heads = []
    for block in spec.blocks:
        m = find_label(text, spec.block_labels[block], None, anchor.start, found[0][0])
        if m is None:
            return False
        heads.append((m.start, block))
    heads.sort()
    blocks = [b for _, b in heads]
    n = len(blocks)
    values: dict[str, tuple[str, ...]] = {}
    for i, (_, e, col) in enumerate(found):
        seg_end = found[i + 1][0] if i + 1 < len(found) else end
        got = _appeals_values(row_tokens(text[e:seg_end]), n, i + 1 == len(found))
        if got is None:
            return False
        values[col] = got
    table.layout = "transposed"
    for bi, block in enumerate(blocks):
        table.rows[block] = {c: parse_cell(values[c][bi]) for c in spec.columns}
    table.rows = {b: table.rows[b] for b in spec.blocks}
    return True


def _stacked_anchor(text: str, start: int, end: int) -> LabelMatch | None:
    """Where table 四's header begins when a narrow cell stacked its words (行政 / 复议 on lines of
    their own, 行政诉讼 between them, as a PDF's text gives a borderless header): the first of
    the template's `stacked_header_words` (复议, 诉讼), each on a line of at most four characters,
    when all are there and the header's 总计 follows. Never a sentence that names them."""
    spec = appeals_template()
    found = []
    for word in spec.stacked_header_words:
        m = next((m for m in re.finditer(re.escape(word), text[start:end])
                  if len(_line_at(text, start + m.start()).strip()) <= _STACKED_LINE), None)
        if m is None:
            return None
        found.append((start + m.start(), start + m.end()))
    if not found:
        return None
    first = min(found)
    if find_label(text, (spec.header_end,), None, first[1], end) is None:
        return None
    return LabelMatch("review", *first)


def _line_at(text: str, i: int) -> str:
    """The line of `text` that holds position i."""
    return text[text.rfind("\n", 0, i) + 1:(j if (j := text.find("\n", i)) >= 0 else len(text))]


def extract_appeals(text: str, start: int, end: int, layout: str = "delimited") -> TableResult:
    """Table 四: fifteen cells after the header's last 总计; or one small table per block under
    its heading; or transposed. Blocks and columns are mapped by their labels where printed."""
    spec = appeals_template()
    table = TableResult("appeals", columns=spec.columns, ocr=layout == "ocr")
    anchor = find_label(text, spec.block_labels["review"], None, start, end) or _stacked_anchor(text, start, end)
    if anchor is None:
        table.warn("table_not_found", "no 行政复议 header for table 四")
        table.rows = {b: {c: None for c in spec.columns} for b in spec.blocks}
        return table
    table.layout = layout
    if _appeals_by_heading(table, text, anchor, end) or _appeals_transposed(table, text, anchor, end):
        return table
    table.layout = "absent"
    pos = anchor.end
    count = 0
    while count < spec.header_end_count:
        m = find_label(text, (spec.header_end,), None, pos, end)
        if m is None:
            break
        pos = m.end
        count += 1
    width = len(spec.columns)
    n = len(spec.blocks) * width
    tokens = row_tokens(text[pos:end])
    fake = LabelMatch("appeals", pos, pos)
    table.row_texts["appeals"] = RowText("appeals", fake, text[pos:end], tokens, n)
    if not tokens.values:
        table.warn("table_not_found", "table 四 has no values")
        table.rows = {b: {c: None for c in spec.columns} for b in spec.blocks}
        return table
    table.layout = layout
    # The values are the first run of value cells; narrative after the table is not part of it.
    values = list(tokens.values)
    fitted: list[str | None] | None
    if tokens.delimited and len(values) >= n:
        fitted, problem = list[str | None](values[:n]), None
    else:
        fitted, problem = fit_cells(Tokens(tokens.cells[: max(n, 1)] if tokens.delimited else tokens.cells,
                                           tokens.delimited), n)
    if fitted is None:
        table.unresolved.append("appeals")
        table.rows = {b: {c: None for c in spec.columns} for b in spec.blocks}
        return table
    if problem in ("missing_cells", "misaligned") and layout == "html":
        html_cells = _html_cells(text[pos:end], n, label_line=False)
        if html_cells is not None:
            fitted, problem = list(html_cells), None
    if problem:
        table.warn(problem, f"expected {n} cells", text[pos:end].strip()[:200], row="appeals")
        if problem in ("missing_cells", "misaligned"):
            table.lost["appeals"] = Lost(tuple((b, c) for b in spec.blocks for c in spec.columns),
                                         tuple(values[:n]))
            for b in spec.blocks:
                for c in spec.columns:
                    table.provenance[f"{b}.{c}"] = Provenance.AMBIGUOUS
    for bi, block in enumerate(spec.blocks):
        chunk = fitted[bi * width:(bi + 1) * width]
        table.rows[block] = {c: None if v is None else parse_cell(v) for c, v in zip(spec.columns, chunk)}
    return table
