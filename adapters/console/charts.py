"""Radar charts for the console: kept from the result just shown, or redrawn from the store.

A result's PNG is kept in a small per-process cache when the result is rendered,
so the page's ``<img>`` request is served at once. A chart not in the cache
(another replica served the result, the process restarted, the cache moved on)
is redrawn from the user's stored history, so it never depends on which process
the browser reaches.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from adapters.composition import Advisor
from bot.assessment.chart import radar_png
from bot.messages import DimensionScore
from bot.store import UserKey

__all__ = ["ChartCache", "draw_stored_chart"]

CACHED_CHARTS = 64
RADAR_MIN_AXES = 3


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


def draw_stored_chart(advisor: Advisor, user_key: UserKey, assessment_id: str) -> bytes | None:
    """Redraw a completed assessment's chart from the user's history, or None if unknown.

    Only the user's own history is searched, so one browser cannot fetch another's
    chart by guessing an id. The previous result, when there is one, is drawn
    dashed, as it was when the result was first shown.
    """
    history = advisor.store.history(user_key)
    position = next(
        (i for i, r in enumerate(history) if r.get("assessment_id") == assessment_id), None
    )
    if position is None:
        return None
    scores = _scores(advisor, history[position])
    if len(scores) < RADAR_MIN_AXES:
        return None
    previous = _dimension_values(history[position - 1]) if position > 0 else None
    return radar_png(scores, previous or None)


def _dimension_values(record: dict[str, Any]) -> dict[str, float]:
    stored = record.get("dimensions")
    if not isinstance(stored, dict):
        return {}
    return {str(k): float(v) for k, v in stored.items() if isinstance(v, int | float)}


def _scores(advisor: Advisor, record: dict[str, Any]) -> list[DimensionScore]:
    values = _dimension_values(record)
    return [
        DimensionScore(dimension_id=d.id, name=d.name, score=values[d.id])
        for d in advisor.assessment.survey.dimensions
        if d.id in values
    ]
