"""Report files uploaded through the web (the API's /api/upload and the chat's admin upload) into the store.

Both doors use `iter_uploads`, so an upload is stored, reported and refused the same way: one outcome per
file as soon as it is read (the chat shows them as they come), then the passages are embedded once.
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path
from dataclasses import dataclass
from typing import Iterator

from .reading import Reading

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
    """Store uploaded report files. Yields a `Progress` as each file starts, its `ingest.batch.Outcome` as
    soon as it is read, and a last `Progress` (index == count) before the new passages are embedded."""
    from ingest.batch import ingest_files

    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, (name, data) in enumerate(files):
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
        return f"✗ {out.error}"
    if out.status == "unchanged":
        return f"= {out.path.name}: unchanged, already stored"
    r = out.report
    reading = Reading(r.tables)
    return (f"{reading.mark} {out.path.name}: {r.agency} {r.year}, {reading.english()}, {len(r.facts)} facts, "
            f"{len(r.failed_checks)} failed checks [{out.status}]")


def upload_line_zh(out) -> str:
    """The same result in the chat's words."""
    if out.status == "error":
        return f"✗ 未能导入：{out.error}"
    if out.status == "unchanged":
        return f"= {out.path.name}：{STATUS_ZH['unchanged']}"
    r = out.report
    reading = Reading(r.tables)
    return (f"{reading.mark} {out.path.name}：{r.agency} {r.year or '年度未印明'}年，{reading.chinese()}；"
            f"读出{len(r.facts)}个数字，{len(r.failed_checks)}项勾稽核对未通过〔{STATUS_ZH.get(out.status, out.status)}〕")


def ingest_uploads(store, files: list[tuple[str, bytes]]) -> list[str]:
    """Store uploaded report files; one line per file, as `disclosure-qa ingest` prints them."""
    return [upload_line(out) for out in iter_uploads(store, files) if not isinstance(out, Progress)]
