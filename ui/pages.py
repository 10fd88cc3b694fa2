"""HTML of the library: the list of stored reports (the chat's 报告库 tab) and one report opened
(`/report/{id}`): its reading, its tables as read, its findings, and its text with the cited cell or
sentence marked and scrolled into view (`?at=START-END`; a PDF's page is named and linked).

Report text, names and file names are untrusted: every one of them goes through `h()` (HTML-escaped,
quotes too) exactly once, where it is put into the page.
"""
from __future__ import annotations

import html
from typing import Optional
from urllib.parse import quote

from .library import FORMATS

h = lambda text: html.escape("" if text is None else str(text), quote=True)  # noqa: E731


def report_href(report_id: str, start: Optional[int] = None, end: Optional[int] = None) -> str:
    """Where a report opens; with a span, at that spot (`#cited` scrolls to it without script)."""
    base = f"/report/{quote(report_id)}"
    return base if start is None else f"{base}?at={int(start)}-{int(end if end is not None else start)}#cited"


def parse_at(at: Optional[str]) -> Optional[tuple[int, int]]:
    """`?at=120-135` → (120, 135); anything else → None."""
    if not at:
        return None
    a, _, b = at.partition("-")
    if not a.isdigit() or (b and not b.isdigit()):
        return None
    start, end = int(a), int(b or a)
    return (start, end) if end >= start else None


LIBRARY_CSS = """
.qa-lib{font:14px/1.5 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1f2933}
.qa-lib table{border-collapse:collapse;width:100%}
.qa-lib th,.qa-lib td{border-bottom:1px solid #e4e7eb;padding:6px 8px;text-align:left;vertical-align:top}
.qa-lib th{background:#f5f7fa;font-weight:600}
.qa-lib .mark{font-size:16px}.qa-lib .warn{color:#8a5a00}.qa-lib .ok{color:#1b7a3a}
.qa-lib .muted{color:#616e7c;font-size:12px}
.qa-lib a{color:#9e0c24}.qa-lib td.open{white-space:nowrap}
"""


LIBRARY_SHOWN = 1000  # rows of the list in the page; /api/library and `disclosure-qa library` give them all


def library_html(rows: list[dict]) -> str:
    """The 报告库 list: every stored report with its reading status and links to open or download it."""
    if not rows:
        return '<div class="qa-lib"><p>报告库是空的：请先导入报告。</p></div>'
    more = (f"这里列出前 {LIBRARY_SHOWN} 份，全部见 /api/library 或 disclosure-qa library。"
            if len(rows) > LIBRARY_SHOWN else "")
    out = [f'<div class="qa-lib" id="library"><style>{LIBRARY_CSS}</style>',
           f"<p>共 {len(rows)} 份报告。{more}✓ 表格全部读出；⚠ 有表格或单元格未能读出（打开报告可看原因）。</p>",
           "<table><thead><tr><th>状态</th><th>单位</th><th>年度</th><th>格式</th><th>文件</th><th>读取情况</th>"
           "<th>数字</th><th>核对未通过</th><th>发现</th><th>入库时间</th><th></th></tr></thead><tbody>"]
    for r in rows[:LIBRARY_SHOWN]:
        printed = "" if r["agency_printed"] == r["agency"] else f'<div class="muted">报告所印：{h(r["agency_printed"])}</div>'
        aliases = f'<div class="muted">又称：{h("、".join(r["agency_aliases"][:4]))}</div>' if r["agency_aliases"] else ""
        sources = "".join(f'<div class="muted">另一来源：{h(s["file_name"])}</div>' for s in r["sources"])
        download = (f' · <a href="/api/reports/{quote(r["report_id"])}/original" download>下载原文件</a>'
                    if r["original"] else "")
        out.append(
            f'<tr data-report="{h(r["report_id"])}" data-status="{h(r["status"])}">'
            f'<td class="mark {"ok" if r["status"] == "ok" else "warn"}" title="{h(r["reading_zh"])}">{h(r["mark"])}</td>'
            f'<td>{h(r["agency"])}{printed}{aliases}</td><td>{h(r["year"] or "未印明")}</td>'
            f'<td>{h(FORMATS.get(r["format_version"] or "", r["format_version"] or "—"))}</td>'
            f'<td>{h(r["file_name"])}{sources}</td><td class="reading">{h(r["reading_zh"])}</td>'
            f'<td>{r["fact_count"]}</td><td>{r["failed_checks"]}</td><td>{r["findings"]}</td>'
            f'<td class="muted">{h(r["ingested_at"].replace("T", " ").replace("+00:00", " UTC"))}</td>'
            f'<td class="open"><a href="{report_href(r["report_id"])}" target="_blank" rel="noopener">打开</a>{download}</td></tr>')
    out.append("</tbody></table></div>")
    return "".join(out)


