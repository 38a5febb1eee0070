from __future__ import annotations

from io import BytesIO

import numpy as np
import pytest
from matplotlib.image import imread
from matplotlib.lines import Line2D

from bot.assessment.chart import radar_figure, radar_png
from bot.messages import DimensionScore

SCORES = [
    DimensionScore("strategy", "Strategy & value", 50.0),
    DimensionScore("people", "People & operating model", 25.0),
    DimensionScore("data", "Data", 75.0),
    DimensionScore("platform", "Platform & MLOps", 100.0),
    DimensionScore("operations", "Production operations", 0.0),
]


def ydata(line: Line2D) -> list[float]:
    return [float(v) for v in np.asarray(line.get_ydata(), dtype=float)]


PREVIOUS = {"strategy": 25.0, "people": 25.0, "data": 50.0, "platform": 75.0, "operations": 0.0}


def test_radar_png_is_a_png_image() -> None:
    png = radar_png(SCORES)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    height, width, _ = imread(BytesIO(png)).shape
    assert (width, height) == (640, 640)


def test_axes_are_labelled_and_scaled_0_to_100() -> None:
    axes = radar_figure(SCORES, None).axes[0]
    labels = [t.get_text().replace("\n", " ") for t in axes.get_xticklabels()]
    assert labels == [s.name for s in SCORES]
    assert axes.get_ylim() == (0.0, 100.0)
    (line,) = axes.get_lines()
    assert ydata(line) == [50.0, 25.0, 75.0, 100.0, 0.0, 50.0]
    assert line.get_linestyle() == "-"


def test_previous_result_is_drawn_dashed() -> None:
    axes = radar_figure(SCORES, PREVIOUS).axes[0]
    previous, current = axes.get_lines()
    assert previous.get_linestyle() == "--"
    assert ydata(previous) == [25.0, 25.0, 50.0, 75.0, 0.0, 25.0]
    assert current.get_linestyle() == "-"
    assert radar_png(SCORES, PREVIOUS) != radar_png(SCORES)
    assert axes.get_legend() is not None


def test_fewer_than_three_dimensions_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least three"):
        radar_png(SCORES[:2])
