"""Extract the three standard tables from a region of text, driven by the templates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter
from types import MappingProxyType
from typing import Any, Callable, Mapping, NamedTuple, Sequence

from gknlp.tables.align import LabelMatch, Tokens, find_label, label_finder, row_tokens
from gknlp.tables.cells import Cell, is_value_token, parse_cell
from gknlp.tables.templates import (
    RowSpec,
    appeals_template,
    proactive_templates,
    requests_template,
)
from gknlp.types import to_json_number

__all__ = ["TableResult", "RowText", "extract_proactive", "extract_requests", "extract_appeals",
           "fit_cells"]

_WAN = Decimal(10000)
_NO_CELLS: Mapping[str, Cell | None] = MappingProxyType({})
_YUAN_HEADER = re.compile(r"[(（:：]\s*元|单位\s*[:：]?\s*元(?!\S*万)|金额\s*[(（]?\s*元")


class RowText(NamedTuple):
    """A row's label position and the raw text of its cells, kept for recovery and audit
    (a tuple: built for every row of every report)."""

    key: str
    label: LabelMatch
    segment: str
    tokens: Tokens
    n_cells: int


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
    warnings: list[dict] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.layout != "absent"

    def value(self, row: str, col: str) -> Decimal | None:
        """A cell's value in the table's unit (元 amounts in 万元); None when blank.

        Called for every cell by the JSON output and the checks, so kept lean."""
        cell = self.rows.get(row, _NO_CELLS).get(col)
        if cell is None:
            return None
        value = cell.value
        if value is not None and self.money_unit and self.money_unit.get(f"{row}.{col}") == "yuan":
            return value / _WAN
        return value

    def grid(self) -> dict[str, dict[str, int | Decimal | None]]:
        """Every cell's value as `value` gives it, in one pass (for callers that read them all).

        Whole numbers come as ints (`Cell.exact`): equal to the Decimals, and summed faster."""
        return self._each_cell(attrgetter("exact"), lambda value: value)

    def json_values(self) -> dict[str, dict[str, int | float | None]]:
        """Every cell's value in its JSON form (`to_json_number` of `value`)."""
        return self._each_cell(attrgetter("number"), to_json_number)

    def _each_cell(self, of_cell: Callable[[Cell], Any],
                   of_value: Callable[[Decimal | None], Any]) -> dict[str, dict[str, Any]]:
        """`of_cell` of every cell, read off the parsed cell; a cell printed in 元 is the one
        exception, given as `of_value` of its value converted to 万元."""
        yuan = {key for key, unit in self.money_unit.items() if unit == "yuan"}
        if not yuan:  # the usual table: every value read off its cell
            return {row: {col: None if cell is None else of_cell(cell) for col, cell in cells.items()}
                    for row, cells in self.rows.items()}
        return {row: {col: None if cell is None
                      else of_value(self.value(row, col)) if yuan and f"{row}.{col}" in yuan
                      else of_cell(cell)
                      for col, cell in cells.items()}
                for row, cells in self.rows.items()}

    def warn(self, code: str, message: str, raw: str | None = None) -> None:
        self.warnings.append({"code": code, "message": f"table {self.key}: {message}", "raw": raw})


def fit_cells(tokens: Tokens, n: int) -> tuple[list[str | None] | None, str | None]:
    """Fit a row's tokens to its n cells; None when the cells run together (needs recovery)."""
    values = tokens.values
    if len(values) == n:
        return list(values), None
    if not tokens.delimited and len(values) == 1 and values[0].isdigit() and len(values[0]) > 1:
        run = values[0]
        if len(run) == n:
            return list(run), None
        return None, "run"
    if len(tokens.cells) == n:
        return [c or None for c in tokens.cells], None
    if len(values) > n:
        return list(values[:n]), "extra_cells"
    cells = list(tokens.cells)
    while len(cells) > n and cells and cells[0] == "":
        cells.pop(0)
    while len(cells) > n and cells[-1] == "":
        cells.pop()
    if len(cells) > n:
        return list(values) + [None] * (n - len(values)), "misaligned"
    missing = n - len(cells)
    fitted = [c or None for c in cells] + [None] * missing
    return fitted, ("missing_cells" if missing and values else None)


