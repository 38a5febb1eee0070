"""Our light Markdown to Slack mrkdwn, and splitting text to fit Block Kit's limits.

The knowledge base and the router speak a small Markdown: ``**bold**``, ``- `` bullets,
``[n]`` citations, the odd heading or link. Slack's mrkdwn differs (``*bold*``,
``_italic_``, ``<url|text>``) and needs ``&``, ``<`` and ``>`` escaped.
"""

from __future__ import annotations

import re

_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.MULTILINE)
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC = re.compile(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
# A character that never occurs in our text stands in for bold's "*" while single
# "*" (italic) is being converted, so the two do not run into each other.
_BOLD_MARK = "\x00"

_SEPARATORS = ("\n\n", "\n", " ")


def escape(text: str) -> str:
    """Escape the three characters Slack reserves for its own markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(markdown: str) -> str:
    """Convert our light Markdown to Slack mrkdwn (escaping ``&``, ``<`` and ``>``).

    Args:
        markdown: Text with ``**bold**``, ``*italic*``, ``- `` bullets, ``#`` headings,
            ``[text](https://...)`` links and ``[n]`` citations.

    Returns:
        The same text in mrkdwn; citations such as ``[1]`` are kept as they are.

    """
    text = escape(markdown.strip())
    text = _HEADING.sub(lambda m: f"{_BOLD_MARK}{m.group(1)}{_BOLD_MARK}", text)
    text = _BULLET.sub(lambda m: f"{m.group(1)}\u2022 ", text)
    text = _BOLD.sub(lambda m: f"{_BOLD_MARK}{m.group(2)}{_BOLD_MARK}", text)
    text = _ITALIC.sub(r"_\1_", text)
    text = _STRIKE.sub(r"~\1~", text)
    text = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", text)
    return text.replace(_BOLD_MARK, "*")


def split_text(text: str, limit: int) -> list[str]:
    """Split text into pieces of at most ``limit`` characters.

    Breaks between paragraphs first, then between lines, then between words, and
    cuts a word only when it alone is longer than ``limit``.

    Args:
        text: The text to split.
        limit: The most characters a piece may have (at least 1).

    Returns:
        The non-blank pieces, in order.

    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    return [piece for piece in _split(text, limit, _SEPARATORS) if piece.strip()]


def truncate(text: str, limit: int) -> str:
    """Shorten text to at most ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "\u2026"


def _split(text: str, limit: int, separators: tuple[str, ...]) -> list[str]:
    if len(text) <= limit:
        return [text]
    if not separators:
        return [text[start : start + limit] for start in range(0, len(text), limit)]
    separator, finer = separators[0], separators[1:]
    pieces: list[str] = []
    current = ""
    for part in text.split(separator):
        candidate = f"{current}{separator}{part}" if current else part
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        if len(part) <= limit:
            current = part
        else:
            smaller = _split(part, limit, finer)
            pieces.extend(smaller[:-1])
            current = smaller[-1]
    if current:
        pieces.append(current)
    return pieces
