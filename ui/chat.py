"""The Gradio web chat (mounted at `/` by ui/web.py).

The landing says what the store holds and how to ask. Each answer is followed by its sources, in a
collapsed message (gr.ChatMessage with a metadata title): every cited cell or quoted sentence with the
text around it and a link that opens the report at that spot, the figures as a small table, and the
notes (a failed check on a cited figure, another reading in the narrative); 👍/👎 on an answer keeps it,
with an optional note, for the disclosure office. An ambiguous answer offers its choices as buttons; a
figure across years or agencies is also drawn as a chart. The 报告库 tab lists every stored report
with how well it was read and, with the admin token, removes or re-reads one; 上传报告 stores files
(after the admin session the doors ask for, ui/doors.py), 反馈 lists and exports the feedback. Every
admin action is a door: a wrong token makes its sender wait. The pickers, examples and landing follow the store: they are read again
on every page load and after every change; the library when its tab is opened and after every change.

Report text, questions and citations are untrusted: each is escaped once, for Markdown (`esc`), where
it is put into a message.
"""
from __future__ import annotations

import csv
import io
import re
import tempfile
from decimal import Decimal
from pathlib import Path

EXAMPLE_FORMS = (  # filled with an agency and year the store holds
    "{agency}{year}年收到多少信息公开申请？",
    "{agency}{year}年不予公开的一共多少件？",
    "{agency}{year}年的公开率是多少？",
    "{agency}{year}年信息公开工作存在哪些问题？",
)
CONTEXT = 90  # characters of source text shown around a quote
ALL = "（全部）"
# Markdown's markers, and $ (the chat renders LaTeX between $…$): each shown as itself after a backslash
_MARKERS = re.compile(r"([\\`*_\[\]{}()#+\-=|~$!])")
_LINE_START = re.compile(r"^(\s*)(\d+)([.)])", re.M)  # 「1. 」 would start a numbered list


