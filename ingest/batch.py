"""Ingest many files: one broken file never stops the batch, and never touches the store."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Optional, Protocol

from .models import READER_VERSION, IngestError, Report
from .pipeline import file_hash, parse_file

if TYPE_CHECKING:
    from .ocr import OcrSettings

# what a folder is searched for; a page image (.png/.jpg, read by OCR) is read when named itself, since a
# folder of reports often holds the pictures of its web pages too
SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}


class ReportSink(Protocol):
    def has_report(self, report_id: str) -> bool: ...
    def reader_version(self, report_id: str) -> Optional[int]: ...  # of the stored report; None: not one
    def add_report(self, report: Report) -> str: ...


@dataclass
class Outcome:
    path: Path
    status: str  # added | replaced | merged (another file of a stored report) | re-read | unchanged | error
    report: Optional[Report] = None
    error: str = ""


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, and the report files inside folders (recursively, sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
        else:
            out.append(p)
    return out


def ingest_files(files: list[Path], sink: ReportSink, ocr: "OcrSettings | None" = None) -> Iterator[Outcome]:
    """Parse each file and hand it to the sink; an unchanged file (same content hash) is not parsed again,
    unless the stored report was read by an older reader (READER_VERSION): then it is read again and
    the new reading replaces the stored one ("re-read"). If that fails, the stored reading is kept.
    `ocr` bounds each scanned file's OCR (pages, seconds) and reports its pages as they are read."""
    for path in files:
        kept = ""  # what stays stored when reading the file fails
        try:
            if not path.exists():
                raise IngestError(f"{path}: no such file")
            if path.is_file():
                report_id = file_hash(path)
                if sink.has_report(report_id):
                    stored = sink.reader_version(report_id)
                    if stored is None or stored >= READER_VERSION:
                        yield Outcome(path, "unchanged")
                        continue
                    kept = (f"; the reading stored by reader version {stored} is kept "
                            f"(this is version {READER_VERSION})")
            report = parse_file(path, ocr)
            status = sink.add_report(report)
            yield Outcome(path, status, report)
        except IngestError as e:
            yield Outcome(path, "error", error=f"{e}{kept}")
        except ConnectionError:
            raise  # the store's server went away: no file of the batch can be stored; the caller says so
        except Exception as e:  # a parser bug must not stop the batch either
            yield Outcome(path, "error", error=f"{path.name}: could not be read ({type(e).__name__}: {e}){kept}")
