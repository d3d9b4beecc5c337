"""Render random, internally consistent tables of both templates in every supported layout.

Used by the round-trip and corruption tests: values generated here must be parsed back
exactly, whatever the layout.
"""

from __future__ import annotations

import random
from decimal import Decimal

from gknlp.tables.templates import appeals_template, proactive_templates, requests_template

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
