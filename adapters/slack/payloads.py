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

from adapters.slack.keys import delivery_keys

JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"
_COMMAND_FIELDS = ("command", "user_id", "team_id", "channel_id")
# Event fields the listeners read as text: when present, they must be strings.
_EVENT_TEXT_FIELDS = (
    "user",
    "channel",
    "ts",
    "thread_ts",
    "event_ts",
    "text",
    "channel_type",
    "subtype",
    "tab",
)


EVENT_CALLBACK = "event_callback"
COMMAND = "command"
SSL_CHECK = "ssl_check"
URL_VERIFICATION = "url_verification"


@dataclass(frozen=True)
class Rejection:
    """Why a request is refused, and the HTTP status that says so."""

    status: int
    reason: str


@dataclass(frozen=True)
class Accepted:
    """A well-formed request: its kind, and the workspace, organisation and app it is for.

    The kind is the payload's ``type``, ``command`` or ``ssl_check``; the organisation
    is the Enterprise Grid one, on org-wide installs.
    """

    kind: str
    team_id: str = ""
    enterprise_id: str = ""
    app_id: str = ""
    event_id: str = ""  # an Events API event's id (checked present for event_callback)
    keys: tuple[str, ...] = ()  # the ledger keys it is claimed under (adapters.slack.keys)


@dataclass(frozen=True)
class Allowlist:
    """The workspaces (or organisations) and apps the advisor serves; empty allows all."""

    teams: frozenset[str] = frozenset()
    apps: frozenset[str] = frozenset()

    def refusal(self, request: Accepted) -> Rejection | None:
        """Why ``request`` is refused, or None when it is for a workspace and app served.

        Slack's own checks (``ssl_check``, ``url_verification``) name no workspace and
        carry nothing to answer: they are let through.
        """
        if request.kind in (SSL_CHECK, URL_VERIFICATION):
            return None
        if self.teams and not ({request.team_id, request.enterprise_id} & self.teams):
            return Rejection(403, "workspace not allowed")
        if self.apps and request.app_id not in self.apps:
            return Rejection(403, "app not allowed")
        return None


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
    typed = _typed_object(text, "body")
    if isinstance(typed, Rejection):
        return typed
    payload, kind = typed
    if kind == EVENT_CALLBACK:
        event = payload.get("event")
        if not isinstance(event, Mapping) or not isinstance(event.get("type"), str):
            return Rejection(400, "event_callback without an event type")
        if not _text(payload.get("event_id")) or not _text(payload.get("team_id")):
            return Rejection(400, "event_callback without an event_id or team_id")
        wrong = [f for f in _EVENT_TEXT_FIELDS if f in event and not isinstance(event[f], str)]
        if wrong:
            return Rejection(400, f"event field {wrong[0]} is not a string")
    if kind == URL_VERIFICATION and not _text(payload.get("challenge")):
        return Rejection(400, "url_verification without a challenge")
    return addressee(kind, payload)


def _check_form(text: str) -> Accepted | Rejection:
    fields = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in fields:
        return _check_interaction(fields["payload"])
    if COMMAND in fields:
        missing = [name for name in _COMMAND_FIELDS if not fields.get(name)]
        if missing:
            return Rejection(400, f"command without {', '.join(missing)}")
        return addressee(COMMAND, fields)
    if SSL_CHECK in fields:
        return Accepted(SSL_CHECK)
    return Rejection(400, "form body is neither a command nor an interaction")


def _check_interaction(raw: str) -> Accepted | Rejection:
    typed = _typed_object(raw, "payload")
    if isinstance(typed, Rejection):
        return typed
    payload, kind = typed
    if kind == "block_actions":
        user = payload.get("user")
        if not isinstance(user, Mapping) or not _text(user.get("id")):
            return Rejection(400, "block_actions without a user")
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions:
            return Rejection(400, "block_actions without actions")
        if not all(isinstance(a, Mapping) and _text(a.get("action_id")) for a in actions):
            return Rejection(400, "block_actions with an action lacking an action_id")
    return addressee(kind, payload)


def addressee(kind: str, payload: Mapping[str, Any]) -> Accepted:
    """Who a request of ``kind`` is for, read where each kind of payload says it.

    Events and slash commands name ``team_id`` (and ``enterprise_id``) at the top;
    interactions name ``team.id`` (``user.team_id`` on org-wide installs) and
    ``enterprise.id``. Every kind names ``api_app_id``.
    """
    team = _dict(payload.get("team"))
    user = _dict(payload.get("user"))
    enterprise = _dict(payload.get("enterprise"))
    return Accepted(
        kind,
        team_id=_string(payload.get("team_id"))
        or _string(team.get("id"))
        or _string(user.get("team_id")),
        enterprise_id=_string(payload.get("enterprise_id")) or _string(enterprise.get("id")),
        app_id=_string(payload.get("api_app_id")),
        event_id=_string(payload.get("event_id")),
        keys=delivery_keys(payload),
    )


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _typed_object(text: str, what: str) -> tuple[Mapping[str, Any], str] | Rejection:
    """``text`` as a JSON object with its ``type``, or why it is not one (``what`` it is)."""
    payload = _json_object(text)
    if payload is None:
        return Rejection(400, f"{what} is not a JSON object")
    kind = payload.get("type")
    if not isinstance(kind, str):
        return Rejection(400, f"{what} has no type")
    return payload, kind


def _json_object(text: str) -> Mapping[str, Any] | None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # deeply nested JSON exhausts the parser's stack
        return None
    return value if isinstance(value, dict) else None


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def _string(value: object) -> str:
    return value if isinstance(value, str) else ""
