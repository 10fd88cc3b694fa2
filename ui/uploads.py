"""Report files uploaded through the web (the API's /api/upload and the chat's admin upload) into the store.

Both doors use this one function, so an upload is stored, reported and refused the same way. The
limits (README): a request carries at most MAX_FILES files and MAX_UPLOAD_REQUEST bytes (its body:
413 beyond), a report file at most MAX_REPORT_BYTES (refused with its line beyond).
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

MAX_UPLOAD_REQUEST = 30 * 1024 * 1024  # bytes of one upload request
MAX_REPORT_BYTES = 20 * 1024 * 1024  # bytes of one report file
MAX_FILES = 20  # files in one upload request
FAILED = "✗"  # the mark of a file that was not stored


def safe_name(name: str) -> str:
    """An uploaded file's name reduced to its base name of safe characters (no path traversal)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^\w.\-\u4e00-\u9fff（）()]", "_", base).lstrip(".")
    return base[:120] or "upload"


def ingest_uploads(store, files: list[tuple[str, bytes]]) -> list[str]:
    """Store uploaded report files; one line per file, as `disclosure-qa ingest` prints them."""
    from ingest.batch import ingest_files

    if len(files) > MAX_FILES:
        return [f"{FAILED} {len(files)} files: at most {MAX_FILES} in one upload; send the others in another"]
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, (name, data) in enumerate(files):
            if len(data) > MAX_REPORT_BYTES:
                lines.append(f"{FAILED} {safe_name(name)}: larger than {MAX_REPORT_BYTES // 2**20} MB, the limit for "
                             f"one report file through the web; store it with `disclosure-qa ingest`")
                continue
            path = Path(tmp) / safe_name(name)
            if path in paths:  # two uploads reduced to one name: keep both
                path = path.with_name(f"{path.stem}_{i}{path.suffix}")
            path.write_bytes(data)
            paths.append(path)
        for out in ingest_files(paths, store.sink()):
            if out.status == "error":
                lines.append(f"{FAILED} {out.error}")
            elif out.status == "unchanged":
                lines.append(f"= {out.path.name}: unchanged, already stored")
            else:
                r = out.report
                lines.append(f"✓ {out.path.name}: {r.agency} {r.year}, {len(r.facts)} facts, "
                             f"{len(r.failed_checks)} failed checks [{out.status}]")
        store.chunks.sync()
    return lines
