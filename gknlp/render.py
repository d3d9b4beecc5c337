"""`gknlp render`: one report's extraction as a self-contained HTML page, to check it by eye.

The page shows the normalised text with its sections outlined, each paragraph coloured by its
first theme (all scores on hover), the counts highlighted with value, unit and category, the
three tables with each cell's provenance and the failed identities marked, the checks and the
warnings. Nothing is loaded from anywhere: the template (``gknlp/data/render/report.html``)
holds all the style, and there is no script. Pure functions over a record (the JSON document);
:func:`render_file` adds reading or extracting it.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape
from pathlib import Path
from string import Template
from typing import Any

__all__ = ["render_record", "render_file", "cell_provenance", "RenderError", "THEME_COLOURS", "PROVENANCE_CLASSES"]


class RenderError(ValueError):
    """The input cannot be rendered (missing, empty, not a report or results record); the message says why."""


#: Paragraph colours, given to the codebook's labels in order (colour-blind safe pastel set, then greys).
THEME_COLOURS = ("#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5",
                 "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f")

#: Provenance classes a cell can carry, with the words the page's key shows. `printed` is the default.
PROVENANCE_CLASSES = {
    "printed": "printed: read as printed",
    "derived": "derived: computed from other cells",
    "recovered": "recovered: split from cells run together",
    "ambiguous": "ambiguous: several readings, left null",
    "ocr": "OCR: read from an image",
    "raw": "printed text kept (placeholder, 增/减, unit)",
    "other": "other provenance field",
}
_TABLE_SECTIONS = ("proactive", "requests", "appeals")
_TABLE_INFO_PLAIN = {"template", "layout", "columns", "ambiguous"}
_FIELD_CLASS = (("ambiguous", "ambiguous"), ("derived", "derived"), ("recover", "recovered"), ("ocr", "ocr"),
                ("raw", "raw"))


def _field_class(field: str, value: Any) -> str:
    """The provenance class of a per-cell table_info field, read generically: a string value naming
    a known provenance (``{"provenance": {"new.total": "derived"}}``) wins, else the field's name."""
    if isinstance(value, str) and value.lower() in PROVENANCE_CLASSES and field != "raw":
        return value.lower()
    low = field.lower()
    for part, cls in _FIELD_CLASS:
        if part in low:
            return cls
    return "other"


def cell_provenance(info: dict[str, Any] | None) -> dict[str, list[tuple[str, str]]]:
    """`"row.col"` → [(class, tooltip)] from whatever per-cell fields a table_info has.

    Any field whose value is a mapping keyed by ``row.col`` (``raw``, ``ambiguous_cells``, a
    ``derived`` or ``provenance`` map…) or a list of ``row.col`` names tags those cells, so a
    field added by another module shows without a change here. A table laid out as
    ``recovered`` or ``ocr`` tags every cell not otherwise tagged with that class."""
    tags: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for field, value in (info or {}).items():
        if field in _TABLE_INFO_PLAIN:
            continue
        if isinstance(value, dict):
            for cell, v in value.items():
                if isinstance(cell, str) and "." in cell:
                    tags[cell].append((_field_class(field, v), f"{field}: {v}"))
        elif isinstance(value, list):
            for cell in value:
                if isinstance(cell, str) and "." in cell:
                    tags[cell].append((_field_class(field, True), field))
    return tags


def _span(text: str, start: int, end: int) -> str:
    return escape(text[start:end])


def _count_mark(text: str, c: dict[str, Any]) -> str:
    tip = (f"value {c.get('value')}" + (f"–{c['value_max']}" if c.get("value_max") is not None else "")
           + f" · unit {c.get('unit')} · category {c.get('category')} · counted {c.get('counted')}"
           + f" · approx {c.get('approx')}" + (f" · qualifier {c['qualifier']}" if c.get("qualifier") else "")
           + f" · [{c.get('start')}, {c.get('end')})")
    return (f'<mark class="count" data-value="{escape(str(c.get("value")))}" data-unit="{escape(str(c.get("unit")))}" '
            f'data-category="{escape(str(c.get("category")))}" title="{escape(tip)}">{escape(text)}'
            f'<sub>{escape(str(c.get("category")))}</sub></mark>')


