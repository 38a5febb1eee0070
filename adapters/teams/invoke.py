"""``adaptiveCard/action`` invokes (Universal Actions) answered with a proper invoke response.

The advisor's cards use ``Action.Submit``, which arrives as a message; an
``Action.Execute`` invoke comes from a card it did not make. Teams waits for an
invoke response either way, so each gets one: 400 with an error body when the value
is malformed (botbuilder's own check raises on some shapes and would answer 500 with a
traceback), and 200 with a short message otherwise.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from botbuilder.schema import AdaptiveCardInvokeResponse, InvokeResponse

__all__ = ["CARD_ACTION", "card_action_response"]

CARD_ACTION = "adaptiveCard/action"
ERROR_TYPE = "application/vnd.microsoft.error"
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"
NOT_OURS = (
    "That card action isn't one I handle. Use the buttons on my cards, or ask me a question."
)


class _MessageResponse(AdaptiveCardInvokeResponse):  # type: ignore[misc]
    """An invoke response whose value is a message (botbuilder's model types it as an object)."""

    _attribute_map = {  # noqa: RUF012 - msrest reads the class attribute
        **AdaptiveCardInvokeResponse._attribute_map,
        "value": {"key": "value", "type": "str"},
    }


def _problem(value: Any) -> str:
    """What is wrong with an invoke's value ("" when it is a well-formed Action.Execute)."""
    if not isinstance(value, dict):
        return "the value is not an object"
    action = value.get("action")
    if not isinstance(action, dict):
        return "the value has no action object"
    if action.get("type") != "Action.Execute":
        return "the action is not an Action.Execute"
    if not isinstance(action.get("verb", ""), str):
        return "the action's verb is not a string"
    if not isinstance(action.get("data", {}), dict):
        return "the action's data is not an object"
    return ""


def card_action_response(value: Any) -> InvokeResponse:
    """The invoke response to an ``adaptiveCard/action`` carrying ``value``."""
    problem = _problem(value)
    if problem:
        error = AdaptiveCardInvokeResponse(
            status_code=int(HTTPStatus.BAD_REQUEST),
            type=ERROR_TYPE,
            value={"code": "BadRequest", "message": problem},
        )
        return InvokeResponse(status=int(HTTPStatus.BAD_REQUEST), body=error)
    message = _MessageResponse(
        status_code=int(HTTPStatus.OK), type=MESSAGE_TYPE, value=NOT_OURS
    )
    return InvokeResponse(status=int(HTTPStatus.OK), body=message)
