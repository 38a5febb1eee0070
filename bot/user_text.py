r"""What users write, made safe to process: one cleaner for every adapter's edge.

JSON can carry a lone UTF-16 surrogate (``"\\ud800"``) that no UTF-8 encoder accepts:
left in, it fails the tokenizer, the database and the log formatter far from where it
came in. Control characters other than tab and newline are noise in a question.
"""

from __future__ import annotations

import re

MAX_MESSAGE_CHARS = 2000
"""The longest question the advisor reads, on every channel (longer ones get a polite reply)."""

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(text: str) -> str:
    r"""``text`` with lone surrogates replaced by U+FFFD and control characters dropped.

    A surrogate pair that arrived as two escapes (``"\\ud83d\\ude00"``) is joined back
    into the one character it encodes.
    """
    if text.isascii():
        return _CONTROLS.sub("", text)
    joined = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return _CONTROLS.sub("", joined)


def too_long(text: str) -> bool:
    """Whether a message is past what the advisor reads."""
    return len(text) > MAX_MESSAGE_CHARS
