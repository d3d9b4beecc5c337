"""Render random, internally consistent tables of both templates in every supported layout.

Used by the round-trip and corruption tests: values generated here must be parsed back
exactly, whatever the layout.
"""

from __future__ import annotations

import random
from decimal import Decimal

from gknlp.tables.templates import (
    appeals_template,
    proactive_templates,
    requests_template,
)

APPLICANTS = ("natural_person", "commercial", "research", "public_interest", "legal_services", "other_org")
LAYOUTS = ("tab", "cell_per_line", "pipe_line", "pipe_cells", "html", "markdown")

_REQ_LABELS = {
    "new": "一、本年新收政府信息公开申请数量", "carried_in": "二、上年结转政府信息公开申请数量",
    "granted": "（一）予以公开", "partly_granted": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "denied_state_secret": "1.属于国家秘密", "denied_prohibited": "2.其他法律行政法规禁止公开",
    "denied_security": "3.危及“三安全一稳定”", "denied_third_party": "4.保护第三方合法权益",
    "denied_internal": "5.属于三类内部事务信息", "denied_process": "6.属于四类过程性信息",
    "denied_enforcement_files": "7.属于行政执法案卷", "denied_query": "8.属于行政查询事项",
    "unavailable_not_held": "1.本机关不掌握相关政府信息", "unavailable_needs_creation": "2.没有现成信息需要另行制作",
    "unavailable_unclear": "3.补正后申请内容仍不明确", "unprocessed_complaint": "1.信访举报投诉类申请",
    "unprocessed_repeat": "2.重复申请", "unprocessed_publication": "3.要求提供公开出版物",
    "unprocessed_excessive": "4.无正当理由大量反复申请",
    "unprocessed_confirmation": "5.要求行政机关确认或重新出具已获取信息", "other": "（六）其他处理",
    "other_no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other_unpaid_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other_other": "3.其他", "total": "（七）总计", "carried_over": "四、结转下年度继续办理",
}
_GROUPS = {"denied_state_secret": "（三）不予公开", "unavailable_not_held": "（四）无法提供",
           "unprocessed_complaint": "（五）不予处理", "other_no_correction": "（六）其他处理"}
