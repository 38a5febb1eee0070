"""Fit the radar chart into an Adaptive Card as a ``data:`` URI.

Teams keeps a whole card under about 28 KB, and the chart the assessment draws
(640 px, RGBA) is several times that once base64-encoded. The chart is redrawn
here smaller, flattened onto white and reduced to a small palette, trying
widths from large to small until it fits the space the card has left.
"""

from __future__ import annotations

import base64
from io import BytesIO

from PIL import Image

__all__ = ["CHART_WIDTHS", "chart_data_uri"]

CHART_WIDTHS = (480, 400, 320, 256, 200)
_PALETTE_COLOURS = 48  # the chart has a handful of colours plus anti-aliasing shades
_PREFIX = "data:image/png;base64,"


def chart_data_uri(png: bytes, max_chars: int) -> tuple[str, int] | None:
    """The chart as a ``data:image/png;base64,...`` URI of at most ``max_chars`` characters.

    Args:
        png: The chart as drawn by the assessment (any size, any PNG mode).
        max_chars: The room the card has left for the URI.

    Returns:
        (the URI, the width in pixels it was drawn at), or None when even the
        smallest width does not fit or ``png`` is not a readable image.

    """
    try:
        with Image.open(BytesIO(png)) as opened:
            source = _on_white(opened)
    except (OSError, ValueError):
        return None
    for width in CHART_WIDTHS:
        height = max(1, round(source.height * width / source.width))
        small = source.resize((width, height), Image.Resampling.LANCZOS)
        buffer = BytesIO()
        small.quantize(colors=_PALETTE_COLOURS).save(buffer, format="PNG", optimize=True)
        uri = _PREFIX + base64.b64encode(buffer.getvalue()).decode("ascii")
        if len(uri) <= max_chars:
            return uri, width
    return None


def _on_white(image: Image.Image) -> Image.Image:
    """Flatten transparency onto white: Teams' dark theme would show it black otherwise."""
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")
