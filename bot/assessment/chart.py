"""The radar chart of dimension scores, drawn off-screen with matplotlib's Agg backend."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from io import BytesIO

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.projections.polar import PolarAxes

from bot.messages import DimensionScore

__all__ = ["radar_figure", "radar_png"]

_CURRENT = "#1f6feb"
_PREVIOUS = "#6e7781"


def radar_png(
    scores: Sequence[DimensionScore], previous: Mapping[str, float] | None = None
) -> bytes:
    """Draw the dimension scores (0-100) as a radar chart and return it as PNG bytes.

    Uses a bare ``Figure`` with the Agg canvas, so no display and no pyplot global
    state are involved; it is safe to call from worker threads.

    Args:
        scores: One score per dimension, in the order the axes go round.
        previous: The previous result's scores by dimension id, drawn dashed.

    Returns:
        The PNG image.

    Raises:
        ValueError: Fewer than three dimensions (a radar needs three axes).

    """
    buffer = BytesIO()
    radar_figure(scores, previous).savefig(buffer, format="png")
    return buffer.getvalue()


def radar_figure(
    scores: Sequence[DimensionScore], previous: Mapping[str, float] | None = None
) -> Figure:
    """Build the radar chart figure (see ``radar_png``)."""
    if len(scores) < 3:
        raise ValueError("a radar chart needs at least three dimensions")
    angles = [2 * math.pi * i / len(scores) for i in range(len(scores))]
    closed = [*angles, angles[0]]

    figure = Figure(figsize=(6.4, 6.4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(projection="polar")
    assert isinstance(axes, PolarAxes)
    axes.set_theta_offset(math.pi / 2)
    axes.set_theta_direction(-1)
    axes.set_ylim(0, 100)
    axes.set_yticks([25, 50, 75, 100])
    axes.set_yticklabels(["25", "50", "75", "100"], fontsize=7, color=_PREVIOUS)
    axes.set_xticks(angles)
    axes.set_xticklabels([textwrap.fill(s.name, 14) for s in scores], fontsize=9)
    axes.tick_params(axis="x", pad=12)

    if previous:
        values = [previous.get(s.dimension_id, 0.0) for s in scores]
        axes.plot(
            closed,
            [*values, values[0]],
            linestyle="--",
            linewidth=1.5,
            color=_PREVIOUS,
            label="Previous",
        )
    values = [s.score for s in scores]
    axes.plot(closed, [*values, values[0]], linewidth=2, color=_CURRENT, label="Now")
    axes.fill(closed, [*values, values[0]], alpha=0.2, color=_CURRENT)
    if previous:
        axes.legend(loc="upper right", bbox_to_anchor=(1.15, 1.12), fontsize=8, frameon=False)
    figure.suptitle("AI scaling maturity (0-100)", fontsize=11)
    figure.tight_layout()
    return figure
