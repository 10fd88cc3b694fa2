"""The Gradio web chat (mounted at `/` by ui/web.py).

Each answer is followed by its sources, in a collapsed message (gr.ChatMessage with a metadata
title): every cited cell or quoted sentence, the surrounding source text with the quote marked, the
figures as a small table, and the notes (a failed check on a cited figure, another reading in the
narrative). An ambiguous answer offers its choices as buttons; a figure across years or agencies is
also drawn as a chart. Report text, questions and citations are untrusted: all of it is escaped
before it is shown.
"""
from __future__ import annotations

import csv
import html
import io
import tempfile
from decimal import Decimal

EXAMPLE_FORMS = (  # filled with an agency and year the store holds
    "{agency}{year}年收到多少信息公开申请？",
    "{agency}{year}年不予公开的一共多少件？",
    "{agency}{year}年的公开率是多少？",
    "{agency}{year}年信息公开工作存在哪些问题？",
)
CONTEXT = 90  # characters of source text shown around a quote


def esc(text: str) -> str:
    """Untrusted text as plain text in the chat's Markdown: HTML escaped, Markdown markers neutralised."""
    out = html.escape(text or "", quote=True)
    for ch in "\\`*_[]#|~>":
        out = out.replace(ch, "\\" + ch)
    return out


def sources_markdown(answer, store) -> str:
    """The sources of an answer: figures table, each citation with its surrounding text, the notes."""
    parts = []
    if answer.figures:
        parts.append("| 单位 | 年度 | 表 | 项目 | 栏目 | 数值 |\n|---|---|---|---|---|---|")
        for f in answer.figures[:20]:
            value = f"{f.value}{'%' if f.unit == '%' else ''}"
            parts.append(f"| {esc(f.agency)} | {f.year or ''} | {esc(f.table)} | {esc(f.row)} | {esc(f.column)} | "
                         f"{esc(value)}{'（计算）' if f.computed else ''} |")
        parts.append("")
    texts: dict[str, str] = {}
    for i, c in enumerate(answer.citations[:15], 1):
        if c.report_id not in texts:
            rep = store.facts.get_report(c.report_id)
            texts[c.report_id] = rep.text if rep else ""
        text = texts[c.report_id]
        before = text[max(0, c.start - CONTEXT):c.start].replace("\n", " ")
        after = text[c.end:c.end + CONTEXT].replace("\n", " ")
        where = f"{esc(c.file_name)}{f' 第{c.page}页' if c.page else ''} · {esc(c.section)} · 字符 {c.start}–{c.end}"
        parts.append(f"**[{i}]** {where}\n\n> …{esc(before)}**{esc(c.quote)}**{esc(after)}…\n")
    for n in answer.notes:
        parts.append(f"注：{esc(n)}")
    return "\n".join(parts) or "（无）"


def chart_for(answer):
    """A bar chart when the answer compares one figure across years or agencies."""
    cells = [f for f in answer.figures if not f.computed]
    keys = {(f.row, f.column) for f in cells}
    groups = {(f.agency, f.year) for f in cells}
    if len(keys) != 1 or len(groups) < 2:
        return None
    import plotly.graph_objects as go

    values = {f"{f.agency}{f.year}年": float(f.value) for f in cells}
    if len({a for a, _ in groups}) == 1:  # one agency over the years: in time order
        labels = [f"{a}{y}年" for a, y in sorted(groups, key=lambda g: g[1] or 0)]
    else:
        labels = sorted(values, key=values.get, reverse=True)[:12]
    fig = go.Figure(go.Bar(x=labels, y=[values[k] for k in labels], text=[f"{values[k]:g}" for k in labels]))
    row, col = next(iter(keys))
    fig.update_layout(title=f"{row} · {col}", height=320, margin=dict(l=30, r=10, t=40, b=80))
    return fig


