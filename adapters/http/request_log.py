"""Each HTTP request gets a request id (``bot.logs.request_scope``) and one access log line."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiohttp import web

from bot.logs import REQUEST_ID_HEADER, request_scope

__all__ = ["request_id_middleware"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_http_log = logging.getLogger("scale_advisor.http")
# Probes and scrapes arrive every few seconds; at INFO they would drown everything else.
_QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
# Platform webhooks: each message they carry is logged by the router with this request's
# id, so a successful delivery's access line is only DEBUG. In a burst, formatting and
# redacting 200 access lines on the event loop cost as much time as acknowledging them.
_WEBHOOK_PATHS = frozenset({"/slack/events", "/api/messages"})


def _access_level(path: str, status: int) -> int:
    """INFO for what an operator reads; DEBUG for probes and successful webhook deliveries."""
    if path in _QUIET_PATHS or (path in _WEBHOOK_PATHS and status < 400):
        return logging.DEBUG
    return logging.INFO


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give each HTTP request a request id (the caller's ``X-Request-Id`` if plain) and log it.

    The id is echoed in the response's ``X-Request-Id`` header. The log line names
    method, path (never the query string or body), status and duration.
    """
    started = datetime.now(UTC)
    with request_scope(request.headers.get(REQUEST_ID_HEADER, "")) as request_id:
        status = 500
        try:
            response = await handler(request)
            status = response.status
        except web.HTTPException as error:
            status = error.status
            error.headers[REQUEST_ID_HEADER] = request_id
            raise
        finally:
            _http_log.log(
                _access_level(request.path, status),
                "%s %s %d",
                request.method,
                request.path,
                status,
                extra={"ms": round((datetime.now(UTC) - started).total_seconds() * 1000, 1)},
            )
        if not response.prepared:
            response.headers[REQUEST_ID_HEADER] = request_id
        return response
