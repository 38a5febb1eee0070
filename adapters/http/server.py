"""The aiohttp server: health endpoints plus whichever channels are configured.

``scale-advisor serve`` runs one ``web.Application``. Each channel mounts its
routes on it: Slack (``adapters/slack``) when its tokens are set, Teams
(``adapters/teams``) when an app id is set or anonymous use is allowed. Channel
modules are imported only when configured, so the core never loads their SDKs.
The web console (``adapters/console``, no SDK) is always served at ``/``, and
``/metrics`` exposes the router's Prometheus metrics.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial

from aiohttp import web
from pydantic import ValidationError

from adapters.composition import Advisor
from adapters.http.request_log import request_id_middleware

log = logging.getLogger("scale_advisor.server")

ADVISOR_KEY = web.AppKey("advisor", Advisor)
Mount = Callable[[web.Application, Advisor], Awaitable[str | None]]
READY_TIMEOUT_SECONDS = 2.0  # a store that takes longer than this to answer is not ready


async def healthz(request: web.Request) -> web.Response:
    """The process is up."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """The store reads and writes, the model is loaded, the settings are valid.

    The write is a real one (``StateStore.probe_write``) made on every check: a
    replica whose disk is full answers 503 until the disk has room again, with or
    without traffic in between.
    """
    advisor = request.app[ADVISOR_KEY]
    store = advisor.store
    checks = {
        "knowledge": advisor.knowledge.retriever.size > 0,
        "model": advisor.knowledge.store.embeddings is not None,
        "settings": _settings_valid(advisor),
        # A lookup of an id that never exists, then a write that leaves nothing behind.
        "state_store": await _store_does("read", partial(store.get_answer, "readyz-probe")),
        "state_store_writes": await _store_does("write", store.probe_write),
    }
    status = 200 if all(checks.values()) else 503
    return web.json_response(
        {"status": "ok" if status == 200 else "not ready", **checks}, status=status
    )


def _settings_valid(advisor: Advisor) -> bool:
    """The settings in use still pass validation (they may have been changed after start)."""
    try:
        type(advisor.settings).model_validate(advisor.settings.model_dump())
    except ValidationError:
        return False
    return True


async def _store_does(what: str, probe: Callable[[], object]) -> bool:
    """Whether ``probe`` (a call on the state store) returns in time without an error."""
    try:
        await asyncio.wait_for(asyncio.to_thread(probe), READY_TIMEOUT_SECONDS)
    except Exception as error:  # noqa: BLE001 - any failure means: not ready
        log.warning("readyz: the state store failed a %s (%s)", what, type(error).__name__)
        return False
    return True


async def metrics(request: web.Request) -> web.Response:
    """The router's metrics in Prometheus' text format."""
    body, content_type = request.app[ADVISOR_KEY].router.metrics.exposition()
    return web.Response(body=body, headers={"Content-Type": content_type})


def channel_mounts(advisor: Advisor) -> list[tuple[str, Mount]]:
    """The channels the settings ask for, as (name, mount function)."""
    settings = advisor.settings
    mounts: list[tuple[str, Mount]] = []
    if settings.slack_configured:
        from adapters.slack.app import mount_slack

        mounts.append(("slack", mount_slack))
    if settings.teams_configured:
        from adapters.teams.app import mount_teams

        mounts.append(("teams", mount_teams))
    return mounts


async def build_web_app(advisor: Advisor) -> web.Application:
    """The web application with health checks and every configured channel mounted."""
    app = web.Application(client_max_size=1024 * 1024, middlewares=[request_id_middleware])
    app[ADVISOR_KEY] = advisor
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    from adapters.console.app import mount_console  # no SDK behind it: always served

    mounted = [await mount_console(app, advisor)]
    for name, mount in channel_mounts(advisor):
        described = await mount(app, advisor)
        mounted.append(described or name)
    if not advisor.settings.slack_configured:
        log.info(
            "Slack is not configured (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, "
            "or SLACK_APP_TOKEN for Socket Mode): starting without Slack"
        )
    if not advisor.settings.teams_configured:
        log.info(
            "Teams is not configured (set MicrosoftAppId, or TEAMS_ALLOW_ANONYMOUS=true "
            "for a local trial): /api/messages is not served"
        )
    log.info("channels: %s", ", ".join(mounted) if mounted else "none")
    return app