REPORT_CSS = """
*{box-sizing:border-box}
body{margin:0;font:15px/1.6 system-ui,-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:#1f2933;background:#f5f7fa}
header{background:#c8102e;color:#fff;padding:12px 20px}header h1{margin:0;font-size:18px}
header a{color:#fff}main{max-width:1100px;margin:0 auto;padding:16px 20px 80px}
section{background:#fff;border:1px solid #e4e7eb;border-radius:8px;padding:12px 16px;margin:14px 0}
h2{font-size:16px;margin:4px 0 10px}dl{display:grid;grid-template-columns:9em 1fr;gap:4px 12px;margin:0}
dt{color:#616e7c}dd{margin:0}.ok{color:#1b7a3a}.warn{color:#8a5a00}.muted{color:#616e7c;font-size:13px}
.banner{position:sticky;top:0;z-index:2;background:#fff8e1;border:1px solid #f0d48a;border-radius:8px;padding:8px 12px;margin-top:14px}
table.t{border-collapse:collapse;margin:6px 0 10px;font-size:13px}
table.t th,table.t td{border:1px solid #d9dee3;padding:3px 7px;text-align:right;white-space:nowrap}
table.t td.label,table.t th.label{text-align:left;white-space:normal;min-width:16em}
table.t tr.heading td{background:#f5f7fa;font-weight:600;text-align:left}
table.t .d1{padding-left:1.5em}table.t .d2{padding-left:3em}
td.unread{background:#fdecea;color:#a61b1b;font-weight:600}td.failed{background:#fff3cd}
td a{color:inherit;text-decoration:none}td a:hover{text-decoration:underline}
.text{white-space:pre-wrap;overflow-wrap:anywhere;font-size:14px;line-height:1.8}
mark{background:#ffe066;outline:2px solid #f0b400;padding:1px 0;scroll-margin-top:40vh}mark.blank{background:#ffd43b;font-style:normal}
.page{display:block;color:#616e7c;font-size:12px;text-align:center;margin:8px 0;border-top:1px dashed #cbd2d9}
li{margin:4px 0}q{color:#52606d}
"""


def _table_html(table: dict, report_id: str) -> str:
    state = ("空白表（每个单元格都为空）" if table["empty"] else "已读出" if table["parsed"]
             else "部分读出" if table["fact_count"] else "未能读出")
    out = [f'<h3 id="table-{h(table["table"])}">表{h(table["table"])} · {state}</h3>']
    if not table["fact_count"] and not table["empty"]:
        out.append(f'<p class="warn">{h(table["reason"])}</p>')
        return "".join(out)
    out.append('<table class="t">')
    if table["table"] != "二":
        out.append('<tr><th class="label"></th>' + "".join(f"<th>{h(c)}</th>" for c in table["columns"]) + "</tr>")
    for row in table["rows"]:
        depth = f' class="label d{row["depth"]}"' if row["depth"] else ' class="label"'
        if row["heading"]:
            cols = "".join(f"<th>{h(c)}</th>" for c in row["columns"])
            out.append(f'<tr class="heading"><td{depth}>{h(row["label"])}</td>{cols}</tr>' if cols
                       else f'<tr class="heading"><td{depth} colspan="{len(table["columns"]) + 1}">{h(row["label"])}</td></tr>')
            continue
        cells = []
        for c in row["cells"]:
            if c["unread"] or c["start"] is None:
                why = c["unread"] or "这一格没有读出"
                cells.append(f'<td class="unread" title="{h(why)}">?</td>')
                continue
            failed = "；".join(f'{x["description"]}：{x["detail"]}' for x in c["failed"])
            cls = ' class="failed"' if failed else ""
            title = f' title="{h("核对未通过：" + failed)}"' if failed else (' title="原表此格为空"' if c["blank"] else "")
            mark = "✗" if failed else ""
            cells.append(f'<td{cls}{title}><a href="{report_href(report_id, c["start"], c["end"])}">{h(c["text"])}{mark}</a></td>')
        printed = f' <span class="muted">（报告印作：{h(row["printed"])}）</span>' if row["printed"] else ""
        out.append(f'<tr><td{depth}>{h(row["label"])}{printed}</td>{"".join(cells)}</tr>')
    out.append("</table>")
    if table["unread"]:
        out.append('<p class="warn">未读出的行或单元格：</p><ul>')
        grouped: dict[tuple, list[str]] = {}  # one line per row and reason, naming its cells
        for u in table["unread"]:
            grouped.setdefault((u["row_key"], u["reason"], u["quote"]), []).append(u["col_key"])
        for (row, why, printed), cols in grouped.items():
            where = row + (" · " + "、".join(c for c in cols if c) if any(cols) else "（整行）")
            quote_ = f' <q>{h(printed)}</q>' if printed else ""
            out.append(f"<li>{h(where)}：{h(why)}{quote_}</li>")
        out.append("</ul>")
    out.append('<p class="muted">· 原表此格为空（按0计）；? 未能读出；✗ 该合计的勾稽核对未通过。点数字可在原文中看到它。</p>')
    return "".join(out)


