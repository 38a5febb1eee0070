"""User text must never reach a log line: planted markers, looked for in every record.

A test plants ``planted()`` text in what users "write" (questions, messages, votes) and
registers the log files of processes it starts; the autouse fixture in ``conftest.py``
fails the test if a marker appears in any record captured in-process (message, arguments
or traceback) or in any registered file.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path


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
            parts = [record.getMessage(), record.exc_text or ""]
            if record.exc_info and record.exc_info[1] is not None:
                parts.append(repr(record.exc_info[1]))
            line = " ".join(parts)
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
