"""Radar charts for the console, kept from the result just shown.

A result's PNG is kept in a small per-process cache when the result is rendered,
so the page's ``<img>`` request is served at once. A chart not in the cache
(another replica served the result, the process restarted, the cache moved on)
is redrawn by the core from the user's stored history (``AdvisorDoor.chart``), so
it never depends on which process the browser reaches.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from bot.ports import UserKey

__all__ = ["ChartCache"]

CACHED_CHARTS = 64


class ChartCache:
    """The most recent charts, keyed by (user, assessment id), least recently used dropped."""

    def __init__(self, size: int = CACHED_CHARTS) -> None:
        """Keep at most ``size`` charts."""
        self._size = size
        self._charts: OrderedDict[tuple[UserKey, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, user_key: UserKey, assessment_id: str, png: bytes) -> None:
        """Keep a chart (empty images are not kept)."""
        if not png:
            return
        with self._lock:
            self._charts[(user_key, assessment_id)] = png
            self._charts.move_to_end((user_key, assessment_id))
            while len(self._charts) > self._size:
                self._charts.popitem(last=False)

    def get(self, user_key: UserKey, assessment_id: str) -> bytes | None:
        """A kept chart, or None."""
        with self._lock:
            png = self._charts.get((user_key, assessment_id))
            if png is not None:
                self._charts.move_to_end((user_key, assessment_id))
            return png