def _text_html(text: str, at: Optional[tuple[int, int]], page_starts: list[int], sections: list[dict]) -> str:
    """The report's text, escaped, with page markers, part anchors and the cited span marked."""
    events: list[tuple[int, int, str]] = []  # (offset, order, html): closing before opening at one offset
    for i, start in enumerate(page_starts):
        if 0 < i and 0 <= start <= len(text):
            events.append((start, 1, f'<span class="page" id="page-{i + 1}">— 第{i + 1}页 —</span>'))
    for s in sections:
        events.append((s["start"], 2, f'<span id="part-{h(s["number"])}"></span>'))
    if at is not None:
        start, end = at
        if start == end:
            events.append((start, 3, '<mark id="cited" class="blank">（此处为空白格）</mark>'))
        else:
            events.append((start, 3, '<mark id="cited">'))
            events.append((end, 0, "</mark>"))
    events.sort(key=lambda e: (e[0], e[1]))
    out, pos = [], 0
    for offset, _, piece in events:
        offset = max(pos, min(offset, len(text)))
        out.append(h(text[pos:offset]))
        out.append(piece)
        pos = offset
    out.append(h(text[pos:]))
    return "".join(out)


def page_at(page_starts: list[int], offset: int) -> Optional[int]:
    if not page_starts:
        return None
    from bisect import bisect_right

    return max(1, bisect_right(page_starts, offset))


