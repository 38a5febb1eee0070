"""What Slack shows around an answer, read from ``knowledge/ui.yaml`` (``chat``).

The wording is content and lives with the rest of the advisor's words: the thread
status while an answer is prepared, the note under an answer a language model
wrote, and the prompts suggested when someone opens the app's Messages tab.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from knowledge import KNOWLEDGE_ROOT

UI_FILE = KNOWLEDGE_ROOT / "ui.yaml"
MAX_SUGGESTED_PROMPTS = 4  # assistant.threads.setSuggestedPrompts takes up to four


@dataclass(frozen=True)
class SuggestedPrompt:
    """A prompt offered in a new chat: its label, and the message it sends."""

    title: str
    message: str


@dataclass(frozen=True)
class ChatText:
    """The ``chat`` texts of the UI file."""

    working_status: str
    ai_generated_note: str
    suggested_prompts_title: str
    suggested_prompts: tuple[SuggestedPrompt, ...]

    @classmethod
    def load(cls, path: Path = UI_FILE) -> ChatText:
        """Read the ``chat`` section of the UI text file."""
        data = (yaml.safe_load(path.read_text(encoding="utf-8")) or {})["chat"]
        prompts = tuple(
            SuggestedPrompt(_one_line(p["title"]), _one_line(p["message"]))
            for p in data["suggested_prompts"]
        )
        return cls(
            working_status=_one_line(data["working_status"]),
            ai_generated_note=_one_line(data["ai_generated_note"]),
            suggested_prompts_title=_one_line(data["suggested_prompts_title"]),
            suggested_prompts=prompts[:MAX_SUGGESTED_PROMPTS],
        )


@cache
def chat_text() -> ChatText:
    """The ``chat`` texts, read once on first use (not at import)."""
    return ChatText.load()


def _one_line(value: object) -> str:
    return " ".join(str(value).split())
