"""Report files uploaded through the web (the API's /api/upload and the chat's admin upload) into the store.

Both doors use `iter_uploads`, so an upload is stored, reported and refused the same way: one outcome per
file as soon as it is read (the chat shows them as they come), then the passages are embedded once. The
limits (README): a request carries at most MAX_FILES files and MAX_UPLOAD_REQUEST bytes (its body:
413 beyond), a report file at most MAX_REPORT_BYTES (refused with its line beyond).
"""
from __future__ import annotations

import queue
import re
import tempfile
import threading
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
    page: int = 0  # of a scanned file read by OCR: pages read so far, of `pages`
    pages: int = 0


def iter_uploads(store, files: list[tuple[str, bytes]]) -> Iterator[object]:
    """Store uploaded report files. Yields an `ingest.batch.Outcome` (status "error") for each file refused
    by the limits, then a `Progress` as each file starts and its Outcome as soon as it is read, and a last
    `Progress` (index == count) before the new passages are embedded."""
    from ingest.batch import Outcome

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
            yield from _read_one(path, store.sink(), i, len(paths))
        yield Progress(len(paths), len(paths))
        store.chunks.sync()


def _read_one(path: Path, sink, index: int, count: int) -> Iterator[object]:
    """Read one file in a worker thread, so that a scanned file's pages are shown as OCR reads them
    (a `Progress` with `page`/`pages`), then its Outcome. Every call on the store is carried out here, on
    the caller's thread: the worker only reads the file (a store's connection stays with its thread)."""
    from ingest.batch import ingest_files
    from ingest.ocr import OcrSettings

    events: "queue.Queue[tuple]" = queue.Queue()

    class _Here:  # the sink, each call handed to the caller's thread and its answer awaited
        def __getattr__(self, name):
            def call(*args):
                answer: "queue.Queue[tuple]" = queue.Queue(maxsize=1)
                events.put(("call", (name, args, answer)))
                ok, value = answer.get()
                if not ok:
                    raise value
                return value
            return call

    def pages(done: int, total: int) -> None:
        events.put(("progress", Progress(index, count, path.name, done, total)))

    def work() -> None:
        try:
            for out in ingest_files([path], _Here(), OcrSettings(progress=pages)):
                events.put(("outcome", out))
        except BaseException as e:  # noqa: BLE001 — handed to the caller, who raises it
            events.put(("raise", e))
        events.put(("done", None))

    threading.Thread(target=work, name="upload-reader", daemon=True).start()
    while True:
        kind, item = events.get()
        if kind == "done":
            return
        if kind == "raise":
            raise item
        if kind == "call":
            name, args, answer = item
            try:
                answer.put((True, getattr(sink, name)(*args)))
            except BaseException as e:  # noqa: BLE001 — raised again in the worker, where the call was made
                answer.put((False, e))
            continue
        yield item


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
