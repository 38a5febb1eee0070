"""Checks on a request's shape before bolt sees it: malformed bodies get a 4xx.

bolt parses a body the moment it wraps a request, and a body that does not parse
(bad JSON, a broken ``payload`` field) would surface as a 500 with a traceback.
These checks mirror how bolt reads a body (JSON when the content type says so or
the body starts with ``{``; otherwise a form, whose ``payload`` field is JSON) and
reject what it could not read, or what lacks the fields the listeners rely on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"
_COMMAND_FIELDS = ("command", "user_id", "team_id", "channel_id")


EVENT_CALLBACK = "event_callback"
COMMAND = "command"
SSL_CHECK = "ssl_check"


@dataclass(frozen=True)
class Rejection:
    """Why a request is refused, and the HTTP status that says so."""

    status: int
    reason: str


@dataclass(frozen=True)
class Accepted:
    """A well-formed request, and its kind: the payload's ``type``, ``command`` or ``ssl_check``."""

    kind: str


def check_request(content_type: str, body: bytes) -> Accepted | Rejection:
    """Whether a ``POST /slack/events`` body is one bolt can read and we can handle.

    Args:
        content_type: The request's media type, without parameters.
        body: The raw body.

    Returns:
        What kind of request it is, or the rejection to send.

    """
    if not body.strip():
        return Rejection(400, "empty body")
    if content_type not in (JSON_TYPE, FORM_TYPE):
        return Rejection(415, f"unsupported content type {content_type or '(none)'}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Rejection(400, "body is not UTF-8")
    if content_type == JSON_TYPE or text.startswith("{"):
        return _check_json(text)
    return _check_form(text)


def _check_json(text: str) -> Accepted | Rejection:
    payload = _json_object(text)
    if payload is None:
        return Rejection(400, "body is not a JSON object")
    kind = payload.get("type")
    if not isinstance(kind, str):
        return Rejection(400, "body has no type")
    if kind == EVENT_CALLBACK:
        event = payload.get("event")
        if not isinstance(event, Mapping) or not isinstance(event.get("type"), str):
            return Rejection(400, "event_callback without an event type")
        if not _text(payload.get("event_id")) or not _text(payload.get("team_id")):
            return Rejection(400, "event_callback without an event_id or team_id")
    if kind == "url_verification" and not _text(payload.get("challenge")):
        return Rejection(400, "url_verification without a challenge")
    return Accepted(kind)


def _check_form(text: str) -> Accepted | Rejection:
    fields = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in fields:
        return _check_interaction(fields["payload"])
    if COMMAND in fields:
        missing = [name for name in _COMMAND_FIELDS if not fields.get(name)]
        return (
            Rejection(400, f"command without {', '.join(missing)}")
            if missing
            else Accepted(COMMAND)
        )
    if SSL_CHECK in fields:
        return Accepted(SSL_CHECK)
    return Rejection(400, "form body is neither a command nor an interaction")


def _check_interaction(raw: str) -> Accepted | Rejection:
    payload = _json_object(raw)
    if payload is None:
        return Rejection(400, "payload is not a JSON object")
    kind = payload.get("type")
    if not isinstance(kind, str):
        return Rejection(400, "payload has no type")
    if kind == "block_actions":
        user = payload.get("user")
        if not isinstance(user, Mapping) or not _text(user.get("id")):
            return Rejection(400, "block_actions without a user")
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions:
            return Rejection(400, "block_actions without actions")
        if not all(isinstance(a, Mapping) and _text(a.get("action_id")) for a in actions):
            return Rejection(400, "block_actions with an action lacking an action_id")
    return Accepted(kind)


def _json_object(text: str) -> Mapping[str, Any] | None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # deeply nested JSON exhausts the parser's stack
        return None
    return value if isinstance(value, dict) else None


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value)
