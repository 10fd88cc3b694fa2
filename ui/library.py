"""The library's data, for the command line, the JSON API and the pages alike: every stored report with
its agency (the one name the assistant knows it by, and as printed), year, format, files, what was read
(✓/⚠, tables, cells left unread with their reasons, failed checks, findings) and when; and one report
opened: its parts, its tables as read, its checks and findings.

    >>> rows = library_rows(store)                 # doctest: +SKIP
    >>> rows[0]["mark"], rows[0]["agency"], rows[0]["reading_zh"]
    ('✓', '某市某区公安局', '表二、表三、表四已读出')
    >>> report_detail(store, rows[0]["report_id"])["tables"][1]["rows"][0]["label"]   # doctest: +SKIP
    '一、本年新收政府信息公开申请数量'
"""
from __future__ import annotations

from typing import Optional

from .reading import Reading
from .tables import table_view

# what each kind of finding is about, as the library names it
FINDING_KINDS = {
    "ocr": "疑似识别错字", "label_typo": "表格标签有误", "narrative_mismatch": "正文与表格不一致",
    "narrative_agreement": "正文与表格一致", "unparsed": "未读出", "layout": "版式说明", "empty_table": "空白表",
    "encoding": "编码", "source_mismatch": "两份文件读数不同", "source_line": "另一份文件所印",
}
FORMATS = {"2021": "2021年版格式", "2019": "2019年试行格式"}


def canonical_names(store) -> dict[str, str]:
    """report_id → the one name the assistant knows the report's agency by (the latest printing of it)."""
    from assistant.assistant import catalog_entries

    return {e.report_id: e.agency for e in catalog_entries(store.facts.catalog())}


def library_dict(entry: dict, canonical: Optional[str] = None) -> dict:
    """A library row (FactStore.library) as JSON: its reading summarised, every unread cell with its reason.
    (Not the path it was read from: where files lie on the server is no business of the public.)"""
    reading = Reading(entry["tables"])
    return {
        **{k: entry[k] for k in ("report_id", "agency_key", "year", "published", "period", "format_version", "kind",
                                 "file_name", "ingested_at", "reader_version", "fact_count", "check_count",
                                 "failed_checks", "findings", "narrative_facts", "passages", "original")},
        "agency": canonical or entry["agency"], "agency_printed": entry["agency"],
        "agency_aliases": entry["agency_aliases"],
        "status": "ok" if reading.ok else "warning", "mark": reading.mark, "reading": reading.english(),
        "reading_zh": reading.chinese(), "unread_cells": sum(reading.counts()),
        "tables": [{"table": t.table, "parsed": t.parsed, "empty": t.empty, "reason": t.reason,
                    "fact_count": t.fact_count,
                    "unread": [{"row_key": u.row_key, "col_key": u.col_key, "reason": u.reason, "quote": u.quote,
                                "start": u.loc.start if u.loc else None, "end": u.loc.end if u.loc else None}
                               for u in t.unread]} for t in entry["tables"]],
        "sources": [{k: s[k] for k in ("source_id", "file_name", "fact_count", "agree", "disagree", "added_at",
                                        "original")} for s in entry["sources"]],
    }


def library_rows(store) -> list[dict]:
    """Every stored report as the library lists it, ordered by agency (as the assistant names it) and year."""
    names = canonical_names(store)
    rows = [library_dict(e, names.get(e["report_id"])) for e in store.facts.library()]
    return sorted(rows, key=lambda r: (r["agency"], r["year"] or 0, r["file_name"]))


def holdings(store) -> dict:
    """What the store holds, for the landing: reports, agencies, years."""
    cat = store.facts.catalog()
    names = canonical_names(store)
    years = sorted({r["year"] for r in cat if r["year"]})
    return {"reports": len(cat), "agencies": len(set(names.values())), "years": years}


def _cell_dict(cell) -> dict:
    f = cell.fact
    return {"text": cell.text, "value": None if f is None else format(f.value, "f"), "blank": bool(f and f.blank),
            "unread": cell.unread, "start": f.loc.start if f else None, "end": f.loc.end if f else None,
            "page": f.loc.page if f else None,
            "failed": [{"rule": c.rule, "description": c.description, "detail": c.detail} for c in cell.failed]}


def report_detail(store, report_id: str) -> Optional[dict]:
    """One stored report opened: its library row, parts, tables as read (every cell: figure, blank, or why
    it was left unread; the failed checks beside the totals they compare), checks that failed, findings."""
    report = store.facts.get_report(report_id)
    entry = store.facts.library_entry(report_id)
    if report is None or entry is None:
        return None
    out = library_dict(entry, canonical_names(store).get(report_id))
    out["sections"] = [s.model_dump() for s in report.sections]
    out["page_starts"] = report.page_starts
    out["text_length"] = len(report.text)
    tables = []
    for t in report.tables:
        view = table_view(report, t.table)
        tables.append({**next(x for x in out["tables"] if x["table"] == t.table), "columns": view.columns,
                       "rows": [{"label": r.label, "depth": r.depth, "heading": r.heading, "columns": r.columns,
                                 "printed": r.printed, "cells": [_cell_dict(c) for c in r.cells]} for r in view.rows]})
    out["tables"] = tables
    out["failed"] = [{"rule": c.rule, "description": c.description, "detail": c.detail,
                      "expected": None if c.expected is None else format(c.expected, "f"),
                      "actual": None if c.actual is None else format(c.actual, "f")} for c in report.failed_checks]
    out["findings_list"] = [{"kind": f.kind, "kind_zh": FINDING_KINDS.get(f.kind, f.kind), "message": f.message,
                             "quote": f.quote, "start": f.loc.start if f.loc else None,
                             "end": f.loc.end if f.loc else None, "page": f.loc.page if f.loc else None}
                            for f in report.findings]
    # the figures the prose prints with their measure (ingest.narrative_figures), each with its whole
    prose = store.facts.narrative_facts(report_id=report_id)
    measures = {d["id"]: d["measure"] for d in prose}
    out["narrative_list"] = [{"measure": d["measure"], "value": format(d["value"], "f"), "unit": d["unit"] or "",
                              "whole": measures.get(d["whole_id"]) if d["whole_id"] else None, "heading": d["heading"],
                              "start": d["start"], "end": d["end"], "page": d["page"]} for d in prose]
    return out


FEEDBACK_FIELDS = ["id", "created_at", "rating", "note", "question", "history", "answer", "status", "query", "channel"]


def feedback_csv(rows: list[dict]) -> str:
    """Stored feedback (FactStore.feedback) as CSV: history and query as JSON."""
    import csv
    import io
    import json

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FEEDBACK_FIELDS)
    w.writeheader()
    for r in rows:
        w.writerow({**r, "history": json.dumps(r["history"], ensure_ascii=False),
                    "query": json.dumps(r["query"], ensure_ascii=False) if r["query"] else ""})
    return buf.getvalue()
