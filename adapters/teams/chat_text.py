"""What Teams shows around an answer, read from ``knowledge/ui.yaml`` (``chat``).

The wording is content, kept with the rest of the advisor's words in ``knowledge/``:
the status shown while an answer is prepared (Teams' informative stream update) and
the note under an answer a language model wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge import KNOWLEDGE_ROOT

__all__ = ["UI_FILE", "ChatText"]

UI_FILE = KNOWLEDGE_ROOT / "ui.yaml"
MAX_STATUS_CHARS = 1000  # Teams refuses informative updates longer than this


@dataclass(frozen=True)
class ChatText:
    """The ``chat`` texts Teams uses."""

    working_status: str
    ai_generated_note: str

    @classmethod
    def load(cls, path: Path = UI_FILE) -> ChatText:
        """Read the ``chat`` section of the UI text file."""
        data = (yaml.safe_load(path.read_text(encoding="utf-8")) or {})["chat"]
        return cls(
            working_status=" ".join(str(data["working_status"]).split())[:MAX_STATUS_CHARS],
            ai_generated_note=" ".join(str(data["ai_generated_note"]).split()),
        )
