"""Only the workspaces and apps the operator allowed: every other request is refused.

``SLACK_ALLOWED_TEAM_IDS`` and ``SLACK_ALLOWED_APP_IDS`` (empty: all) name them, as
``ALLOWED_TENANT_IDS`` does for Teams. In HTTP mode ``EventsEndpoint`` refuses a
request with 403 before acknowledging it; ``RefuseOtherWorkspaces`` applies the same
rule inside bolt, which is the only gate Socket Mode has.
"""

from __future__ import annotations

import logging

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from adapters.slack.gate import Gate
from adapters.slack.payloads import COMMAND, EVENT_CALLBACK, Allowlist, addressee
from bot.settings import Settings

log = logging.getLogger("scale_advisor.slack")


def allowlist_from(settings: Settings) -> Allowlist:
    """The allowlist the settings describe."""
    return Allowlist(settings.slack_team_allowlist, settings.slack_app_allowlist)


class RefuseOtherWorkspaces(Gate):
    """Stops a request for a workspace or app not allowed before any listener runs."""

    def __init__(self, allowlist: Allowlist) -> None:
        self._allowlist = allowlist

    def stop(self, req: AsyncBoltRequest) -> BoltResponse | None:
        """Pass an allowed request on (None); answer 403 to any other."""
        body = req.body
        kind = COMMAND if "command" in body else str(body.get("type") or EVENT_CALLBACK)
        refusal = self._allowlist.refusal(addressee(kind, body))
        if refusal is not None:
            log.warning("Slack: refused a request: %s", refusal.reason)
            return BoltResponse(status=refusal.status, body="")
        return None