def esc(text: str) -> str:
    """Untrusted text as plain text in the chat's Markdown, escaped once: &, < and > as entities (no tag
    can form), every Markdown marker behind a backslash (shown as typed: ' [ ] * stay ' [ ] *)."""
    out = (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = _MARKERS.sub(r"\\\1", out)
    return _LINE_START.sub(r"\1\2\\\3", out)


def _flat(text: str) -> str:
    return " ".join(text.split())


def sources_markdown(answer, store) -> str:
    """The sources of an answer: figures table, each citation with its surrounding text (the quote marked)
    and a link opening the report at that spot, then the notes."""
    from .pages import report_href

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
            texts[c.report_id] = store.facts.report_text(c.report_id)[0]
        text = texts[c.report_id]
        before = _flat(text[max(0, c.start - CONTEXT):c.start]) if not c.other_file else ""
        after = _flat(text[c.end:c.end + CONTEXT]) if not c.other_file else ""
        quote = esc(_flat(c.quote)) if c.quote.strip() else "（空白格）"
        if c.other_file:
            # a line only the report's other file prints: the report's page lists that file, to download
            where = f"{esc(c.file_name)} · {esc(c.section)}"
            link = f"[打开报告页]({report_href(c.report_id)})"
        else:
            where = f"{esc(c.file_name)}{f' 第{c.page}页' if c.page else ''} · {esc(c.section)} · 字符 {c.start}–{c.end}"
            link = f"[在原文中查看]({report_href(c.report_id, c.start, c.end)})"
        parts.append(f"**\\[{i}\\]** {where} · {link}\n\n> …{esc(before)}<mark>{quote}</mark>{esc(after)}…\n")
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


def landing_markdown(store) -> str:
    """What is held and how to ask."""
    from .library import holdings

    held = holdings(store)
    years = held["years"]
    span = ("、".join(map(str, years)) if len(years) <= 4 else f"{years[0]}–{years[-1]}") if years else "—"
    have = (f"现有 **{held['reports']}** 份报告，**{held['agencies']}** 个单位，年度 {span}。"
            if held["reports"] else "报告库还是空的：管理员导入报告后即可提问。")
    return ("## 政府信息公开年报问答\n"
            f"{have}每个数字都来自报告原表（或由原表计算，列出算式），并注明出处，点「在原文中查看」可看到它在报告中的位置。\n\n"
            "用中文提问，写明单位和年度，例如「某某县人民政府2023年收到多少信息公开申请？」；也可以先在下面选定单位和年度，"
            "再接着问「那2022年呢？」。「报告库」里列出每一份报告和它读出的情况。")


def build_chat(bot, store, config):
    import gradio as gr

    from .library import library_rows
    from .pages import library_html

    def pickers(agency_now=None, year_now=None):
        cat = bot.catalog
        agencies, years = [ALL, *cat.agencies], [ALL, *map(str, cat.years())]
        return (gr.update(choices=agencies, value=agency_now if agency_now in agencies else ALL),
                gr.update(choices=years, value=year_now if year_now in years else ALL))

    def report_choices(rows):
        return [(f"{r['mark']} {r['agency']} {r['year'] or ''}年 · {r['file_name']}", r["report_id"]) for r in rows]

    def refreshed(agency_now=None, year_now=None, picked_now=None):
        """Everything that follows the store: pickers, examples, landing, the library and its picker (each
        keeping what was chosen while it is still there)."""
        return (*refreshed_chat(agency_now, year_now), *refreshed_library(picked_now))

    def refreshed_chat(agency_now=None, year_now=None):
        """What every page load reads again (from the catalog, cheap at any size): pickers, examples, landing."""
        a, y = pickers(agency_now, year_now)
        return a, y, gr.Dataset(samples=[[q] for q in _examples(bot.catalog)]), landing_markdown(store)

    def refreshed_library(picked_now=None):
        """The library and its picker: read when the tab is opened, and after each change."""
        rows = library_rows(store)
        held = report_choices(rows)
        return library_html(rows), gr.update(choices=held, value=picked_now if picked_now in {v for _, v in held} else None)

    with gr.Blocks(title="政府信息公开年报问答") as demo:
        landing = gr.Markdown(landing_markdown(store), elem_id="landing")
        asked = gr.State([])  # the questions of this conversation, for follow-ups
        answered = gr.State({})  # chat message index → the question, its conversation and its Answer
        rated = gr.State(None)  # the id of the last feedback given, for its note
        with gr.Tab("问答"):
            with gr.Row():
                agency = gr.Dropdown([ALL], value=ALL, label="单位", scale=3, elem_id="agency-picker")
                year = gr.Dropdown([ALL], value=ALL, label="年度", scale=1, elem_id="year-picker")
            chatbot = gr.Chatbot(label="对话", height=480, sanitize_html=True, allow_tags=False,
                                 render_markdown=True, elem_id="chat")
            with gr.Row(visible=False, elem_id="feedback-row") as note_row:
                note = gr.Textbox(label="谢谢反馈！可以补充说明（可选）：哪里不对，或您期望的答案", scale=5,
                                  elem_id="feedback-note", max_length=1000)
                note_send = gr.Button("提交说明", scale=1, elem_id="feedback-send")
            thanks = gr.Markdown(visible=False, elem_id="feedback-thanks")
            choices = gr.Radio([], label="请选择您指的是哪一个", visible=False, elem_id="choices")
            chart = gr.Plot(label="图表", visible=False)
            with gr.Row():
                box = gr.Textbox(placeholder="请输入问题，例如：2022年依申请公开受理多少件？", show_label=False,
                                 scale=5, elem_id="question", max_length=300)
                send = gr.Button("发送", variant="primary", scale=1, elem_id="send")
                new = gr.Button("新对话", scale=1)
            examples = gr.Dataset(components=[box], samples=[[q] for q in _examples(bot.catalog)], label="示例问题",
                                  elem_id="examples")

        def respond(question, history, asked_so_far, records, agency_pick, year_pick):
            question = (question or "").strip()[:300]
            if not question:
                yield history, asked_so_far, records, gr.update(), gr.update(), ""
                return
            context = []
            if agency_pick and agency_pick != ALL:
                context.append(agency_pick)
            if year_pick and year_pick != ALL:
                context.append(f"{year_pick}年")
            turns = ["".join(context)] if context else []
            ans = bot.ask(question, history=turns + list(asked_so_far))
            history = list(history) + [gr.ChatMessage(role="user", content=esc(question))]
            shown = ""
            for line in ans.answer.splitlines():  # the answer appears as it is composed, line by line
                shown += esc(line) + "  \n"
                yield (history + [gr.ChatMessage(role="assistant", content=shown)], asked_so_far, records,
                       gr.update(), gr.update(), "")
            record = {"question": question, "history": turns + list(asked_so_far), "answer": ans.answer,
                      "status": ans.status, "query": ans.query.model_dump(mode="json") if ans.query else None}
            records = {**records, len(history): record}
            history.append(gr.ChatMessage(role="assistant", content=shown))
            if ans.citations or ans.notes:
                records[len(history)] = record
                history.append(gr.ChatMessage(role="assistant", content=sources_markdown(ans, store),
                                              metadata={"title": f"来源（{len(ans.citations)}）", "status": "done"}))
            fig = chart_for(ans) if ans.status == "answered" else None
            choice_update = (gr.update(choices=ans.choices[:12], value=None, visible=True)
                             if ans.status == "ambiguous" and ans.choices else gr.update(choices=[], visible=False))
            chart_update = gr.update(value=fig, visible=True) if fig is not None else gr.update(visible=False)
            yield history, list(asked_so_far) + [question], records, choice_update, chart_update, ""

        outputs = [chatbot, asked, answered, choices, chart, box]
        inputs = [box, chatbot, asked, answered, agency, year]
        box.submit(respond, inputs, outputs)
        send.click(respond, inputs, outputs)
        choices.select(lambda c: c, choices, box).then(respond, inputs, outputs)
        examples.click(lambda sample: sample[0], examples, box)
        new.click(lambda: ([], [], {}, gr.update(visible=False), gr.update(visible=False), gr.update(visible=False),
                           gr.update(visible=False)), None, [chatbot, asked, answered, choices, chart, note_row, thanks])

        def on_like(data: gr.LikeData, records):
            index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
            record = records.get(index) or records.get(str(index))
            if record is None or data.liked not in (True, False):
                return None, gr.update(visible=False), gr.update(visible=False)
            fid = store.facts.add_feedback("up" if data.liked else "down", record["question"], answer=record["answer"],
                                           status=record["status"], query=record["query"], history=record["history"],
                                           channel="chat")
            return fid, gr.update(visible=True), gr.update(value="已记录您的反馈。", visible=True)

        def on_note(fid, text):
            if fid is None or not (text or "").strip():
                return gr.update(), gr.update(value="请先点 👍 或 👎，再写说明。" if fid is None else "说明是空的。", visible=True)
            store.facts.set_feedback_note(fid, text)
            return gr.update(visible=False), gr.update(value="已记录您的说明，谢谢！", visible=True)

        # Gradio finds the event's data by the parameter's annotation: the class itself, not this module's string
        on_like.__annotations__["data"] = gr.LikeData
        chatbot.like(on_like, [answered], [rated, note_row, thanks])
        note_send.click(on_note, [rated, note], [note_row, thanks]).then(lambda: "", None, note)

        with gr.Tab("报告库") as library_tab:
            gr.Markdown("已入库的每一份报告：单位、年度、格式、文件、读出的情况（✓ 表格全部读出，⚠ 有表格或单元格未读出）、"
                        "核对与发现。点「打开」查看报告的表格、发现的问题和原文。")
            held = library_rows(store)
            library = gr.HTML(library_html(held), elem_id="library-list")
            with gr.Row():
                refresh = gr.Button("刷新", elem_id="library-refresh")
                download = gr.Button("下载全部数字（CSV）")
            csv_file = gr.File(label="CSV", interactive=False, height=90)
            download.click(lambda: _facts_csv(store), None, csv_file)
            picked = gr.Dropdown(report_choices(held), label="选择报告（管理）", visible=bool(config.admin_token),
                                 elem_id="report-picker")
            if config.admin_token:
                # (labelled 管理口令, not 管理员口令: the upload tab's field keeps that label to itself)
                lib_token = gr.Textbox(label="管理口令（删除、重新读取）", type="password", elem_id="library-token")
                with gr.Row():
                    remove_btn = gr.Button("删除这份报告", variant="stop", elem_id="remove-report")
                    reread_btn = gr.Button("用当前读取器重新读取", elem_id="reread-report")
                lib_result = gr.Textbox(label="执行情况", lines=3, interactive=False, elem_id="library-result")
            else:
                gr.Markdown("删除、重新读取报告需要管理员口令：服务端设置 `DISCLOSURE_QA_ADMIN_TOKEN` 后可用。")

        with gr.Tab("上传报告"):
            if config.admin_token:
                from .doors import SESSION_JS

                gr.Markdown("上传报告文件（txt / docx / html / pdf / md），需要管理员口令：先输入口令并点「确认口令」，再选择文件。"
                            "每个文件读完即列出结果：✓ 表格全部读出，⚠ 有表格或单元格未读出，✗ 未能导入。")
                token = gr.Textbox(label="管理员口令", type="password", elem_id="admin-token")
                confirm = gr.Button("确认口令", elem_id="admin-confirm")
                session = gr.Textbox(label="口令", interactive=False, show_label=False, elem_id="admin-session")
                files = gr.File(label="报告文件", file_count="multiple", elem_id="upload-files")
                go_ = gr.Button("导入", elem_id="upload")
                result = gr.Textbox(label="结果", lines=8, interactive=False, elem_id="upload-result")
                # in the browser: the admin session (a cookie) without which files cannot be sent (ui/doors.py)
                confirm.click(None, token, session, js=SESSION_JS)
            else:
                gr.Markdown("上传已关闭：服务端设置 `DISCLOSURE_QA_ADMIN_TOKEN` 后可从网页上传报告。")

        with gr.Tab("反馈"):
            if config.admin_token:
                gr.Markdown("每条 👍/👎 与提问、回答、系统对问题的理解一起保存：办公室据此找出答错或没读懂的问题。"
                            "也可用 `disclosure-qa feedback --format csv` 导出。查看需要管理员口令。")
                fb_token = gr.Textbox(label="管理口令（查看反馈）", type="password", elem_id="feedback-token")
                with gr.Row():
                    show_feedback = gr.Button("查看反馈", elem_id="show-feedback")
                    export = gr.Button("导出反馈（CSV）", elem_id="export-feedback")
                fb_status = gr.Markdown(elem_id="feedback-status")
                feedback_table = gr.Dataframe(interactive=False, wrap=True, elem_id="feedback-table")
                feedback_file = gr.File(label="反馈 CSV", interactive=False, height=90, elem_id="feedback-file")
            else:
                gr.Markdown("查看反馈需要管理员口令：服务端设置 `DISCLOSURE_QA_ADMIN_TOKEN` 后可用。")

        follow = [agency, year, examples, landing, library, picked]
        demo.load(refreshed_chat, [agency, year], follow[:4])
        library_tab.select(refreshed_library, picked, follow[4:])
        refresh.click(refreshed_library, picked, follow[4:])

        if config.admin_token:
            from .doors import chat_token_check

            # every admin action of the chat is a door like /api/upload: after a wrong token its sender waits
            def remove(given, report_id, request: gr.Request):
                refused = chat_token_check(request, given)
                if refused:
                    return refused
                if not report_id:
                    return "请先选择一份报告。"
                gone = store.remove_report(report_id)
                if gone is None:
                    return "这份报告已不在库中。"
                return (f"已删除 {gone['agency']} {gone['year'] or ''}年（{gone['file_name']}）：{gone['facts']}个表格数字、"
                        f"{gone['narrative_facts']}个正文数字、{gone['checks']}项核对、{gone['findings']}条发现、"
                        f"{gone['passages']}段正文及其向量、{gone['sources']}份其他来源文件。")

            def reread(given, report_id, request: gr.Request):
                from ingest.models import IngestError

                from .reading import Reading

                refused = chat_token_check(request, given)
                if refused:
                    return refused
                if not report_id:
                    return "请先选择一份报告。"
                try:
                    _, rep = store.reread_report(report_id)
                except (LookupError, FileNotFoundError, IngestError) as e:
                    return f"未能重新读取：{e}"
                r = Reading(rep.tables)
                return (f"{r.mark} 已重新读取 {rep.agency} {rep.year}年：{r.chinese()}；读出{len(rep.facts)}个数字，"
                        f"{len(rep.failed_checks)}项勾稽核对未通过。")

            def upload(given, chosen, request: gr.Request):
                """One line per file as soon as it is read, and what is being done meanwhile (not Gradio's estimate)."""
                from .uploads import Progress, iter_uploads, upload_line_zh

                refused = chat_token_check(request, given)  # the same backoff after wrong tokens as /api/upload
                if refused:
                    yield refused
                    return
                if not chosen:
                    yield "请选择文件。"
                    return
                items = [(Path(getattr(f, "name", f)).name, Path(getattr(f, "name", f)).read_bytes()) for f in chosen]
                lines: list[str] = []
                for event in iter_uploads(store, items):
                    if isinstance(event, Progress):
                        doing = (f"正在读取第 {event.index + 1}/{event.count} 个文件：{event.name} …" if event.index < event.count
                                 else "正在为新读入的正文建立检索索引 …")
                        if event.pages:  # a scanned file: its pages as OCR reads them
                            doing += f"（扫描件文字识别：第 {event.page}/{event.pages} 页）"
                        yield "\n".join([*lines, doing])
                    else:
                        lines.append(upload_line_zh(event))
                        yield "\n".join(lines)
                yield "\n".join([*lines, f"完成：{len(items)} 个文件。"])

            def feedback_rows(given, request: gr.Request):
                import pandas as pd  # gradio depends on pandas

                refused = chat_token_check(request, given)
                if refused:
                    return refused, gr.update()
                rows = [[r["created_at"].replace("T", " ")[:19], "👍" if r["rating"] == "up" else "👎", r["question"],
                         r["note"], r["status"], r["answer"][:200], r["channel"]] for r in store.facts.feedback()]
                return (f"共 {len(rows)} 条反馈。",
                        pd.DataFrame(rows, columns=["时间", "评价", "提问", "说明", "回答状态", "回答", "来自"]))

            def feedback_export(given, request: gr.Request):
                from .library import feedback_csv

                refused = chat_token_check(request, given)
                if refused:
                    return refused, gr.update()
                out = tempfile.NamedTemporaryFile("w", suffix=".csv", prefix="disclosure-qa-feedback-", delete=False,
                                                  encoding="utf-8-sig")
                out.write(feedback_csv(store.facts.feedback()))
                out.close()
                return "已导出。", out.name

            for fn in (remove, reread, upload, feedback_rows, feedback_export):
                fn.__annotations__["request"] = gr.Request  # a class, not this module's string annotation
            remove_btn.click(remove, [lib_token, picked], lib_result).then(refreshed, [agency, year, picked], follow)
            reread_btn.click(reread, [lib_token, picked], lib_result).then(refreshed, [agency, year, picked], follow)
            go_.click(upload, [token, files], result, api_name="upload_reports", show_progress="hidden").then(
                refreshed, [agency, year, picked], follow)
            show_feedback.click(feedback_rows, fb_token, [fb_status, feedback_table])
            export.click(feedback_export, fb_token, [fb_status, feedback_file])
    return demo


def _examples(catalog) -> list[str]:
    """Example questions about a report the store holds (its most recent one)."""
    entries = [e for e in catalog.entries if e.year]
    if not entries:
        return []
    latest = max(entries, key=lambda e: (e.year, e.agency))
    return [form.format(agency=latest.agency, year=latest.year) for form in EXAMPLE_FORMS]


def _facts_csv(store) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["agency", "year", "kind", "table", "row", "column", "value", "unit", "blank", "file_name", "start", "end"])
    for f in store.facts.facts():
        w.writerow([f.agency, f.year, "table", f.table, f.row_label, f.col_label, format(Decimal(f.value), "f"), f.unit,
                    f.blank, f.file_name, f.loc.start, f.loc.end])
    # the prose's figures too: the measure as printed is the row, the part of the report the column
    for d in store.facts.narrative_facts():
        w.writerow([d["agency"], d["year"], "narrative", "正文", d["measure"], d["heading"] or "", format(d["value"], "f"),
                    d["unit"] or "", False, d["file_name"], d["start"], d["end"]])
    out = tempfile.NamedTemporaryFile("w", suffix=".csv", prefix="disclosure-qa-facts-", delete=False, encoding="utf-8-sig")
    out.write(buf.getvalue())
    out.close()
    return out.name
