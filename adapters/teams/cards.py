"""Replies rendered as Adaptive Cards, and card button data read back as actions.

Notices, assessment questions and results are cards; an answer is a text message
(Teams renders citations only in a message's text) with a card for its "See also"
buttons (``see_also_card``).

Every card is a plain JSON dict (version 1.5, the highest Teams renders), so any
Bot Framework or Agents SDK can send it. Buttons are ``Action.Submit``; Teams
posts their ``data`` back as ``activity.value`` on a message, and
``parse_action`` turns that into a ``bot.messages.Action``. The data format is
defined only here: ``{"kind": ActionKind, "value": str, "ref": str}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from adapters.teams.card_image import chart_data_uri
from bot.messages import (
    Action,
    ActionKind,
    NoticeReply,
    QuestionReply,
    Related,
    ResultReply,
)

CardReply = NoticeReply | QuestionReply | ResultReply
"""The replies shown as cards."""

__all__ = [
    "ADAPTIVE_CARD_CONTENT_TYPE",
    "CARD_VERSION",
    "CardReply",
    "MAX_ACTIONS_PER_SET",
    "MAX_CARD_BYTES",
    "action_data",
    "card_size",
    "clip",
    "parse_action",
    "parse_ask",
    "render",
    "see_also_card",
]

ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"  # the highest version Teams renders
MAX_CARD_BYTES = 28_000  # Teams rejects or truncates larger card payloads
MAX_ACTIONS_PER_SET = 6  # Teams shows at most six buttons in one row of actions
MAX_BLOCK_CHARS = 3_000
MAX_DATA_CHARS = 128  # longest value or ref a button may carry back
MAX_ASK_CHARS = 300  # longest question a "See also" button may ask

_CODE = re.compile(r"`([^`\n]+)`")


# --- button data --------------------------------------------------------------------


def action_data(action: Action) -> dict[str, str]:
    """The ``data`` of an ``Action.Submit`` that stands for ``action``."""
    return {"kind": action.kind.value, "value": action.value, "ref": action.ref}


def ask_data(question: str) -> dict[str, str]:
    """The ``data`` of an ``Action.Submit`` that asks ``question`` ("See also")."""
    return {"ask": question[:MAX_ASK_CHARS]}


def parse_ask(value: object) -> str | None:
    """The question a "See also" button asks, from ``activity.value`` (None if it is not one)."""
    if not isinstance(value, Mapping) or set(value) != {"ask"}:
        return None
    question = value["ask"]
    if not isinstance(question, str) or not question.strip() or len(question) > MAX_ASK_CHARS:
        return None
    return question.strip()


def parse_action(value: object) -> Action | None:
    """The action a card button stands for, from the ``activity.value`` Teams posts back.

    Args:
        value: ``activity.value`` of a message; anything that is not data made by
            ``action_data`` (another app's card, a tampered payload) gives None.

    Returns:
        The action, or None.

    """
    if not isinstance(value, Mapping):
        return None
    kind, data, ref = value.get("kind"), value.get("value", ""), value.get("ref", "")
    if not isinstance(kind, str) or not isinstance(data, str) or not isinstance(ref, str):
        return None
    if len(data) > MAX_DATA_CHARS or len(ref) > MAX_DATA_CHARS:
        return None
    try:
        return Action(ActionKind(kind), data, ref)
    except ValueError:
        return None


# --- rendering ------------------------------------------------------------------------


def render(reply: CardReply) -> dict[str, Any]:
    """The Adaptive Card for one reply (answers are text messages: ``adapters.teams.answers``)."""
    if isinstance(reply, QuestionReply):
        return _question_card(reply)
    if isinstance(reply, ResultReply):
        return _result_card(reply)
    return _notice_card(reply)


def card_size(card: Mapping[str, Any]) -> int:
    """The card's size in bytes as it travels (compact UTF-8 JSON)."""
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _card(
    body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": body,
        # Teams draws cards narrow unless asked to use the message width.
        "msteams": {"width": "Full"},
    }
    if actions:
        card["actions"] = actions
    return card


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": clip(text, MAX_BLOCK_CHARS), "wrap": True, **style}


def _submit(title: str, action: Action, **style: Any) -> dict[str, Any]:
    return {"type": "Action.Submit", "title": title, "data": action_data(action), **style}


def _action_sets(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Buttons as ActionSet elements, at most ``MAX_ACTIONS_PER_SET`` to a row."""
    return [
        {"type": "ActionSet", "actions": actions[i : i + MAX_ACTIONS_PER_SET]}
        for i in range(0, len(actions), MAX_ACTIONS_PER_SET)
    ]


def _notice_card(reply: NoticeReply) -> dict[str, Any]:
    return _card([_text(_inline(reply.text))])


def see_also_card(related: Sequence[Related]) -> dict[str, Any] | None:
    """The card under an answer with its "See also" buttons (None when there are none).

    The answer itself travels as the message's text, where Teams renders its [n]
    citations; a card holds only what text cannot: buttons.
    """
    if not related:
        return None
    buttons = [
        {
            "type": "Action.Submit",
            "title": item.title.split(" > ")[-1],
            "data": ask_data(item.question),  # each button asks that section's question
        }
        for item in related
    ]
    return _card([_text("See also", weight="Bolder"), *_action_sets(buttons)])


def _question_card(reply: QuestionReply) -> dict[str, Any]:
    ref = reply.ref
    body: list[dict[str, Any]] = [
        _text(
            f"Scale check ({reply.mode}) \u00b7 Question {reply.number} of {reply.total}",
            size="Small",
            isSubtle=True,
        ),
        _text(reply.dimension, weight="Bolder", color="Accent", spacing="Small"),
        _text(reply.text, size="Medium", weight="Bolder", spacing="Small"),
    ]
    for index, option in enumerate(reply.options):
        chosen = " \u2714 *(your answer)*" if reply.selected == index else ""
        body.append(_text(f"**{index + 1}.** {option}{chosen}", spacing="Small"))
    options = [
        _submit(
            str(index + 1),
            Action(ActionKind.ASSESS_ANSWER, str(index), ref),
            **({"style": "positive"} if reply.selected == index else {}),
        )
        for index in range(len(reply.options))
    ]
    body.extend(_action_sets(options))
    actions: list[dict[str, Any]] = []
    if reply.can_go_back:
        actions.append(_submit("\u2190 Back", Action(ActionKind.ASSESS_BACK, "", ref)))
    actions.append(_submit("Start over", Action(ActionKind.ASSESS_RESTART, reply.mode, ref)))
    return _card(body, actions)


def _result_card(reply: ResultReply) -> dict[str, Any]:
    facts = [
        {"title": "Phase", "value": reply.phase},
        {"title": "MLOps level", "value": reply.mlops_level},
        {"title": "Operating model", "value": reply.operating_model},
    ]
    if reply.previous_completed_at:
        facts.append({"title": "Compared with", "value": reply.previous_completed_at[:10]})
    body: list[dict[str, Any]] = [
        _text("Your scale-check result", size="Large", weight="Bolder"),
        {"type": "FactSet", "facts": facts},
    ]
    chart_at = len(body)
    body.append(_text("Scores by dimension (0-100)", weight="Bolder", separator=True))
    body.append(
        {
            "type": "FactSet",
            "facts": [
                {"title": d.name, "value": _score(d.score, d.change)} for d in reply.dimensions
            ],
        }
    )
    if reply.blockers:
        body.append(_text("What holds you back", weight="Bolder", separator=True))
        body.extend(
            _text(f"\u26a0 {b}", color="Attention", spacing="Small") for b in reply.blockers
        )
    if reply.recommendations:
        body.append(_text("Recommended next steps", weight="Bolder", separator=True))
    for number, rec in enumerate(reply.recommendations, start=1):
        flag = " \u00b7 *removes a blocker*" if rec.blocker else ""
        body.append(_text(f"**{number}. {rec.title}**{flag}", spacing="Medium"))
        body.append(_text(rec.why, spacing="Small"))
        if rec.mistake:
            body.append(_text(f"Watch out: {rec.mistake}", isSubtle=True, spacing="Small"))
        body.append(_text(f"Source: {rec.source}", size="Small", isSubtle=True, spacing="None"))
    actions = [
        _submit("Retake (quick)", Action(ActionKind.ASSESS_START, "quick")),
        _submit("Retake (full)", Action(ActionKind.ASSESS_START, "full")),
    ]
    card = _card(body, actions)
    if reply.chart_png:
        _insert_chart(card, chart_at, reply.chart_png)
    return card


def _insert_chart(card: dict[str, Any], position: int, png: bytes) -> None:
    """Put the chart into the card if a version of it fits the card's size budget."""
    alt = "Radar chart of the scores by dimension"
    placeholder: dict[str, Any] = {"type": "Image", "url": "", "altText": alt, "size": "Stretch"}
    card["body"].insert(position, placeholder)
    fitted = chart_data_uri(png, MAX_CARD_BYTES - card_size(card))
    if fitted is None:  # the text comes first; the scores are listed below anyway
        card["body"][position] = _text("(The chart is too large to show here.)", isSubtle=True)
        return
    placeholder["url"], width = fitted
    placeholder["width"] = f"{min(width, 400)}px"


def _score(score: float, change: float | None) -> str:
    text = f"{score:.0f}"
    if change:
        arrow = "\u25b2 +" if change > 0 else "\u25bc "
        text += f" ({arrow}{change:.0f} since last time)"
    return text


def _inline(text: str) -> str:
    """Card Markdown has no code spans: show `command` as **command**."""
    return _CODE.sub(r"**\1**", text)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in an ellipsis when it was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"