def _match_rows(text: str, rows: tuple[RowSpec, ...], start: int, end: int) -> list[LabelMatch]:
    """Required rows in order, then optional (subtotal) rows between their neighbours."""
    found: dict[str, LabelMatch] = {}
    pos = start
    for row in rows:
        if row.optional:
            continue
        span = row.finder.search(text, pos, end)
        if span:
            found[row.key] = LabelMatch(row.key, *span)
            pos = span[1]
    result = list(found.values())
    if not any(row.optional for row in rows):
        return result  # already in text order
    # each optional row lies between the nearest required rows found before and after it
    los: list[int] = []
    lo = start
    for row in rows:
        los.append(lo)
        if row.key in found:
            lo = found[row.key].end
    his: list[int] = []
    hi = end
    for row in reversed(rows):
        his.append(hi)
        if row.key in found:
            hi = found[row.key].start
    his.reverse()
    for row, lo, hi in zip(rows, los, his):
        if not row.optional:
            continue
        span = row.finder.search(text, lo, hi)
        if span:
            result.append(LabelMatch(row.key, *span))
    return sorted(result, key=lambda m: m.start)


def _grid_offsets(text: str, matches: list[LabelMatch], n: int) -> dict[str, int]:
    """Tab grids: how many value columns a short row skips on the left.

    In a tab-separated grid a sub-row may put its label in the first value column
    (seed layouts do this under （三）不予公开): its values start one column later
    than in the full rows, so its first cells are blank rather than its last.
    """
    if not matches:
        return {}
    first_line = text.rfind("\n", 0, matches[0].start) + 1
    last_line_end = text.find("\n", matches[-1].end)
    if text.find("\t", first_line, len(text) if last_line_end < 0 else last_line_end) < 0:
        return {}  # no row's line has a tab: not a tab grid
    starts: dict[str, tuple[int, int]] = {}
    for m in matches:
        line_start = text.rfind("\n", 0, m.start) + 1
        line_end = text.find("\n", m.end)
        line = text[line_start: len(text) if line_end < 0 else line_end]
        if "\t" not in line:
            continue
        is_value = list(map(is_value_token, line.split("\t")))
        if True in is_value[1:]:
            starts[m.key] = (is_value.index(True, 1), sum(is_value))
    full = [first for first, count in starts.values() if count == n]
    if not full:
        return {}
    base = max(set(full), key=full.count)
    return {k: first - base for k, (first, count) in starts.items() if count < n and first > base}


@lru_cache(maxsize=1 << 12)
def _cut_row(segment: str, n: int, shift: int) -> tuple[Tokens, tuple[Cell, ...] | None, str | None]:
    """A row's tokens and its n parsed cells (None when they run together), and any fit problem.

    A pure function of the row's text, cached: most rows of most reports are runs of zeros.
    `shift` is the row's grid offset (see `_grid_offsets`)."""
    tokens = row_tokens(segment)
    fit = tokens
    if shift and len(tokens.values) + shift <= n:
        fit = Tokens(("",) * shift + tokens.values, tokens.delimited)
    fitted, problem = fit_cells(fit, n)
    if fitted is None:
        return tokens, None, problem
    return tokens, tuple(map(parse_cell, fitted)), problem  # None (a missing cell) parses as ""


def _fill(table: TableResult, rows: tuple[RowSpec, ...], columns: dict[str, tuple[str, ...]],
          text: str, matches: list[LabelMatch], end: int) -> None:
    """Cut each matched row's text (up to the next label) into its cells."""
    optional = {r.key for r in rows if r.optional}
    widths = {len(c) for c in columns.values()}
    offsets = _grid_offsets(text, matches, widths.pop()) if len(widths) == 1 else {}
    ends = [m.start for m in matches[1:]] + [end]
    for m, seg_end in zip(matches, ends):
        key = m.key
        cols = columns[key]
        segment = text[m.end:seg_end]
        tokens, cells, problem = _cut_row(segment, len(cols), offsets.get(key, 0))
        table.row_texts[key] = RowText(key, m, segment, tokens, len(cols))
        if key in optional and not tokens.values:
            continue
        if cells is None:
            table.unresolved.append(key)
            table.rows[key] = dict.fromkeys(cols)
            continue
        if problem:
            table.warn(problem, f"row {key}: expected {len(cols)} cells", segment.strip()[:200])
        table.rows[key] = dict(zip(cols, cells))
    for row in rows:
        if row.optional or row.key in table.rows:
            continue
        table.rows[row.key] = dict.fromkeys(columns[row.key])
        if table.found:
            table.warn("row_not_found", f"row {row.key} ({row.labels[0]}) not found")


