"""The advisor's light Markdown (paragraphs, lists, bold, code, [n] citations) as safe HTML.

Every piece of text is HTML-escaped before any markup is added, so nothing a
user or a document wrote can become a tag or an attribute.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape

__all__ = ["inline", "to_html"]

_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
# The space before a marker becomes a no-break space: "[2]" never starts a line alone.
_CITATION = re.compile(r"[ \t]?\[(\d{1,2})\]")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")


def inline(text: str, source_names: Mapping[int, str] | None = None) -> str:
    """One line of text as HTML: escaped, with bold, code and citation markers.

    Args:
        text: Plain text with light Markdown.
        source_names: Citation number -> the source's name, shown as the marker's tooltip.

    Returns:
        HTML safe to insert into an element.

    """
    names = source_names or {}
    html = escape(text, quote=True)
    html = _CODE.sub(r"<code>\1</code>", html)
    html = _BOLD.sub(r"<strong>\1</strong>", html)

    def cite(match: re.Match[str]) -> str:
        number = int(match.group(1))
        title = f' title="{escape(names[number], quote=True)}"' if number in names else ""
        return f'&nbsp;<sup class="cite"{title}>[{number}]</sup>'

    return _CITATION.sub(cite, html)


def to_html(text: str, source_names: Mapping[int, str] | None = None) -> str:
    """A block of light Markdown as paragraphs and lists.

    Args:
        text: Lines of text; ``- item`` and ``1. item`` lines form lists.
        source_names: Citation number -> the source's name, for the markers' tooltips.

    Returns:
        HTML safe to insert into an element.

    """
    parts: list[str] = []
    list_tag = ""
    for line in text.splitlines():
        bullet, numbered = _BULLET.match(line), _NUMBERED.match(line)
        item = bullet or numbered
        tag = "ul" if bullet else "ol" if numbered else ""
        if tag != list_tag:
            if list_tag:
                parts.append(f"</{list_tag}>")
            if tag:
                parts.append(f"<{tag}>")
            list_tag = tag
        if item:
            parts.append(f"<li>{inline(item.group(1), source_names)}</li>")
        elif line.strip():
            parts.append(f"<p>{inline(line.strip(), source_names)}</p>")
    if list_tag:
        parts.append(f"</{list_tag}>")
    return "".join(parts)
