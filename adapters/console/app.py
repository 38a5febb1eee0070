"""The web console: one page at ``/`` and a small JSON API under ``/console/api/``.

The console is a channel like Slack and Teams, without an SDK: it translates each
request into an ``Inbound`` for the router and renders the replies as JSON with
HTML (``adapters/console/render.py``). Each browser gets a random id in a cookie
signed by the server (``adapters/console/identity.py``); that id is the user
(assessment progress, history, votes) and the conversation, and the page sends a
thread id per visit, so browsers never share memory. A cookie the server did not
sign is ignored and replaced by a new identity.

API (JSON in, JSON out; bad input is a 4xx with ``{"error": ...}``):

- ``GET  /console/api/welcome``: the help text, suggestions, and the question an
  unfinished scale-check is waiting on.
- ``POST /console/api/ask`` ``{"text": ..., "thread": ...}``: ask a question (or
  type ``scale-check quick``).
- ``POST /console/api/action`` ``{"kind": ..., "value": ..., "ref": ...}``: a button
  press; ``kind`` is a ``bot.messages.ActionKind`` value.
- ``GET  /console/api/chart/<assessment_id>``: a result's radar chart (PNG).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from adapters.composition import Advisor
from adapters.console.charts import ChartCache
from adapters.console.identity import BrowserIds, console_secret
from adapters.console.render import log_entries, render, render_all
from bot.door import AdvisorDoor
from bot.logs import current_request_id
from bot.messages import Action, ActionKind, Inbound, Reply, ResultReply
from bot.ports import UserKey
from bot.user_text import MAX_MESSAGE_CHARS, clean_text, too_long

__all__ = ["API_PREFIX", "BROWSER_COOKIE", "mount_console"]

log = logging.getLogger("scale_advisor.console")

PLATFORM, WORKSPACE = "console", "local"
API_PREFIX = "/console/api/"
STATIC_DIR = Path(__file__).parent / "static"
BROWSER_COOKIE = "scale_advisor_console"
COOKIE_MAX_AGE = 365 * 24 * 3600
MAX_FIELD_CHARS = 200  # button values and refs are short ids
DEFAULT_THREAD = "main"
# Where index.html takes the welcome, rendered on the server.
WELCOME_MARKER = "<!-- welcome -->"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Same-origin only: no external scripts, styles, fonts or frames; charts come from the API.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@dataclass
class Console:
    """What the console's handlers share: the advisor's door, the charts just shown, the signer."""

    door: AdvisorDoor
    charts: ChartCache
    browsers: BrowserIds


CONSOLE_KEY = web.AppKey("console", Console)
# The browser's identity, worked out once per request (and the cookie to set, if new).
BROWSER_ID_KEY = web.RequestKey("browser_id", str)
NEW_COOKIE_KEY = web.RequestKey("browser_cookie", str)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BadInput(web.HTTPBadRequest):
    """A request the API cannot act on, with a message saying why."""

    def __init__(self, message: str) -> None:
        """Answer 400 with ``message``."""
        super().__init__(reason="Bad Request", text=message)


async def mount_console(app: web.Application, advisor: Advisor) -> str:
    """Serve the console page at ``/`` and its API under ``/console/api/``.

    Args:
        app: The server's application (before it starts).
        advisor: The advisor whose router answers.

    Returns:
        A description of the channel for the start-up log.

    """
    secret = await asyncio.to_thread(console_secret, advisor.settings)
    app[CONSOLE_KEY] = Console(advisor.door, ChartCache(), BrowserIds(secret))
    app.middlewares.append(console_middleware)
    app.router.add_get("/", index)
    app.router.add_static("/console/static/", STATIC_DIR)
    app.router.add_get(API_PREFIX + "welcome", welcome)
    app.router.add_post(API_PREFIX + "ask", ask)
    app.router.add_post(API_PREFIX + "action", press)
    app.router.add_get(API_PREFIX + "chart/{assessment_id}", chart)
    return "console at /"


# --- middleware: JSON errors, security headers, the browser cookie ------------------------


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message, "request_id": current_request_id()}, status=status)


@web.middleware
async def console_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every API failure into a JSON error and add the page's security headers.

    Errors outside the API and non-console paths pass through unchanged. An
    unexpected exception becomes a 500 with the request id, never a traceback.
    """
    path = request.path
    if not (path == "/" or path.startswith("/console/")):
        return await handler(request)
    try:
        response = await handler(request)
    except web.HTTPException as error:
        if not path.startswith(API_PREFIX):
            raise
        response = _error(error.status, error.text or error.reason)
    except Exception:
        if not path.startswith(API_PREFIX):
            raise
        log.exception("console: %s %s failed", request.method, path)
        response = _error(500, "internal error: see the server log for this request id")
    response.headers.update(SECURITY_HEADERS)
    _remember_browser(request, response)
    return response


def _browser_id(request: web.Request) -> str:
    """The browser's id from its signed cookie, or a new one (set on the response).

    A cookie without this server's signature (forged, edited, or from before cookies
    were signed) names nobody: the browser starts afresh, as a new visitor.
    """
    cached = request.get(BROWSER_ID_KEY)
    if isinstance(cached, str):
        return cached
    browsers = request.app[CONSOLE_KEY].browsers
    cookie = request.cookies.get(BROWSER_COOKIE, "")
    browser_id = browsers.verify(cookie) if cookie else None
    if browser_id is None:
        if cookie:  # the value itself is not logged: it is whatever the client sent
            log.info("console: a cookie without a valid signature; issuing a new identity")
        browser_id, request[NEW_COOKIE_KEY] = browsers.issue()
    request[BROWSER_ID_KEY] = browser_id
    return browser_id