def _paragraph_html(p: dict[str, Any], body: str, offset: int, counts: list[dict[str, Any]],
                    colours: dict[str, str]) -> str:
    """A paragraph's text (``body`` starts at report offset ``offset``) with its counts marked."""
    out, pos = [], 0
    for c in sorted(counts, key=lambda c: c["start"]):
        s, e = c["start"] - offset, c["end"] - offset
        if s < pos or e > len(body) or s < 0:
            continue  # overlapping or outside: leave as text
        out.append(escape(body[pos:s]))
        out.append(_count_mark(body[s:e], c))
        pos = e
    out.append(escape(body[pos:]))
    themes = p.get("themes")
    scores = p.get("scores") or {}
    tip = "\n".join(f"{k} {v:.3f}" for k, v in sorted(scores.items(), key=lambda kv: -kv[1])) or "not themed"
    if p.get("kind"):
        tip += f"\nkind {p['kind']}"
    first = themes[0] if themes else None
    cls = "para" + (f" theme-{first}" if first in colours else "")
    label = ",".join(themes) if themes else ("—" if themes is not None else "not themed")
    return (f'<div class="{cls}" id="p-{escape(p["id"])}" data-themes="{escape(",".join(themes or []))}" '
            f'title="{escape(tip)}">{"".join(out)}<span class="tags">[{escape(p["id"])}: {escape(label)}'
            f'{" · " + escape(p["kind"]) if p.get("kind") else ""}]</span></div>')


def _text_html(rec: dict[str, Any], text: str | None, colours: dict[str, str]) -> str:
    paragraphs = sorted(rec.get("paragraphs") or [], key=lambda p: p["start"])
    by_para: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in rec.get("counts") or []:
        by_para[c.get("paragraph")].append(c)
    sections = sorted(((k, s) for k, s in (rec.get("sections") or {}).items() if s), key=lambda kv: kv[1]["start"])
    if text is None:  # no text in the record: paragraphs only
        return "".join(_paragraph_html(p, p["text"], p["start"], by_para[p["id"]], colours) for p in paragraphs)
    out: list[str] = []

    def plain(a: int, b: int) -> None:
        if b > a:
            out.append(f'<span class="plain">{_span(text, a, b)}</span>')

    def body(a: int, b: int) -> None:
        pos = a
        for p in paragraphs:
            if a <= p["start"] and p["end"] <= b:
                plain(pos, p["start"])
                out.append(_paragraph_html(p, text[p["start"]:p["end"]], p["start"], by_para[p["id"]], colours))
                pos = p["end"]
        plain(pos, b)

    pos = 0
    for key, s in sections:
        body(pos, s["start"])
        body_start = s.get("body_start", s["start"])
        cls = "sec inferred" if s.get("inferred") else "sec"
        out.append(f'<section class="{cls}" id="sec-{key}" data-section="{key}" data-start="{s["start"]}" '
                   f'data-end="{s["end"]}"><div class="sec-label">{key} [{s["start"]}, {s["end"]})'
                   f'{" inferred" if s.get("inferred") else ""}</div>')
        if body_start > s["start"]:
            out.append(f'<div class="heading">{_span(text, s["start"], body_start)}</div>')
        if key in _TABLE_SECTIONS:  # the printed table, folded: it is shown read under Tables
            out.append(f'<details class="table-text"><summary>the table as printed ({s["end"] - body_start} '
                       f'characters; read under <a href="#tables">Tables</a>)</summary>')
            body(body_start, s["end"])
            out.append("</details>")
        else:
            body(body_start, s["end"])
        out.append("</section>")
        pos = s["end"]
    body(pos, len(text))
    return "".join(out)


def _where_target(where: str) -> tuple[str, str | None, str | None] | None:
    """A check's `where` (`requests.natural_person: …`, `requests.denied_subtotal.research: …`) → (table, a, b)."""
    head = where.split(":", 1)[0].strip()
    parts = head.split(".")
    if not parts or parts[0] not in ("proactive", "requests", "appeals"):
        return None
    return parts[0], parts[1] if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None


