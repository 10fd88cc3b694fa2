"""Ingest many files: one broken file never stops the batch, and never touches the store."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional, Protocol

from .models import IngestError, Report
from .pipeline import file_hash, parse_file

SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}


class ReportSink(Protocol):
    def has_report(self, report_id: str) -> bool: ...
    def add_report(self, report: Report) -> str: ...


@dataclass
class Outcome:
    path: Path
    status: str  # added | replaced | merged (another file of a stored report) | unchanged | error
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


def ingest_files(files: list[Path], sink: ReportSink) -> Iterator[Outcome]:
    """Parse each file and hand it to the sink; an unchanged file (same content hash) is not parsed again."""
    for path in files:
        try:
            if not path.exists():
                raise IngestError(f"{path}: no such file")
            if path.is_file() and sink.has_report(file_hash(path)):
                yield Outcome(path, "unchanged")
                continue
            report = parse_file(path)
            status = sink.add_report(report)
            yield Outcome(path, status, report)
        except IngestError as e:
            yield Outcome(path, "error", error=str(e))
        except ConnectionError:
            raise  # the store's server went away: no file of the batch can be stored; the caller says so
        except Exception as e:  # a parser bug must not stop the batch either
            yield Outcome(path, "error", error=f"{path.name}: could not be read ({type(e).__name__}: {e})")
