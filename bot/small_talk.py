"""Greetings and thanks, told apart from questions, so they get a friendly word back.

"Hi there!" or "thanks, that helped" is not a question about scaling AI: answering it
with "not covered" reads as rude. A message counts only when every word in it is a
greeting, a thanks or filler from ``knowledge/ui.yaml`` (``small_talk``), and one of
them opens a greeting or a thanks; "Hi, how do we move a pilot to production?" is a
question and is answered as one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from bot.chat_text import UI_FILE, ui_section

MAX_SMALL_TALK_WORDS = 8  # longer messages say something more: they are read as questions
_WORDS = re.compile(r"[^\W\d_]+")
_EMOJI_CODES = re.compile(r":[a-z0-9_+-]+:", re.IGNORECASE)  # Slack's ":wave:" and the like


class SmallTalkKind(Enum):
    """What a small-talk message is."""

    GREETING = "greeting"
    THANKS = "thanks"


@dataclass(frozen=True)
class SmallTalk:
    """The words of greetings and thanks, and the advisor's replies to them."""

    greeting_openers: frozenset[str]
    thanks_openers: frozenset[str]
    filler: frozenset[str]
    greeting_reply: str
    thanks_reply: str

    @classmethod
    def load(cls, path: Path = UI_FILE) -> SmallTalk:
        """Read the ``small_talk`` section of the UI text file."""
        data = ui_section("small_talk", path)
        return cls(
            greeting_openers=frozenset(str(w).lower() for w in data["greeting_openers"]),
            thanks_openers=frozenset(str(w).lower() for w in data["thanks_openers"]),
            filler=frozenset(str(w).lower() for w in data["filler"]),
            greeting_reply=" ".join(str(data["greeting_reply"]).split()),
            thanks_reply=" ".join(str(data["thanks_reply"]).split()),
        )

    def kind(self, text: str) -> SmallTalkKind | None:
        """Whether ``text`` is only a greeting or a thanks (thanks wins when it is both)."""
        if "?" in text:
            return None  # "hi, anyone there?" and the like are asking something
        words = [w.lower() for w in _WORDS.findall(_EMOJI_CODES.sub(" ", text))]
        if not words or len(words) > MAX_SMALL_TALK_WORDS:
            return None
        known = self.greeting_openers | self.thanks_openers | self.filler
        if any(word not in known for word in words):
            return None
        if any(word in self.thanks_openers for word in words):
            return SmallTalkKind.THANKS
        if any(word in self.greeting_openers for word in words):
            return SmallTalkKind.GREETING
        return None

    def reply_to(self, kind: SmallTalkKind) -> str:
        """The advisor's reply to a greeting or a thanks."""
        return self.greeting_reply if kind is SmallTalkKind.GREETING else self.thanks_reply
