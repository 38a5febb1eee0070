"""What the chat apps show around an answer, read from ``knowledge/ui.yaml``.

The wording is content and lives with the rest of the advisor's words: the status
shown while an answer is prepared, the note under an answer a language model wrote,
and the prompts suggested when someone opens a new chat with the advisor (``chat``);
and the short notices of the core and the channels (``notices``). Each platform cuts
them to its own limits.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from knowledge import KNOWLEDGE_ROOT

__all__ = [
    "UI_FILE",
    "ChatText",
    "Notices",
    "SuggestedPrompt",
    "chat_text",
    "notices",
    "ui_section",
]

UI_FILE = KNOWLEDGE_ROOT / "ui.yaml"


def ui_section(name: str, path: Path = UI_FILE) -> Any:
    """The ``name`` section of the UI text file (``KeyError`` naming it if it is missing)."""
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {})[name]


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
        data = ui_section("chat", path)
        return cls(
            working_status=_one_line(data["working_status"]),
            ai_generated_note=_one_line(data["ai_generated_note"]),
            suggested_prompts_title=_one_line(data["suggested_prompts_title"]),
            suggested_prompts=tuple(
                SuggestedPrompt(_one_line(p["title"]), _one_line(p["message"]))
                for p in data["suggested_prompts"]
            ),
        )


@cache
def chat_text() -> ChatText:
    """The ``chat`` texts, read once on first use (not at import)."""
    return ChatText.load()


@dataclass(frozen=True)
class Notices:
    """The ``notices`` texts of the UI file: one line each."""

    help: str
    resume: str  # shown before a scale check that is waiting for its next answer
    vote_not_saved: str
    vote_not_yours: str
    vote_unknown: str
    setting_not_saved: str
    step_not_saved: str
    attachments: str
    scale_check_usage: str  # {command}: the Slack slash command
    moved_to_dm: str
    chart_comment: str

    @classmethod
    def load(cls, path: Path = UI_FILE) -> Notices:
        """Read the ``notices`` section of the UI text file (every field is required)."""
        data = ui_section("notices", path)
        return cls(**{f.name: _one_line(data[f.name]) for f in fields(cls)})


@cache
def notices() -> Notices:
    """The ``notices`` texts, read once on first use (not at import)."""
    return Notices.load()


def _one_line(value: object) -> str:
    return " ".join(str(value).split())
