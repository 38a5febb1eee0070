"""``POST /api/messages``: check the request, authenticate it, then run the turn.

This replaces ``CloudAdapter.process`` for three reasons:

- A bad request must get a 4xx and a log line. ``CloudAdapter.process`` turns a
  body that is not JSON, or an activity it cannot read, into a 500.
- Every token problem must be a 401. botbuilder raises ``PermissionError`` only
  for some of them: an expired token, a bad signature or an unknown key arrive
  as PyJWT or lookup errors, and an empty ``Authorization`` header fails with
  an ``AttributeError``. Here any failure to authenticate is a 401.
- A turn whose replies were deferred answers 202 rather than 200.

The adapter's own ``process_activity`` then runs the turn with the
authentication result, so the middleware, the bot and the connector are
exactly botbuilder's.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from botbuilder.core import TurnContext, serializer_helper
from botbuilder.schema import Activity, ActivityEventNames, ActivityTypes

from adapters.teams.bot import REPLY_DEFERRED

__all__ = ["BadActivity", "MessagesEndpoint", "read_activity"]

log = logging.getLogger("scale_advisor.teams")


class BadActivity(Exception):
    """A request that is not a Bot Framework activity; ``status`` is the 4xx to answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def read_activity(request: web.Request) -> Any:
    """The activity in a request's body, checked enough for the bot to reply to it.

    Raises:
        BadActivity: Wrong content type (415), too large (413), empty, not JSON or
            not an activity (400).

    """
    if request.content_type != "application/json":
        raise BadActivity(415, f"content type {request.content_type!r} is not application/json")
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge as error:
        raise BadActivity(413, "body too large") from error
    if not body.strip():
        raise BadActivity(400, "empty body")
    try:
        payload = json.loads(body)
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError both are
        raise BadActivity(400, "body is not JSON") from error
    if not isinstance(payload, dict):
        raise BadActivity(400, "body is not a JSON object")
    _check_fields(payload)
    try:
        return Activity().deserialize(payload)
    except Exception as error:  # msrest raises DeserializationError and friends
        raise BadActivity(400, f"not a Bot Framework activity ({type(error).__name__})") from error


def _check_fields(payload: dict[str, Any]) -> None:
    kind = payload.get("type")
    if not isinstance(kind, str) or not kind:
        raise BadActivity(400, "activity has no type")
    if (
        kind == ActivityTypes.event
        and payload.get("name") == ActivityEventNames.continue_conversation
    ):
        # Only the adapter makes these, for proactive turns; one from outside is forged.
        raise BadActivity(400, "ContinueConversation events are not accepted from outside")
    service_url = payload.get("serviceUrl")
    if not isinstance(service_url, str) or not service_url.startswith(("https://", "http://")):
        raise BadActivity(400, "activity has no http(s) serviceUrl")
    for name in ("conversation", "from", "recipient"):
        account = payload.get(name)
        if not isinstance(account, dict) or not isinstance(account.get("id"), str):
            raise BadActivity(400, f"activity has no {name}.id")


class MessagesEndpoint:
    """The aiohttp handler for ``POST /api/messages``."""

    def __init__(self, adapter: Any, bot: Any, auth_required: bool) -> None:
        """Serve ``bot`` through ``adapter`` (a ``CloudAdapter``).

        Args:
            adapter: Authenticates requests and runs turns.
            bot: Its ``on_turn`` handles each activity.
            auth_required: False only in anonymous mode (no app id).

        """
        self._adapter = adapter
        self._bot = bot
        self._auth_required = auth_required

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Answer one request from the Bot Framework channel."""
        header = request.headers.get("Authorization") or None
        if self._auth_required and header is None:
            return _reject(request, 401, "no Authorization header")
        try:
            activity = await read_activity(request)
        except BadActivity as bad:
            return _reject(request, bad.status, bad.reason)
        try:
            authenticated = await self._adapter.bot_framework_authentication.authenticate_request(
                activity, header
            )
        except Exception as error:
            return _reject(request, 401, f"token rejected ({type(error).__name__}: {error})")

        deferred = False

        async def run_turn(context: TurnContext) -> None:
            nonlocal deferred
            await self._bot.on_turn(context)
            deferred = bool(context.turn_state.get(REPLY_DEFERRED))

        try:
            invoke_response = await self._adapter.process_activity(
                authenticated, activity, run_turn
            )
        except Exception:
            log.exception(
                "teams: activity %s (%s) could not be processed", activity.id, activity.type
            )
            return web.json_response({"error": "internal error"}, status=500)
        if invoke_response is not None:
            return web.json_response(_json(invoke_response.body), status=invoke_response.status)
        return web.Response(status=202 if deferred else 200)


def _json(body: Any) -> Any:
    """An invoke response's body as JSON: botbuilder models serialised, plain JSON as it is."""
    if body is None or isinstance(body, dict | list | str | int | float | bool):
        return body
    return serializer_helper(body)


def _reject(request: web.Request, status: int, reason: str) -> web.Response:
    log.warning("teams: %d for %s from %s: %s", status, request.path, request.remote, reason[:300])
    return web.json_response({"error": reason if status != 401 else "unauthorized"}, status=status)
