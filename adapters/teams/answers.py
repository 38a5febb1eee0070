"""An answer as a Teams message: cited text, the AI label, native feedback, "See also".

Teams shows a bot's sources as citations only in a message's ``text`` (in an
Adaptive Card they are a developer preview), so an answer is a Markdown text
message whose ``[n]`` markers point into one ``https://schema.org/Message`` entity:

- ``citation``: one ``Claim`` per source (position n, the document's title as its
  name, section and path as its abstract), at most 20, as Teams allows;
- ``additionalType: ["AIGeneratedContent"]``: Teams' "AI generated" label, only when
  a language model wrote the answer (``AnswerReply.mode`` is not "extractive");
- ``channelData.feedbackLoop``: Teams' own thumbs up and down, on answers that can
  be voted on (covered, with an id); votes come back as ``message/submitAction``
  invokes (``adapters.teams.feedback``).

The "See also" buttons, which text cannot carry, ride along as a small card.
"""

from __future__ import annotations

import re
from typing import Any

from botbuilder.schema import Activity, ActivityTypes, Attachment

from adapters.teams.cards import ADAPTIVE_CARD_CONTENT_TYPE, clip, see_also_card
from adapters.teams.entities import JsonEntity
from bot.chat_text import ChatText
from bot.messages import AnswerReply, Source

__all__ = ["MAX_CITATIONS", "answer_activity", "answer_markdown", "generated", "message_entity"]

MAX_ANSWER_CHARS = 8_000
MAX_CITATIONS = 20  # Teams refuses a message with more
MAX_CITATION_NAME = 80
MAX_CITATION_ABSTRACT = 160
MESSAGE_ENTITY = "https://schema.org/Message"
AI_GENERATED = "AIGeneratedContent"
EXTRACTIVE = "extractive"
_LIST_ITEM = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+")


def answer_activity(reply: AnswerReply, text: ChatText) -> Any:
    """The message activity that shows ``reply`` in Teams."""
    activity = Activity(
        type=ActivityTypes.message, text=answer_markdown(reply, text), text_format="markdown"
    )
    entity = message_entity(reply)
    if entity is not None:
        activity.entities = [JsonEntity(entity)]
    if reply.covered and reply.answer_id:
        activity.channel_data = {"feedbackLoop": {"type": "default"}}
    card = see_also_card(reply.related) if reply.covered else None
    if card is not None:
        activity.attachments = [Attachment(content_type=ADAPTIVE_CARD_CONTENT_TYPE, content=card)]
    return activity


def generated(reply: AnswerReply) -> bool:
    """Whether a language model wrote the answer (a refusal or "not covered" it did not)."""
    return reply.covered and reply.mode != EXTRACTIVE


def answer_markdown(reply: AnswerReply, text: ChatText) -> str:
    """The answer as Teams Markdown: paragraphs apart, list items on their own lines."""
    blocks: list[str] = []
    items: list[str] = []
    for line in clip(reply.text, MAX_ANSWER_CHARS).splitlines():
        if _LIST_ITEM.match(line):
            items.append(line.strip())
            continue
        if items:
            blocks.append("\n".join(items))
            items = []
        if line.strip():
            blocks.append(line.strip())
    if items:
        blocks.append("\n".join(items))
    notes = [reply.note] if reply.covered and reply.note else []
    if generated(reply):
        notes.append(text.ai_generated_note)
    blocks.extend(f"_{note}_" for note in notes)
    return "\n\n".join(blocks) or " "


def message_entity(reply: AnswerReply) -> dict[str, Any] | None:
    """The AI label and citations entity for ``reply`` (None when it has neither)."""
    citations = [_citation(s) for s in reply.sources[:MAX_CITATIONS]] if reply.covered else []
    if not citations and not generated(reply):
        return None
    entity: dict[str, Any] = {
        "type": MESSAGE_ENTITY,
        "@type": "Message",
        "@context": "https://schema.org",
        "@id": "",
    }
    if generated(reply):
        entity["additionalType"] = [AI_GENERATED]
    if citations:
        entity["citation"] = citations
    return entity


def _citation(source: Source) -> dict[str, Any]:
    return {
        "@type": "Claim",
        "position": source.number,  # the [n] in the text
        "appearance": {
            "@type": "DigitalDocument",
            "name": clip(source.title, MAX_CITATION_NAME),
            "abstract": clip(f"{source.section} \u00b7 {source.source}", MAX_CITATION_ABSTRACT),
        },
    }