def _tables_html(rec: dict[str, Any]) -> str:
    failed: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    tables = rec.get("tables") or {}
    for c in rec.get("checks") or []:
        if c.get("status") != "fail":
            continue
        target = _where_target(str(c.get("where", "")))
        if target is None:
            continue
        table, a, b = target
        rows = tables.get(table) or {}
        for row, row_cells in rows.items():
            for col in (row_cells or {}):
                hit = (a is None or (b is None and a in (row, col)) or (a == row and b == col))
                if hit:
                    failed[(table, row, col)].append(f"{c['rule']} fail: {c['where']} "
                                                     f"(expected {c.get('expected')}, found {c.get('found')})")
    out = []
    for table in ("proactive", "requests", "appeals"):
        rows = tables.get(table)
        info = (rec.get("table_info") or {}).get(table) or {}
        layout = info.get("layout")
        caption = (f"{table} · template {info.get('template')} · layout {layout} · "
                   f"ambiguous cells {info.get('ambiguous', 0)}")
        if not rows:
            out.append(f'<p class="note" data-table="{table}">{escape(caption)}: no table found</p>')
            continue
        cols: list[str] = []
        for r in rows.values():
            for c in (r or {}):
                if c not in cols:
                    cols.append(c)
        prov = cell_provenance(info)
        layout_cls = layout if layout in ("recovered", "ocr") else None
        html = [f'<table class="extracted" data-table="{table}"><caption>{escape(caption)}</caption><tr>'
                f'<th class="rowlabel">row</th>' + "".join(f"<th>{escape(c)}</th>" for c in cols) + "</tr>"]
        for row, values in rows.items():
            html.append(f'<tr><td class="rowlabel">{escape(row)}</td>')
            for col in cols:
                v = (values or {}).get(col)
                tags = prov.get(f"{row}.{col}", [])
                classes = {cls for cls, _ in tags} or ({layout_cls} if layout_cls and v is not None else {"printed"})
                tips = [t for _, t in tags] + failed.get((table, row, col), [])
                cls = "cell " + " ".join(f"prov-{c}" for c in sorted(classes))
                if v is None:
                    cls += " empty"
                if (table, row, col) in failed:
                    cls += " check-fail"
                shown = "—" if v is None else str(v)
                html.append(f'<td class="{cls}" data-cell="{escape(row)}.{escape(col)}" '
                            f'title="{escape(chr(10).join(tips) or "printed")}">{escape(shown)}</td>')
            html.append("</tr>")
        html.append("</table>")
        out.append("".join(html))
    return "".join(out)


def _checks_html(rec: dict[str, Any]) -> str:
    checks = rec.get("checks") or []
    if not checks:
        return '<p class="note">no checks</p>'
    rows = "".join(
        f'<tr class="{escape(str(c.get("status")))}"><td class="left">{escape(str(c.get("rule")))}</td>'
        f'<td class="left">{escape(str(c.get("status")))}</td><td>{escape(str(c.get("expected")))}</td>'
        f'<td>{escape(str(c.get("found")))}</td><td class="left">{escape(str(c.get("where")))}</td></tr>'
        for c in sorted(checks, key=lambda c: (c.get("status") != "fail", str(c.get("rule")))))
    return ('<table id="checks-table"><tr><th>rule</th><th>status</th><th>expected</th><th>found</th>'
            f"<th>where</th></tr>{rows}</table>")


def _warnings_html(rec: dict[str, Any]) -> str:
    warnings = rec.get("warnings") or []
    if not warnings:
        return '<p class="note">no warnings</p>'
    items = "".join(f'<li data-code="{escape(str(w.get("code")))}"><b>{escape(str(w.get("code")))}</b>: '
                    f'{escape(str(w.get("message")))}'
                    + (f' — <q>{escape(str(w["raw"])[:200])}</q>' if w.get("raw") else "") + "</li>"
                    for w in warnings)
    return f'<ul class="warnings">{items}</ul>'


