"""User text must never reach a log line: planted markers, looked for in every record.

A test plants ``planted()`` text in what users "write" (questions, messages, votes) and
registers the log files of processes it starts; the autouse fixture in ``conftest.py``
fails the test if a marker appears in any record captured in-process, written as the
advisor's log handler writes it (message, extra fields, traceback), or in any
registered file.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bot.logs import JsonFormatter, RedactionFilter


def written(record: logging.LogRecord) -> str:
    """The line the advisor's own log handler writes for ``record`` (filter, then format)."""
    copy = logging.makeLogRecord(dict(vars(record)))
    copy.exc_text = None  # formatted afresh, as the handler would
    RedactionFilter().filter(copy)
    return JsonFormatter().format(copy)


@dataclass
class LeakWatch:
    """The markers planted in one test and the log files to search for them."""

    markers: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def planted(self, words: str = "my salary is") -> str:
        """User text carrying a unique marker (``words`` then the marker)."""
        marker = f"zq{uuid.uuid4().hex[:10]}"
        self.markers.append(marker)
        return f"{words} {marker}"

    def watch_file(self, path: Path) -> None:
        """Also search ``path`` (a started process's log) at the end of the test."""
        self.files.append(path)

    def found_in(self, records: list[logging.LogRecord]) -> list[str]:
        """Every log line (record or file line) holding a planted marker."""
        if not self.markers:
            return []
        hits: list[str] = []
        for record in records:
            line = written(record)
            if any(marker in line for marker in self.markers):
                hits.append(f"{record.name}: {line[:300]}")
        for path in self.files:
            if not path.exists():
                continue
            lines = path.read_text(errors="replace").splitlines()
            hits += [
                f"{path.name}: {line[:300]}"
                for line in lines
                if any(marker in line for marker in self.markers)
            ]
        return hits
