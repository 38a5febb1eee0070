"""The aiohttp server: health endpoints plus whichever channels are configured.

``scale-advisor serve`` runs one ``web.Application``. Each channel mounts its
routes on it: Slack (``adapters/slack``) when its tokens are set, Teams
(``adapters/teams``) when an app id is set or anonymous use is allowed. Channel
modules are imported only when configured, so the core never loads their SDKs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.app import Advisor

log = logging.getLogger("scale_advisor.server")

ADVISOR_KEY = web.AppKey("advisor", Advisor)
Mount = Callable[[web.Application, Advisor], Awaitable[str | None]]


async def healthz(request: web.Request) -> web.Response:
    """The process is up."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """The store is open and the model loaded: the advisor can answer."""
    advisor = request.app[ADVISOR_KEY]
    checks = {
        "knowledge": advisor.knowledge.retriever.size > 0,
        "model": advisor.knowledge.store.embeddings is not None,
    }
    status = 200 if all(checks.values()) else 503
    return web.json_response(
        {"status": "ok" if status == 200 else "not ready", **checks}, status=status
    )


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
    app = web.Application(client_max_size=1024 * 1024)
    app[ADVISOR_KEY] = advisor
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    mounted = []
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