def report_page(detail: dict, text: str, at: Optional[tuple[int, int]], nonce: str) -> str:
    """One report opened (`report_detail` and its text), with the span `at` marked and scrolled into view."""
    rid = detail["report_id"]
    if at is not None and at[1] > len(text):
        at = None
    page = page_at(detail["page_starts"], at[0]) if at else None
    ok = detail["status"] == "ok"
    title = f'{detail["agency"]} {detail["year"] or ""}年 政府信息公开工作年度报告'
    download = f"/api/reports/{quote(rid)}/original"
    banner = ""
    if at is not None:
        cited = text[at[0]:at[1]]
        where = f"第{page}页，" if page else ""
        pdf = (f'；<a href="{download}#page={page}" target="_blank" rel="noopener">在PDF原件中打开第{page}页</a>'
               if page and detail["kind"] == "pdf" and detail["original"] else "")
        banner = (f'<div class="banner" id="cited-banner">{h(title)} · 引文位置：{where}字符 {at[0]}–{at[1]}'
                  f'{"（空白格）" if not cited else ""}。<a href="#cited">跳到引文</a>{pdf}</div>')
    meta = [("单位", detail["agency"]), ("报告所印名称", detail["agency_printed"]),
            ("又称", "、".join(detail["agency_aliases"]) or "—"), ("年度", detail["year"] or "报告未印明"),
            ("格式", FORMATS.get(detail["format_version"] or "", detail["format_version"] or "—")),
            ("发布日期", detail["published"] or "报告未印明"), ("统计期间", detail["period"] or "报告未印明"),
            ("文件", detail["file_name"]), ("入库时间", detail["ingested_at"].replace("T", " ").replace("+00:00", " UTC")),
            ("读取", f'{detail["mark"]} {detail["reading_zh"]}'),
            ("数字", f'表格 {detail["fact_count"]} 个，正文 {detail["narrative_facts"]} 个；勾稽核对 {detail["check_count"]} 项，'
                     f'未通过 {detail["failed_checks"]} 项')]
    dl = "".join(f"<dt>{h(k)}</dt><dd>{h(v)}</dd>" for k, v in meta)
    files = [f'<li>{h(detail["file_name"])}（读入的文件）' + (f' · <a href="{download}" download>下载原文件</a>'
                                                          if detail["original"] else " · 原文件未保存") + "</li>"]
    for s in detail["sources"]:
        link = (f' · <a href="{download}?source={quote(s["source_id"])}" download>下载</a>' if s["original"] else "")
        files.append(f'<li>{h(s["file_name"])}（同一报告的另一份文件：读出 {s["fact_count"]} 格，{s["agree"]} 格一致，'
                     f'{s["disagree"]} 格不同）{link}</li>')
    parts = "".join(f'<li><a href="#part-{h(s["number"])}">{h(s["title"])}</a></li>' for s in detail["sections"])
    tables = "".join(_table_html(t, rid) for t in detail["tables"])
    failed = "".join(f'<li>{h(c["description"])}：{h(c["detail"])}</li>' for c in detail["failed"])
    findings = "".join(
        f'<li><b>{h(f["kind_zh"])}</b>：{h(f["message"])}'
        + (f' <q>{h(f["quote"][:200])}</q>' if f["quote"] else "")
        + (f' <a href="{report_href(rid, f["start"], f["end"])}">原文</a>' if f["start"] is not None else "") + "</li>"
        for f in detail["findings_list"] if f["kind"] != "narrative_agreement")
    prose_rows = "".join(
        f'<tr><td>{h(n["measure"])}</td><td class="num">{h(n["value"])}{h(n["unit"])}</td><td>{h(n["whole"] or "")}</td>'
        f'<td><a href="{report_href(rid, n["start"], n["end"])}">原文</a></td></tr>'
        for n in detail.get("narrative_list", []))
    prose_table = (f'<table class="prose"><thead><tr><th>所数的事项（原文用语）</th><th>数字</th><th>其总数</th><th></th>'
                   f'</tr></thead><tbody>{prose_rows}</tbody></table>' if prose_rows else '<p class="muted">正文没有带事项的数字。</p>')
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{h(title)}</title><style>{REPORT_CSS}</style></head>
<body data-report="{h(rid)}">
<header><h1>{h(title)}</h1><div><a href="/">返回问答</a> · <span class="{"ok" if ok else "warn"}">{h(detail["mark"])} {h(detail["reading_zh"])}</span></div></header>
<main>
{banner}
<section id="reading"><h2>报告信息</h2><dl>{dl}</dl><h2 style="margin-top:12px">文件</h2><ul>{"".join(files)}</ul></section>
<section id="parts"><h2>各部分</h2><ol>{parts or "<li>未找到各部分的标题</li>"}</ol></section>
<section id="tables"><h2>表格（按原表读出）</h2>{tables}
{f'<h3>未通过的勾稽核对</h3><ul>{failed}</ul>' if failed else '<p class="muted">勾稽核对全部通过。</p>'}</section>
<section id="prose-figures"><h2>正文里的数字</h2>{prose_table}</section>
<section id="findings"><h2>发现的问题</h2>{f"<ul>{findings}</ul>" if findings else '<p class="muted">无。</p>'}</section>
<section id="source"><h2>报告原文</h2><div class="text">{_text_html(text, at, detail["page_starts"], detail["sections"])}</div></section>
</main>
<script nonce="{h(nonce)}">
(function () {{ var m = document.getElementById("cited"); if (m) m.scrollIntoView({{block: "center"}}); }})();
</script>
</body></html>"""
