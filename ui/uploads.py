"""Report files uploaded through the web (the API's /api/upload and the chat's admin upload) into the store.

Both doors use `iter_uploads`, so an upload is stored, reported and refused the same way: one outcome per
file as soon as it is read (the chat shows them as they come), then the passages are embedded once. The
limits (README): a request carries at most MAX_FILES files and MAX_UPLOAD_REQUEST bytes (its body:
413 beyond), a report file at most MAX_REPORT_BYTES (refused with its line beyond).
"""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .reading import Reading

MAX_UPLOAD_REQUEST = 30 * 1024 * 1024  # bytes of one upload request
MAX_REPORT_BYTES = 20 * 1024 * 1024  # bytes of one report file
MAX_FILES = 20  # files in one upload request
FAILED = "✗"  # the mark of a file that was not stored
STATUS_ZH = {"added": "已入库", "replaced": "替换了同名文件的旧版本", "merged": "同一报告的另一份文件，保留读出更完整的一份",
             "re-read": "按新版读取器重新读取", "unchanged": "内容未变，已在库中"}


def safe_name(name: str) -> str:
    """An uploaded file's name reduced to its base name of safe characters (no path traversal)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^\w.\-\u4e00-\u9fff（）()]", "_", base).lstrip(".")
    return base[:120] or "upload"


@dataclass
class Progress:
    """Progress of an upload: file `index` of `count` (`name`) is being read; index == count: the passages
    of the files read are being indexed."""
    index: int
    count: int
    name: str = ""


def iter_uploads(store, files: list[tuple[str, bytes]]) -> Iterator[object]:
    """Store uploaded report files. Yields an `ingest.batch.Outcome` (status "error") for each file refused
    by the limits, then a `Progress` as each file starts and its Outcome as soon as it is read, and a last
    `Progress` (index == count) before the new passages are embedded."""
    from ingest.batch import Outcome, ingest_files

    if len(files) > MAX_FILES:
        yield Outcome(Path("upload"), "error",
                      error=f"{len(files)} files: at most {MAX_FILES} in one upload; send the others in another")
        return
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, (name, data) in enumerate(files):
            if len(data) > MAX_REPORT_BYTES:
                yield Outcome(Path(safe_name(name)), "error", error=(
                    f"{safe_name(name)}: larger than {MAX_REPORT_BYTES // 2**20} MB, the limit for one report file "
                    "through the web; store it with `disclosure-qa ingest`"))
                continue
            path = Path(tmp) / safe_name(name)
            if path in paths:  # two uploads reduced to one name: keep both
                path = path.with_name(f"{path.stem}_{i}{path.suffix}")
            path.write_bytes(data)
            paths.append(path)
        for i, path in enumerate(paths):
            yield Progress(i, len(paths), path.name)
            yield from ingest_files([path], store.sink())
        yield Progress(len(paths), len(paths))
        store.chunks.sync()


def upload_line(out) -> str:
    """One uploaded file's result, as `disclosure-qa ingest` prints it (✓ read whole, ⚠ tables left unread)."""
    if out.status == "error":
        return f"{FAILED} {out.error}"
    if out.status == "unchanged":
        return f"= {out.path.name}: unchanged, already stored"
    r = out.report
    reading = Reading(r.tables)
    return (f"{reading.mark} {out.path.name}: {r.agency} {r.year}, {reading.english()}, {len(r.facts)} facts, "
            f"{len(r.failed_checks)} failed checks [{out.status}]")


def upload_line_zh(out) -> str:
    """The same result in the chat's words."""
    if out.status == "error":
        return f"{FAILED} {out.error}（未能导入）"
    if out.status == "unchanged":
        return f"= {out.path.name}：{STATUS_ZH['unchanged']}"
    r = out.report
    reading = Reading(r.tables)
    return (f"{reading.mark} {out.path.name}：{r.agency} {r.year or '年度未印明'}年，{reading.chinese()}；"
            f"读出{len(r.facts)}个数字，{len(r.failed_checks)}项勾稽核对未通过〔{STATUS_ZH.get(out.status, out.status)}〕")


def ingest_uploads(store, files: list[tuple[str, bytes]]) -> list[str]:
    """Store uploaded report files; one line per file, as `disclosure-qa ingest` prints them."""
    return [upload_line(out) for out in iter_uploads(store, files) if not isinstance(out, Progress)]