def _mentions(text: str, start: int, end: int, phrase: str) -> bool:
    """`phrase` is in text[start:end] once spaces and punctuation are ignored (as `squash` compares).

    Searched with the phrase's label pattern rather than by squashing the whole region:
    a region is thousands of characters, and re finds the phrase's first character fast."""
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


def extract_proactive(text: str, start: int, end: int, year: int | None = None, layout: str = "delimited") -> TableResult:
    """Table 二: template chosen by its header labels, then rows aligned."""
    table = TableResult("proactive")
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
    _fill(table, template.rows, {r.key: r.columns for r in template.rows}, text, matches, end)
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


def extract_requests(text: str, start: int, end: int, layout: str = "delimited") -> TableResult:
    """Table 三: 2019 or 2021 rows by their labels; columns by the header (总计, 小计)."""
    spec = requests_template()
    table = TableResult("requests")
    template = "2021" if any(_mentions(text, start, end, mk) for mk in spec.markers_2021) else "2019"
    rows = spec.rows_for(template)
    matches = _match_rows(text, rows, start, end)
    if not matches:
        table.warn("table_not_found", "no row of table 三 found")
        table.template = template
        table.columns = tuple(c.key for c in spec.columns if c.key != "org_subtotal")
        table.rows = {r.key: {c: None for c in table.columns} for r in rows if not r.optional}
        return table
    table.template = template
    table.layout = layout
    cols = tuple(c.key for c in spec.columns
                 if not c.optional or any(_mentions(text, start, matches[0].start, lab) for lab in c.labels))
    table.columns = cols
    if "total" not in cols:
        table.warn("no_total_column", "the table has no 总计 column; total is null")
    _fill(table, rows, {r.key: cols for r in rows}, text, matches, end)
    if "total" not in cols:
        for cells in table.rows.values():
            cells["total"] = None
    return table


def extract_appeals(text: str, start: int, end: int, layout: str = "delimited") -> TableResult:
    """Table 四: fifteen cells after the header's last 总计."""
    spec = appeals_template()
    table = TableResult("appeals", columns=spec.columns)
    pos = start
    anchor = find_label(text, ("行政复议",), None, start, end)
    if anchor is None:
        table.warn("table_not_found", "no 行政复议 header for table 四")
        table.rows = {b: {c: None for c in spec.columns} for b in spec.blocks}
        return table
    pos = anchor.end
    count = 0
    while count < spec.header_end_count:
        m = find_label(text, (spec.header_end,), None, pos, end)
        if m is None:
            break
        pos = m.end
        count += 1
    n = len(spec.blocks) * len(spec.columns)
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
    fitted: Sequence[str | None] | None
    if tokens.delimited and len(values) >= n:
        fitted, problem = values[:n], None
    else:
        fitted, problem = fit_cells(Tokens(tokens.cells[: max(n, 1)] if tokens.delimited else tokens.cells,
                                           tokens.delimited), n)
    if fitted is None:
        table.unresolved.append("appeals")
        table.rows = {b: {c: None for c in spec.columns} for b in spec.blocks}
        return table
    if problem:
        table.warn(problem, f"expected {n} cells", text[pos:end].strip()[:200])
    for bi, block in enumerate(spec.blocks):
        chunk = fitted[bi * len(spec.columns):(bi + 1) * len(spec.columns)]
        table.rows[block] = {c: parse_cell(v or "") for c, v in zip(spec.columns, chunk)}
    return table
