"""The library on the command line: `library` (every stored report and how well it was read), `remove`,
`reread` and `feedback`. Each is a thin layer over a Store / FactStore call.

    disclosure-qa library                      # ✓/⚠, agency, year, tables read, facts, failed checks, id
    disclosure-qa remove 13a0bb1f              # a report id (or its first characters), or a file name
    disclosure-qa reread 13a0bb1f              # read it again from its kept file with the current reader
    disclosure-qa feedback --format csv > feedback.csv
"""
from __future__ import annotations

import json
import sys

from .library import feedback_csv, library_rows
from .reading import Reading

def cmd_library(args) -> int:
    from .cli_store import open_store

    with open_store(args) as store:
        rows = library_rows(store)
    if args.format == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        for r in rows:
            print(f"{r['mark']} {r['agency_printed']}\t{r['year'] or '?'}\t{r['file_name']}\t{r['reading']}\t{r['fact_count']} facts"
                  f"\t{r['failed_checks']} failed checks\t{r['ingested_at']}\t{r['report_id'][:12]}")
    if not rows:
        print("the store holds no report; `disclosure-qa ingest FILE` stores one", file=sys.stderr)
    return 0


def _one_report(store, ref: str):
    """The report id a person means, or a message saying why there is none."""
    found = store.facts.find_reports(ref)
    if not found:
        return None, f"no stored report matches {ref!r}: give a report id (`disclosure-qa library` lists them) or a file name"
    if len(found) > 1:
        return None, f"{ref!r} matches {len(found)} reports ({', '.join(f[:12] for f in found)}): give more of the id"
    return found[0], ""


def cmd_remove(args) -> int:
    from .cli_store import open_store

    failed = 0
    with open_store(args) as store:
        for ref in args.reports:
            rid, problem = _one_report(store, ref)
            if rid is None:
                print(f"✗ {problem}", file=sys.stderr)
                failed += 1
                continue
            gone = store.remove_report(rid)
            print(f"removed {gone['agency']} {gone['year'] or '?'} ({gone['file_name']}, {rid[:12]}): {gone['facts']} facts, "
                  f"{gone['narrative_facts']} narrative facts, {gone['checks']} checks, {gone['findings']} findings, "
                  f"{gone['passages']} passages and their vectors, {gone['sources']} other sources")
    return 1 if failed else 0


def cmd_reread(args) -> int:
    from ingest.models import IngestError

    from .cli_store import open_store

    failed = 0
    with open_store(args) as store:
        refs = args.reports or [e["report_id"] for e in store.facts.library()]
        for ref in refs:
            rid, problem = _one_report(store, ref)
            if rid is None:
                print(f"✗ {problem}", file=sys.stderr)
                failed += 1
                continue
            try:
                status, report = store.reread_report(rid, sync=False)
            except (FileNotFoundError, IngestError) as e:
                print(f"✗ {e}", file=sys.stderr)
                failed += 1
                continue
            reading = Reading(report.tables)
            print(f"{reading.mark} {report.agency} {report.year} ({rid[:12]}): re-read, {reading.english()}, "
                  f"{len(report.facts)} facts, {len(report.failed_checks)} failed checks")
        store.chunks.sync(progress=False)
    return 1 if failed else 0


def cmd_feedback(args) -> int:
    from .cli_store import open_store

    with open_store(args) as store:
        rows = store.facts.feedback(rating=args.rating)
    if args.format == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        print()
    elif args.format == "csv":
        sys.stdout.write(feedback_csv(rows))
    else:
        for r in rows:
            mark = "👍" if r["rating"] == "up" else "👎"
            print(f"{mark} {r['created_at']} [{r['channel']}] {r['question']}" + (f" — {r['note']}" if r["note"] else ""))
    if not rows:
        print("no feedback stored yet", file=sys.stderr)
    return 0


def add_commands(sub) -> None:
    s = sub.add_parser("library", help="every stored report: ✓ read whole or ⚠ tables left unread, facts, checks")
    s.add_argument("--format", choices=["text", "json"], default="text")
    s.set_defaults(func=cmd_library)

    s = sub.add_parser("remove", help="remove stored reports everywhere: facts, passages, vectors, kept files")
    s.add_argument("reports", nargs="+", metavar="REPORT", help="a report id (or its first 6+ characters) or a file name")
    s.set_defaults(func=cmd_remove)

    s = sub.add_parser("reread", help="read stored reports again from their kept files with the current reader")
    s.add_argument("reports", nargs="*", metavar="REPORT", help="report ids or file names (default: every report)")
    s.set_defaults(func=cmd_reread)

    s = sub.add_parser("feedback", help="the 👍/👎 people gave answers, with their notes, questions and answers")
    s.add_argument("--format", choices=["text", "json", "csv"], default="text")
    s.add_argument("--rating", choices=["up", "down"], default=None, help="only 👍 (up) or only 👎 (down)")
    s.set_defaults(func=cmd_feedback)
