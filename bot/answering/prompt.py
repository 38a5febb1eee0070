"""The grounded prompt: numbered passages and the question, delimited as data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from bot.answering.passages import Passage
from knowledge import KNOWLEDGE_ROOT

PROMPTS_FILE = KNOWLEDGE_ROOT / "prompts.yaml"
_TAGS = re.compile(r"</?\s*(passages|question|conversation|follow_up)\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class Prompts:
    """The generator's instructions and its own words (from knowledge/prompts.yaml)."""

    system: str
    user: str
    rewrite_system: str
    rewrite_user: str
    refusal: str
    unavailable_note: str

    @classmethod
    def load(cls, path: Path = PROMPTS_FILE) -> Prompts:
        """Read the prompts file."""
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(**{name: str(data[name]).strip() for name in cls.__dataclass_fields__})


def as_data(text: str) -> str:
    """User or retrieved text with our delimiter tags defused, so it cannot close them."""
    return _TAGS.sub(lambda m: m.group(0).replace("<", "\u2039").replace(">", "\u203a"), text)


def number_passages(passages: list[Passage]) -> str:
    """The passages as the model sees them: ``[n] Title > Section`` then the text."""
    return "\n\n".join(
        f"[{n}] {p.heading_path}\n{as_data(p.body)}" for n, p in enumerate(passages, 1)
    )


def answer_messages(prompts: Prompts, question: str, passages: list[Passage]) -> list[BaseMessage]:
    """The chat messages for a grounded answer."""
    user = prompts.user.format(passages=number_passages(passages), question=as_data(question))
    return [SystemMessage(prompts.system), HumanMessage(user)]


def rewrite_messages(
    prompts: Prompts, question: str, turns: list[tuple[str, str]]
) -> list[BaseMessage]:
    """The chat messages asking the model to make a follow-up stand on its own."""
    conversation = "\n".join(f"{role}: {as_data(text)}" for role, text in turns)
    user = prompts.rewrite_user.format(conversation=conversation, question=as_data(question))
    return [SystemMessage(prompts.rewrite_system), HumanMessage(user)]
