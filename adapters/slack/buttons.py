"""What each button's ``action_id`` and ``value`` carry, both ways.

Rendering (``blocks.py``) encodes a button; the click listener decodes it back into
a ``bot.messages.Action`` or a question to ask. An ``action_id`` is
``"<kind>"`` or ``"<kind>:<detail>"``: the detail keeps ids unique within a message
(one answer button per option). The value carries what the click refers to: the
``"assessment_id:question_id"`` of the question shown, the answer id for feedback,
or the recommended question for "ask about this".

Slack's native feedback buttons (a ``feedback_buttons`` element) are one element
with one ``action_id`` for both votes; a click sends the chosen button's value, so
that value carries the vote and the answer id: ``"up:<answer id>"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.messages import Action, ActionKind

ASK = "ask"
# Every action_id this adapter renders; the click listener is registered for these.
ACTION_ID_PATTERN = re.compile(r"^(assess_[a-z]+|feedback|ask)(:[\w-]*)?$")

_KINDS = {kind.value: kind for kind in ActionKind}


@dataclass(frozen=True)
class Click:
    """A decoded button press: an action for the router, or a question to ask it."""

    action: Action | None = None
    ask: str = ""


def answer_option(index: int) -> str:
    """The action id of the button choosing option ``index`` (0 = least mature)."""
    return f"{ActionKind.ASSESS_ANSWER.value}:{index}"


def assessment_step(kind: ActionKind) -> str:
    """The action id of "back" or "restart"."""
    return kind.value


def start_assessment(mode: str) -> str:
    """The action id of a button that starts a ``"quick"`` or ``"full"`` assessment."""
    return f"{ActionKind.ASSESS_START.value}:{mode}"


def feedback(vote: str) -> str:
    """The action id of a helpful (``"up"``) or not helpful (``"down"``) button."""
    return f"{ActionKind.FEEDBACK.value}:{vote}"


def native_feedback() -> str:
    """The action id of the native ``feedback_buttons`` element (both votes)."""
    return ActionKind.FEEDBACK.value


def feedback_value(vote: str, answer_id: str) -> str:
    """The value of a native feedback button: the vote and the answer it is about."""
    return f"{vote}:{answer_id}"


def ask_about(number: int) -> str:
    """The action id of the "ask about this" button of recommendation ``number``."""
    return f"{ASK}:{number}"


def see_also(number: int) -> str:
    """The action id of the "See also" button of related section ``number``."""
    return f"{ASK}:see-{number}"


def decode(action_id: str, value: str) -> Click | None:
    """Turn a clicked button back into what it asks for.

    Args:
        action_id: The button's ``action_id``.
        value: The button's ``value`` (empty when it had none).

    Returns:
        The click, or None when the action id is not one of ours.

    """
    name, _, detail = action_id.partition(":")
    if name == ASK:
        return Click(ask=value.strip()) if value.strip() else None
    kind = _KINDS.get(name)
    if kind is None:
        return None
    if kind is ActionKind.FEEDBACK and not detail:
        vote, _, answer_id = value.partition(":")  # a native feedback button
        return Click(Action(kind, value=vote, ref=answer_id))
    if kind in (ActionKind.ASSESS_ANSWER, ActionKind.FEEDBACK):
        # The detail is the option index or the vote; the value is what it refers to.
        return Click(Action(kind, value=detail, ref=value))
    if kind is ActionKind.ASSESS_START:
        return Click(Action(kind, value=detail))
    return Click(Action(kind, value="", ref=value))
