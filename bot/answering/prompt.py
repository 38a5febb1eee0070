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


# Requests to drop the rules or see what the model was given. Caught before any call:
# the model is never asked, so it cannot be talked into leaking anything.
_INJECTION = re.compile(
    r"ignore\s+(all\s+|any\s+|the\s+)?(previous|prior|above|earlier|your)\s+(instructions|rules|prompt)"
    r"|disregard\s+(the\s+|your\s+|all\s+)?(instructions|rules|prompt)"
    r"|(system|hidden|initial)\s+prompt"
    r"|(reveal|show|print|repeat|output|display)\s+(me\s+)?(your|the)\s+(instructions|prompt|rules|passages|context)"
    r"|(repeat|print|output)\s+(everything|the\s+text)\s+(above|before)"
    r"|you\s+are\s+now\s+(a|an|no\s+longer)\b"
    r"|developer\s+mode|jailbreak",
    re.IGNORECASE,
)


def looks_like_injection(question: str) -> bool:
    """Whether a question tries to override the instructions or reveal the prompt."""
    return bool(_INJECTION.search(question))


def _shingles(text: str, size: int) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def leaks(reply: str, secret: str, size: int = 8) -> bool:
    """Whether ``reply`` repeats ``size`` or more consecutive words of ``secret``."""
    return bool(_shingles(reply, size) & _shingles(secret, size))