def build_chat(bot, store, config):
    import gradio as gr

    def catalog_choices():
        cat = bot.catalog
        return ["（全部）", *cat.agencies], ["（全部）", *map(str, cat.years())]

    agencies, years = catalog_choices()

    with gr.Blocks(title="政府信息公开年报问答") as demo:
        gr.Markdown("## 政府信息公开年报问答\n每个数字都来自报告原表（或由原表计算，列出算式），并注明出处。")
        asked = gr.State([])  # the questions of this conversation, for follow-ups
        with gr.Tab("问答"):
            with gr.Row():
                agency = gr.Dropdown(agencies, value="（全部）", label="单位", scale=3)
                year = gr.Dropdown(years, value="（全部）", label="年度", scale=1)
            chatbot = gr.Chatbot(label="对话", height=480, sanitize_html=True, allow_tags=False,
                                 render_markdown=True, elem_id="chat")
            choices = gr.Radio([], label="请选择您指的是哪一个", visible=False, elem_id="choices")
            chart = gr.Plot(label="图表", visible=False)
            with gr.Row():
                box = gr.Textbox(placeholder="请输入问题，例如：2022年依申请公开受理多少件？", show_label=False,
                                 scale=5, elem_id="question")
                send = gr.Button("发送", variant="primary", scale=1, elem_id="send")
                new = gr.Button("新对话", scale=1)
            examples = _examples(bot.catalog)
            if examples:
                gr.Examples(examples, inputs=box, label="示例问题")

        def respond(question, history, asked_so_far, agency_pick, year_pick):
            question = (question or "").strip()[:300]
            if not question:
                yield history, asked_so_far, gr.update(), gr.update(), ""
                return
            context = []
            if agency_pick and agency_pick != "（全部）":
                context.append(agency_pick)
            if year_pick and year_pick != "（全部）":
                context.append(f"{year_pick}年")
            turns = ["".join(context)] if context else []
            ans = bot.ask(question, history=turns + list(asked_so_far))
            history = list(history) + [gr.ChatMessage(role="user", content=esc(question))]
            shown = ""
            for line in ans.answer.splitlines():  # the answer appears as it is composed, line by line
                shown += esc(line) + "  \n"
                yield history + [gr.ChatMessage(role="assistant", content=shown)], asked_so_far, gr.update(), gr.update(), ""
            history.append(gr.ChatMessage(role="assistant", content=shown))
            if ans.citations or ans.notes:
                history.append(gr.ChatMessage(role="assistant", content=sources_markdown(ans, store),
                                              metadata={"title": f"来源（{len(ans.citations)}）", "status": "done"}))
            fig = chart_for(ans) if ans.status == "answered" else None
            choice_update = (gr.update(choices=ans.choices[:12], value=None, visible=True)
                             if ans.status == "ambiguous" and ans.choices else gr.update(choices=[], visible=False))
            chart_update = gr.update(value=fig, visible=True) if fig is not None else gr.update(visible=False)
            yield history, list(asked_so_far) + [question], choice_update, chart_update, ""

        outputs = [chatbot, asked, choices, chart, box]
        inputs = [box, chatbot, asked, agency, year]
        box.submit(respond, inputs, outputs)
        send.click(respond, inputs, outputs)
        choices.select(lambda c: c, choices, box).then(respond, inputs, outputs)
        new.click(lambda: ([], [], gr.update(visible=False), gr.update(visible=False)), None,
                  [chatbot, asked, choices, chart])

        with gr.Tab("数据"):
            gr.Markdown("已入库的报告：每份报告读出的数字、未通过的勾稽核对和发现的问题。")
            table = gr.Dataframe(value=_reports_table(store), interactive=False, wrap=True)
            with gr.Row():
                refresh = gr.Button("刷新")
                download = gr.Button("下载全部数字（CSV）")
            csv_file = gr.File(label="CSV", interactive=False)
            refresh.click(lambda: _reports_table(store), None, table)
            download.click(lambda: _facts_csv(store), None, csv_file)

        with gr.Tab("上传报告"):
            if config.admin_token:
                from .doors import SESSION_JS

                gr.Markdown("上传报告文件（txt / docx / html / pdf / md），需要管理员口令：先输入口令并点「确认口令」，再选择文件。")
                token = gr.Textbox(label="管理员口令", type="password")
                confirm = gr.Button("确认口令")
                session = gr.Textbox(label="口令", interactive=False, show_label=False, elem_id="admin-session")
                files = gr.File(label="报告文件", file_count="multiple")
                go_ = gr.Button("导入")
                result = gr.Textbox(label="结果", lines=8, interactive=False)
                # in the browser: the admin session (a cookie) without which files cannot be sent (ui/doors.py)
                confirm.click(None, token, session, js=SESSION_JS)

                def upload(t, fs, request: gr.Request):
                    return _upload(store, config, t, fs, request)

                upload.__annotations__["request"] = gr.Request  # a class, not this module's string annotation
                go_.click(upload, [token, files], result, api_name="upload_reports")
            else:
                gr.Markdown("上传已关闭：服务端设置 `DISCLOSURE_QA_ADMIN_TOKEN` 后可从网页上传报告。")
    return demo


def _examples(catalog) -> list[str]:
    """Example questions about a report the store holds (its most recent one)."""
    entries = [e for e in catalog.entries if e.year]
    if not entries:
        return []
    latest = max(entries, key=lambda e: (e.year, e.agency))
    return [form.format(agency=latest.agency, year=latest.year) for form in EXAMPLE_FORMS]


def _reports_table(store):
    rows = []
    for r in store.facts.reports():
        findings = store.facts.findings(r["report_id"])
        rows.append([r["agency"], r["year"], r["file_name"], r["format_version"], r["fact_count"], r["failed_checks"],
                     len([f for f in findings if f.kind != "narrative_agreement"])])
    import pandas as pd  # gradio depends on pandas

    return pd.DataFrame(rows, columns=["单位", "年度", "文件", "格式", "数字", "未通过核对", "发现"])


def _facts_csv(store) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["agency", "year", "table", "row", "column", "value", "unit", "blank", "file_name", "start", "end"])
    for f in store.facts.facts():
        w.writerow([f.agency, f.year, f.table, f.row_label, f.col_label, format(Decimal(f.value), "f"), f.unit,
                    f.blank, f.file_name, f.loc.start, f.loc.end])
    out = tempfile.NamedTemporaryFile("w", suffix=".csv", prefix="disclosure-qa-facts-", delete=False, encoding="utf-8-sig")
    out.write(buf.getvalue())
    out.close()
    return out.name


def _upload(store, config, token, files, request) -> str:
    from pathlib import Path

    from .doors import chat_token_check
    from .uploads import ingest_uploads

    refused = chat_token_check(request, token)  # the same backoff after wrong tokens as /api/upload
    if refused:
        return refused
    if not files:
        return "请选择文件。"
    items = []
    for f in files:
        path = Path(getattr(f, "name", f))
        items.append((path.name, path.read_bytes()))
    return "\n".join(ingest_uploads(store, items))