_PRO_HEADERS = {
    "2019": [("第二十条第（一）项", ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"], ["rules", "normative_docs"]),
             ("第二十条第（五）项", ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"], ["licensing", "other_services"]),
             ("第二十条第（六）项", ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"], ["penalty", "enforcement"]),
             ("第二十条第（八）项", ["信息内容", "上一年项目数量", "本年增/减"], ["fees"]),
             ("第二十条第（九）项", ["信息内容", "采购项目数量", "采购总金额（万元）"], ["procurement"])],
    "2021": [("第二十条第（一）项", ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], ["rules", "normative_docs"]),
             ("第二十条第（五）项", ["信息内容", "本年处理决定数量"], ["licensing"]),
             ("第二十条第（六）项", ["信息内容", "本年处理决定数量"], ["penalty", "enforcement"]),
             ("第二十条第（八）项", ["信息内容", "本年收费金额（单位：万元）"], ["fees"])],
}
_PRO_LABELS = {"rules": "规章", "normative_docs": "行政规范性文件", "licensing": "行政许可",
               "other_services": "其他对外管理服务事项", "penalty": "行政处罚", "enforcement": "行政强制",
               "fees": "行政事业性收费", "procurement": "政府集中采购"}


def random_tables(rng: random.Random, template: str) -> dict:
    """Consistent values for the three tables (every identity holds)."""
    pro_t = next(t for t in proactive_templates() if t.name == template)
    proactive = {}
    for row in pro_t.rows:
        cells = {}
        for col in row.columns:
            kind = pro_t.kind(col)
            if kind == "money":
                cells[col] = float(Decimal(rng.randint(0, 10**8)) / Decimal(10**4))
            elif kind == "change":
                cells[col] = rng.randint(-50, 50)
            else:
                cells[col] = rng.choice([0, 0, rng.randint(0, 9), rng.randint(10, 99999)])
        if row.key in ("rules", "normative_docs"):   # the sound order of table 二 (what documents are)
            if template == "2019":
                cells["total"] = cells["total"] + cells["published"]
            else:
                cells["in_force"] = cells["in_force"] + max(0, cells["issued"] - cells["repealed"])
        proactive[row.key] = cells
    rows = [r.key for r in requests_template().rows_for(template) if not r.optional]
    outcomes = rows[2:rows.index("total")]
    requests: dict[str, dict] = {r: {} for r in rows}
    for col in APPLICANTS:
        vals = {r: rng.choice([0, 0, 0, rng.randint(0, 30), rng.randint(0, 3000)]) for r in outcomes}
        total = sum(vals.values())
        carried_over = rng.randint(0, 20)
        carried_in = rng.randint(0, total + carried_over)
        vals.update(total=total, carried_over=carried_over, carried_in=carried_in,
                    new=total + carried_over - carried_in)
        for r, v in vals.items():
            requests[r][col] = v
    for r in rows:
        requests[r]["total"] = sum(requests[r][c] for c in APPLICANTS)
    spec = appeals_template()
    appeals = {}
    for b in spec.blocks:
        parts = {c: rng.choice([0, rng.randint(0, 500)]) for c in spec.columns if c != "total"}
        appeals[b] = {**parts, "total": sum(parts.values())}
    return {"proactive": proactive, "requests": requests, "appeals": appeals}


def _fmt(value, col: str, rng: random.Random) -> str:
    if col == "change":
        if value > 0:
            return rng.choice([f"增{value}", str(value)])
        if value < 0:
            return rng.choice([f"减{-value}", str(value)])
        return "0"
    if col == "amount_wan_yuan":
        return format(Decimal(str(value)).normalize(), "f")
    return str(value)


def table_rows(tables: dict, template: str, rng: random.Random) -> dict[str, list[list[str]]]:
    """Each table as a grid: list of rows, each a list of cell strings (header rows included)."""
    pro: list[list[str]] = []
    for title, header, keys in _PRO_HEADERS[template]:
        pro.append([title])
        pro.append(header)
        for k in keys:
            pro.append([_PRO_LABELS[k]] + [_fmt(v, c, rng) for c, v in tables["proactive"][k].items()])
    cols = list(APPLICANTS) + ["total"]
    req: list[list[str]] = [["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"],
                            ["自然人", "法人或其他组织", "总计"],
                            ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]]
    for r, vals in tables["requests"].items():
        label = _REQ_LABELS[r]
        prefix = [_GROUPS[r], label] if r in _GROUPS else [label]
        if r == "granted":
            prefix = ["三、本年度办理结果", label]
        req.append(prefix + [str(vals[c]) for c in cols])
    app = [["行政复议", "行政诉讼"],
           ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"],
           ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2,
           [str(v) for b in tables["appeals"].values() for v in b.values()]]
    return {"proactive": pro, "requests": req, "appeals": app}


def _render_grid(grid: list[list[str]], layout: str) -> str:
    if layout == "tab":
        return "\n".join("\t".join(r) for r in grid)
    if layout == "cell_per_line":
        return "\n\n".join("\n".join("\t" + c for c in r) for r in grid)
    if layout == "pipe_line":
        return "\n".join(" | ".join(r) + " |" for r in grid)
    if layout == "pipe_cells":
        return "\n".join("\n".join(c + " |" for c in r) for r in grid)
    if layout == "markdown":
        out = []
        for i, r in enumerate(grid):
            out.append("| " + " | ".join(r) + " |")
            if i == 0:
                out.append("|" + "---|" * len(r))
        return "\n".join(out)
    if layout == "flattened":   # a crawler's text: every cell run together on one line
        return "".join("".join(r) for r in grid)
    if layout == "html":
        body = []
        for r in grid:
            tds = "".join(f'<td colspan="1">{c.replace("数量", "<br>数量")}</td>' if i == 0 else f"<td>{c}</td>"
                          for i, c in enumerate(r))
            body.append(f"<tr>{tds}</tr>")
        return '<table border="1"><tbody>' + "".join(body) + "</tbody></table>"
    raise ValueError(layout)


def render_report(tables: dict, template: str, layout: str, rng: random.Random) -> tuple[str, str]:
    """A whole report in one layout; returns (text, format)."""
    grids = table_rows(tables, template, rng)
    parts = [("测试县人民政府2021年政府信息公开工作年度报告", None), ("一、总体情况", None),
             ("全年主动公开政府信息若干条。", None), ("二、主动公开政府信息情况", "proactive"),
             ("三、收到和处理政府信息公开申请情况", "requests"), ("四、政府信息公开行政复议、行政诉讼情况", "appeals"),
             ("五、存在的主要问题及改进情况", None), ("一是培训不足。", None), ("六、其他需要报告的事项", None), ("无。", None)]
    if layout == "html":
        html = ["<html><body>"]
        for text, table in parts:
            html.append(f"<p>{text}</p>")
            if table:
                html.append(_render_grid(grids[table], "html"))
        html.append("</body></html>")
        return "".join(html), "html"
    lines = []
    for text, table in parts:
        lines.append(text)
        if table:
            lines.append(_render_grid(grids[table], layout))
    return "\n".join(lines), "txt"


# --- damage: what real layouts do to a table ----------------------------------------------------
#
# Each kind below takes the grids of `table_rows` (or the appeals block plan) and damages them
# the way conversions and crawlers do. `damaged_report` applies a list of kinds and renders.

DAMAGE_LAYOUTS = LAYOUTS + ("flattened",)
"""Layouts of the damage bench: the round-trip ones, and crawled text with no cell boundary."""
DAMAGE_KINDS = ("lost_cell", "run_together", "label_typo", "label_wrap", "sub_tables", "header_repeated",
                "change_words", "transposed", "broken_total")
"""The kinds damage_case cycles through. `blank_cell` is drawn apart (tests/tables/test_damage.py), so that
the seeded cases of these kinds stay the same."""
_CHANGE_WORDS = {1: ("增加", "增长", "上升"), -1: ("减少", "下降")}
_TYPO_CHARS = "的和与或及其等中内外上下"


def _is_value(cell: str) -> bool:
    from gknlp.tables.cells import is_value_token

    return bool(cell) and is_value_token(cell)


def _data_rows(grid: list[list[str]]) -> list[int]:
    """Indices of rows that carry values after their label cells."""
    return [i for i, r in enumerate(grid) if len(r) > 1 and _is_value(r[-1]) and not _is_value(r[0])]


def _lost_cell(grids: dict, rng: random.Random, flattened: bool = False) -> None:
    """A cell lost in conversion: one value cell of one row disappears (the row gets shorter),
    never in the table a misprinted total is in (a misprint the layout lost cannot be seen).

    Not in table 二 of flattened text: with no boundary and no identity, a run that lost a
    cell is another valid run (`0 41 5` → `415` reads 4, 1, 5), which nothing can detect."""
    table = rng.choice(["requests", "requests", "appeals"] + ([] if flattened else ["proactive"]))
    if grids.get("_broken", ("",))[0] == table:
        table = "requests" if table == "appeals" else "appeals"   # (a misprint the layout then lost is unseen)
    grid = grids[table]
    if table == "appeals":
        del grid[-1][rng.randrange(len(grid[-1]))]
        return
    i = rng.choice(_data_rows(grid))
    values = [j for j, c in enumerate(grid[i]) if _is_value(c)]
    del grid[i][rng.choice(values)]


def _blank_cell(grids: dict, rng: random.Random, flattened: bool = False) -> None:
    """A value cell printed blank (a scan's OCR misses a faint 0, a publisher leaves it empty):
    the grid keeps its shape, the cell is empty. The true value cannot be read: null and flagged
    is the right answer, a neighbour's value moved into it is wrong. In flattened text a blank
    cell is a lost one (see `_lost_cell` for why not in table 二 there)."""
    table = rng.choice(["requests", "requests", "appeals"] + ([] if flattened else ["proactive"]))
    if grids.get("_broken", ("",))[0] == table:
        table = "requests" if table == "appeals" else "appeals"
    grid = grids[table]
    i = len(grid) - 1 if table == "appeals" else rng.choice(_data_rows(grid))
    values = [j for j, c in enumerate(grid[i]) if _is_value(c)]
    grid[i][rng.choice(values)] = ""


def _run_together(grids: dict, rng: random.Random) -> None:
    """Two neighbouring value cells printed as one (`12` and `3` → `123`)."""
    grid = grids["requests"]
    i = rng.choice(_data_rows(grid))
    values = [j for j, c in enumerate(grid[i]) if _is_value(c)]
    j = rng.choice(values[:-1])
    grid[i][j:j + 2] = [grid[i][j] + grid[i][j + 1]]


def _label_cells(grids: dict) -> list[tuple[str, int, int]]:
    out = []
    for table in ("proactive", "requests"):
        for i in _data_rows(grids[table]):
            row = grids[table][i]
            j = max(k for k, c in enumerate(row) if not _is_value(c))
            out.append((table, i, j))
    return out


def _label_typo(grids: dict, rng: random.Random) -> None:
    """A typo in a row label: a character dropped or replaced (其他法律行政止公开)."""
    table, i, j = rng.choice([c for c in _label_cells(grids) if len(grids[c[0]][c[1]][c[2]]) >= 8])
    label = grids[table][i][j]
    k = rng.randrange(3, len(label) - 1)
    if rng.random() < 0.5:
        label = label[:k] + label[k + 1:]
    else:
        label = label[:k] + rng.choice(_TYPO_CHARS) + label[k + 1:]
    grids[table][i][j] = label


def _label_wrap(grids: dict, rng: random.Random) -> None:
    """A label wrapped over two or three lines inside its cell."""
    table, i, j = rng.choice([c for c in _label_cells(grids) if len(grids[c[0]][c[1]][c[2]]) >= 4])
    label = grids[table][i][j]
    for _ in range(rng.randint(1, 2)):
        k = rng.randrange(1, len(label) - 1)
        label = label[:k] + "\n" + label[k:]
    grids[table][i][j] = label


def _broken_total(grids: dict, tables: dict, rng: random.Random) -> None:
    """A report that breaks its own identities: a printed total that does not add up (a row's
    总计 in table 三, or a block's 总计 in table 四). The truth is what is printed: the cells
    stay as printed, and nothing may be derived from the identity the table breaks."""
    if rng.random() < 0.7:
        grid = grids["requests"]
        rows = _data_rows(grid)
        k = rng.randrange(len(rows))
        key = list(tables["requests"])[k]
        printed = tables["requests"][key]["total"] + rng.choice([-1, 1]) * rng.randint(1, 9)
        printed = abs(printed) if printed < 0 else printed
        if printed == tables["requests"][key]["total"]:
            printed += 1
        grid[rows[k]][-1] = str(printed)
        tables["requests"][key]["total"] = printed
        grids["_broken"] = ("requests", rows[k])
    else:
        block = rng.choice(list(tables["appeals"]))
        b = list(tables["appeals"]).index(block)
        printed = tables["appeals"][block]["total"] + rng.randint(1, 9)
        grids["appeals"][-1][b * 5 + 4] = str(printed)
        tables["appeals"][block]["total"] = printed
        grids["_broken"] = ("appeals", len(grids["appeals"]) - 1)


def _header_repeated(grids: dict, rng: random.Random) -> None:
    """The requests header printed again mid-table, as after a page break."""
    grid = grids["requests"]
    rows = _data_rows(grid)
    i = rng.choice(rows[1:])
    grid[i:i] = [list(r) for r in grid[:3]]


def _change_words(grids: dict, rng: random.Random) -> None:
    """2019 本年增/减 written with words (增加183, 减少183, 下降183) instead of 增/减."""
    for row in grids["proactive"]:
        for j, c in enumerate(row):
            if c[:1] in ("增", "减") and c[1:].isdigit():
                row[j] = rng.choice(_CHANGE_WORDS[1 if c[0] == "增" else -1]) + c[1:]
            elif c.startswith("-") and c[1:].isdigit():
                row[j] = rng.choice(_CHANGE_WORDS[-1]) + c[1:]


_BLOCK_HEADINGS = {"review": "行政复议", "litigation_direct": "行政诉讼（未经复议直接起诉）",
                   "litigation_after_review": "行政诉讼（复议后起诉）"}
_APPEAL_HEADER = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def _sub_tables(grids: dict, tables: dict, rng: random.Random) -> None:
    """Table 四 as one small table per block under its own heading; table 二 as one grid per
    section under its 第二十条 heading; table 三 as small tables under group headings, each with
    a generic header (类别 | 数据1 … 数据6 | 总计), as PDF-to-markdown converters print it."""
    parts: list = []
    for block, values in tables["appeals"].items():
        parts += [f"### {_BLOCK_HEADINGS[block]}", [list(_APPEAL_HEADER), [str(v) for v in values.values()]]]
    grids["appeals"] = parts
    pro, cur = [], None
    for row in grids["proactive"]:
        if len(row) == 1:
            cur = []
            pro += [f"### {row[0]}", cur]
        else:
            cur.append(row)
    grids["proactive"] = pro
    req, cur = [], None
    header = ["类别", "数据1", "数据2", "数据3", "数据4", "数据5", "数据6", "总计"]
    for row in grids["requests"]:
        if not any(map(_is_value, row)):
            continue   # the printed header: each sub-table gets its own below
        # the label cells (never blank), then the values, a cell printed blank among them kept
        first = next(j for j, c in enumerate(row) if c == "" or _is_value(c))
        labels = row[:first]
        if cur is None or len(labels) > 1 or rng.random() < 0.3:
            cur = [list(header)]
            req += [f"### {labels[0]}", cur]
        cur.append([labels[-1]] + row[first:])
    grids["requests"] = req


def _transposed(grids: dict, tables: dict, rng: random.Random) -> None:
    """Tables printed with rows and columns swapped (each table in turn, at least one):
    table 四 one line per column with a value per block; table 三 one line per applicant
    column with a value per request row under a header of the row labels; table 二 each
    section with its items (规章 …) as columns and one line per measure. The printed labels
    (typos, wraps) are kept; a table already cut into sub-tables or with a short row is not
    transposed (a real transposition prints one cell per place)."""
    chosen = [t for t in ("appeals", "requests", "proactive") if rng.random() < 0.5] or [rng.choice(
        ["appeals", "requests", "proactive"])]
    done = grids.setdefault("_transposed", set())
    if "appeals" in chosen:
        blocks = list(tables["appeals"])
        grid = [["", "行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）"]]
        for col, label in zip(tables["appeals"][blocks[0]], _APPEAL_HEADER):
            grid.append([label] + [str(tables["appeals"][b][col]) for b in blocks])
        grids["appeals"] = grid
        done.add("appeals")
    if "requests" in chosen and _plain_grid(grids["requests"]):
        rows = [grids["requests"][i] for i in _data_rows(grids["requests"])]
        width = len(APPLICANTS) + 1
        if all(sum(map(_is_value, r)) == width for r in rows) and len(rows) == len(tables["requests"]):
            labels = [max((c for c in r if not _is_value(c)), key=lambda c: r.index(c)) for r in rows]
            heads = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
            grid = [["申请人情况"] + labels]
            for j, head in enumerate(heads):
                grid.append([head] + [[c for c in r if _is_value(c)][j] for r in rows])
            grids["requests"] = grid
            done.add("requests")
    if "proactive" in chosen and _plain_grid(grids["proactive"]):
        out: list[list[str]] = []
        section: list[list[str]] = []
        ok = True
        for row in grids["proactive"] + [["<end>"]]:
            if len(row) == 1 and (row[0] == "<end>" or row[0].startswith("第二十条")):
                if section:
                    header, items = section[0], section[1:]
                    if any(len(r) != len(header) for r in items):
                        ok = False
                        break
                    out.append(["信息内容"] + [r[0] for r in items])
                    out += [[header[j]] + [r[j] for r in items] for j in range(1, len(header))]
                section = []
                if row[0] != "<end>":
                    out.append(row)
            else:
                section.append(row)
        if ok:
            grids["proactive"] = out
            done.add("proactive")


def _plain_grid(parts: list) -> bool:
    """A table still one grid (not cut into headed sub-tables)."""
    return bool(parts) and isinstance(parts[0], list) and not (parts[0] and isinstance(parts[0][0], list))


def damage(grids: dict, tables: dict, kinds: list[str], rng: random.Random, layout: str = "") -> None:
    """Apply the damage kinds to the grids (in place); the ones that change the tables' shape last."""
    for kind in sorted(kinds, key=lambda k: ("sub_tables", "transposed").index(k) + 1
                       if k in ("sub_tables", "transposed") else -1 if k == "broken_total" else 0):
        if kind == "broken_total":
            _broken_total(grids, tables, rng)
        elif kind in ("lost_cell", "blank_cell"):
            {"lost_cell": _lost_cell, "blank_cell": _blank_cell}[kind](grids, rng, flattened=layout == "flattened")
        elif kind in ("sub_tables", "transposed"):
            {"sub_tables": _sub_tables, "transposed": _transposed}[kind](grids, tables, rng)
        else:
            {"lost_cell": _lost_cell, "run_together": _run_together, "label_typo": _label_typo,
             "label_wrap": _label_wrap, "header_repeated": _header_repeated,
             "change_words": _change_words}[kind](grids, rng)


def _render_parts(parts, layout: str) -> list[tuple[str, bool]]:
    """A table's parts: (text, is_grid) — a grid, or a list of headings and grids."""
    if parts and isinstance(parts[0], list) and parts[0] and isinstance(parts[0][0], list):
        parts = parts[0]
    if parts and isinstance(parts[0], str):   # a plan: headings and grids
        return [(p, False) if isinstance(p, str) else (_render_grid(p, layout), True) for p in parts]
    return [(_render_grid(parts, layout), True)]


def damaged_report(tables: dict, template: str, layout: str, kinds: list[str], rng: random.Random) -> tuple[str, str]:
    """A whole report in one layout with the damage kinds applied; returns (text, format)."""
    grids = table_rows(tables, template, rng)
    damage(grids, tables, kinds, rng, layout)
    parts = [("测试县人民政府2021年政府信息公开工作年度报告", None), ("一、总体情况", None),
             ("全年主动公开政府信息若干条。", None), ("二、主动公开政府信息情况", "proactive"),
             ("三、收到和处理政府信息公开申请情况", "requests"), ("四、政府信息公开行政复议、行政诉讼情况", "appeals"),
             ("五、存在的主要问题及改进情况", None), ("一是培训不足。", None), ("六、其他需要报告的事项", None), ("无。", None)]
    out: list[str] = []
    for text, table in parts:
        out.append(f"<p>{text}</p>" if layout == "html" else text)
        if table:
            for piece, is_grid in _render_parts(grids[table], layout):
                out.append(piece if is_grid or layout != "html" else f"<p>{piece}</p>")
    if layout == "html":
        html = "".join(out).replace("\n", "<br>")
        return "<html><body>" + html + "</body></html>", "html"
    return "\n".join(out), "txt"


def score_report(report, tables: dict) -> dict[str, int]:
    """Each expected cell: exact, null and flagged, null without a flag, or wrong (a value given
    as certain that is not the printed one). `report` is the extracted Report."""
    out = {"exact": 0, "flagged": 0, "unflagged": 0, "wrong": 0}
    results = {t.key: t for t in report.table_results}
    for key, rows in tables.items():
        t = results[key]
        flagged_rows = {w.where.row for w in t.warnings if w.where is not None}
        info = t.info()
        for row, cols in rows.items():
            for col, expected in cols.items():
                got = report.tables[key].get(row, {}).get(col)
                if got == expected:
                    out["exact"] += 1
                elif got is not None:
                    out["wrong"] += 1
                elif (info["provenance"].get(f"{row}.{col}") == "ambiguous" or row in flagged_rows
                      or None in flagged_rows or "appeals" in flagged_rows):
                    out["flagged"] += 1
                else:
                    out["unflagged"] += 1
    return out


def damage_case(case: int, salt: str = "") -> tuple[str, str, list[str], dict, str, str]:
    """Seeded case `case`: (template, layout, damage kinds, the true tables, text, format).

    Two cases in three apply one damage kind (in turn), the third two or three at once, in any
    layout (flattened text included). `salt` draws another family of cases (seed sweeps)."""
    rng = random.Random(f"{salt}{case}" if salt else case)
    template = rng.choice(["2019", "2021"])
    single = DAMAGE_KINDS[(case - case // 3 - 1) % len(DAMAGE_KINDS)]   # each kind in turn
    kinds = [single] if case % 3 else rng.sample(DAMAGE_KINDS, rng.randint(2, 3))
    layout = rng.choice(DAMAGE_LAYOUTS)
    tables = random_tables(rng, template)
    text, fmt = damaged_report(tables, template, layout, kinds, rng)
    return template, layout, kinds, tables, text, fmt