def _codebook_labels(rec: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        from gknlp.themes.codebook import load_codebook

        return [(t.label, t.name_zh) for t in load_codebook().themes]
    except (OSError, ValueError):
        labels = sorted({t for p in rec.get("paragraphs") or [] for t in (p.get("themes") or [])})
        return [(lab, "") for lab in labels]


def render_record(rec: dict[str, Any], text: str | None = None) -> str:
    """The page for one record (the JSON document of one report); ``text`` the normalised
    text when the record has none (a record written with ``--with-text`` carries it)."""
    if "error" in rec:
        raise RenderError(f"{(rec.get('source') or {}).get('path')}: the record is an error "
                          f"({rec['error'].get('type')}: {rec['error'].get('message')}); nothing to show")
    from gknlp import __version__

    text = rec.get("text") if text is None else text
    labels = _codebook_labels(rec)
    colours = {lab: THEME_COLOURS[i % len(THEME_COLOURS)] for i, (lab, _) in enumerate(labels)}
    theme_css = "\n".join(f"  .para.theme-{lab} {{ background: {col}55; border-left-color: {col}; }}"
                          for lab, col in colours.items())
    legend = "".join(f'<span class="theme-{lab}" style="background:{colours[lab]}">{escape(lab)} {escape(zh)}</span>'
                     for lab, zh in labels)
    meta = rec.get("meta") or {}
    src = rec.get("source") or {}
    meta_html = "".join(f"<span>{escape(k)}: {escape(str(v))}</span>" for k, v in (
        ("issuer", meta.get("issuer")), ("year", meta.get("year")), ("level", meta.get("level")),
        ("template", meta.get("template")), ("published", meta.get("published")), ("source", src.get("path")),
        ("sha256", (src.get("sha256") or "")[:12]), ("gknlp", rec.get("gknlp_version")),
        ("model", rec.get("model_version"))))
    outline = "".join(
        (f'<li><a href="#sec-{k}">{escape(k)}</a>{" (inferred)" if s.get("inferred") else ""}</li>' if s else
         f'<li class="missing">{escape(k)}: not found</li>')
        for k, s in (rec.get("sections") or {}).items())
    checks = rec.get("checks") or []
    n_fail = sum(1 for c in checks if c.get("status") == "fail")
    figures = "".join(f'<div class="figure{" bad" if bad else ""}" id="fig-{key}"><b>{n}</b> {label}</div>'
                      for key, n, label, bad in (
                          ("paragraphs", len(rec.get("paragraphs") or []), "paragraphs", False),
                          ("counts", len(rec.get("counts") or []), "counts", False),
                          ("checks", len(checks), "checks", False),
                          ("failed", n_fail, "failed identities", n_fail > 0),
                          ("warnings", len(rec.get("warnings") or []), "warnings", False)))
    key = "".join(f'<span class="cell prov-{c}">{escape(t)}</span>' for c, t in PROVENANCE_CLASSES.items())
    key += '<span class="cell check-fail" style="box-shadow: inset 0 0 0 2px #d32f2f">in a failed identity</span>'
    note = ("" if text is not None else '<p class="note" id="no-text">The record has no normalised text '
            "(extract with --with-text, or render the report file): paragraphs only.</p>")
    template = Template(_template())
    return template.substitute(
        gknlp_version=escape(__version__), page_title=escape(meta.get("title") or src.get("path") or "report"),
        title=escape(meta.get("title") or src.get("path") or "report"), meta=meta_html, outline=outline,
        figures=figures, legend=legend, theme_css=theme_css, text_note=note, text=_text_html(rec, text, colours),
        provenance_key=key, tables=_tables_html(rec), checks=_checks_html(rec), warnings=_warnings_html(rec))


def _template() -> str:
    from gknlp.data import data_path

    return data_path("render", "report.html").read_text(encoding="utf-8")


_RESULT_SUFFIXES = (".json", ".jsonl", ".ndjson")


def render_file(path: str | Path, index: int = 0, themes: bool = True) -> str:
    """The page for a report file (extracted now, text included) or for record ``index`` of a results
    JSON/JSONL file (its text from ``--with-text``, else re-read from its source when that file is still
    there with the same sha256)."""
    path = Path(path)
    if not path.exists():
        raise RenderError(f"{path}: no such file")
    if path.is_dir():
        raise RenderError(f"{path}: is a directory; render one report or one results file")
    if path.suffix.lower() in _RESULT_SUFFIXES:
        from gknlp.export import ResultsError, read_records

        try:
            for i, rec in enumerate(read_records(path)):
                if i == index:
                    break
            else:
                raise RenderError(f"{path}: no record {index}")
        except ResultsError as exc:
            raise RenderError(str(exc)) from None
        text = rec.get("text")
        if text is None:
            text = _text_from_source(rec)
        return render_record(rec, text)
    from gknlp.pipeline import extract

    report = extract(path, themes=themes)
    if report.error is not None:
        raise RenderError(f"{path}: cannot be extracted ({report.error['type']}: {report.error['message']})")
    return render_record(report.to_dict(with_text=True))


def _text_from_source(rec: dict[str, Any]) -> str | None:
    """The normalised text of a record's source file, if it is still there unchanged."""
    src = rec.get("source") or {}
    if not src.get("path") or not Path(src["path"]).is_file():
        return None
    from gknlp.pipeline import extract

    report = extract(src["path"], themes=False, counts=False)
    return report.text if report.ok and report.source.get("sha256") == src.get("sha256") else None