def _remember_browser(request: web.Request, response: web.StreamResponse) -> None:
    issued = request.get(NEW_COOKIE_KEY)
    if isinstance(issued, str) and not response.prepared:
        response.set_cookie(
            BROWSER_COOKIE,
            issued,
            max_age=COOKIE_MAX_AGE,
            path="/",
            httponly=True,
            samesite="Strict",
            secure=request.secure,
        )


def _user_key(request: web.Request) -> UserKey:
    return (PLATFORM, WORKSPACE, _browser_id(request))


# --- handlers --------------------------------------------------------------------------------


async def index(request: web.Request) -> web.StreamResponse:
    """The console page, with the welcome already in it (it shows before any script runs)."""
    replies, suggestions = await _welcome(request)
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    page = page.replace(WELCOME_MARKER, log_entries(replies, suggestions), 1)
    return web.Response(text=page, content_type="text/html", headers={"Cache-Control": "no-cache"})


async def welcome(request: web.Request) -> web.Response:
    """The help text, suggested questions, and any scale-check waiting to be finished."""
    replies, suggestions = await _welcome(request)
    return web.json_response({"replies": render_all(replies), "suggestions": suggestions})


async def _welcome(request: web.Request) -> tuple[list[Reply], list[str]]:
    """What a visit opens with: help, a scale-check waiting where it was left, suggestions."""
    console = request.app[CONSOLE_KEY]
    user_key = _user_key(request)  # a first-time browser gets its id with the page
    welcome = await console.door.welcome(user_key)
    return list(welcome.replies), list(welcome.suggestions)


async def ask(request: web.Request) -> web.Response:
    """Ask a question (or type a command such as ``scale-check quick``)."""
    body = await _json_object(request)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadInput('"text" must be a non-empty string')
    if too_long(text):
        raise BadInput(f'"text" is longer than {MAX_MESSAGE_CHARS} characters')
    return await _handle(request, _inbound(request, body, text=clean_text(text).strip()))


async def press(request: web.Request) -> web.Response:
    """Press a button: feedback, or a scale-check start, answer, back or restart."""
    body = await _json_object(request)
    kind = body.get("kind")
    try:
        action_kind = ActionKind(kind) if isinstance(kind, str) else None
    except ValueError:
        action_kind = None
    if action_kind is None:
        kinds = ", ".join(k.value for k in ActionKind)
        raise BadInput(f'"kind" must be one of: {kinds}')
    value, ref = _short_string(body, "value"), _short_string(body, "ref")
    action = Action(action_kind, value, ref)
    return await _handle(request, _inbound(request, body, action=action))


async def chart(request: web.Request) -> web.Response:
    """A completed scale-check's radar chart, for the browser that completed it."""
    assessment_id = request.match_info["assessment_id"]
    if not _TOKEN.match(assessment_id):
        raise BadInput("not an assessment id")
    console = request.app[CONSOLE_KEY]
    user_key = _user_key(request)
    png = console.charts.get(user_key, assessment_id)
    if png is None:
        png = await console.door.chart(user_key, assessment_id)
    if not png:
        raise web.HTTPNotFound(text="no chart for that assessment")
    return web.Response(
        body=png, content_type="image/png", headers={"Cache-Control": "private, max-age=86400"}
    )


# --- request to Inbound, replies to JSON -------------------------------------------------------


async def _json_object(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        # Forms and other origins' simple requests cannot send JSON: this is also the CSRF guard.
        raise web.HTTPUnsupportedMediaType(
            text="send a JSON object (Content-Type: application/json)"
        )
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BadInput(f"the body is not valid JSON ({error.__class__.__name__})") from None
    if not isinstance(body, dict):
        raise BadInput("the body must be a JSON object")
    return body


def _short_string(body: dict[str, Any], name: str) -> str:
    value = body.get(name, "")
    if not isinstance(value, str) or len(value) > MAX_FIELD_CHARS:
        raise BadInput(f'"{name}" must be a string of at most {MAX_FIELD_CHARS} characters')
    return clean_text(value)


def _inbound(
    request: web.Request, body: dict[str, Any], text: str = "", action: Action | None = None
) -> Inbound:
    thread = body.get("thread", DEFAULT_THREAD)
    if not isinstance(thread, str) or not _TOKEN.match(thread):
        raise BadInput('"thread" must be 1-64 letters, digits, "-" or "_"')
    browser_id = _browser_id(request)
    # The conversation is the browser, so two browsers never share conversation memory.
    return Inbound(
        PLATFORM,
        WORKSPACE,
        browser_id,
        conversation=browser_id,
        thread=thread,
        text=text,
        action=action,
    )


async def _handle(request: web.Request, inbound: Inbound) -> web.Response:
    console = request.app[CONSOLE_KEY]
    replies = await console.door.handle(inbound)
    for reply in replies:
        if isinstance(reply, ResultReply):
            console.charts.put(inbound.user_key, reply.assessment_id, reply.chart_png)
    return web.json_response({"replies": [render(reply) for reply in replies]})
