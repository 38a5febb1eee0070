"""Turn middleware: run before the bot sees an activity, on every turn.

- ``NoConnectorRetries`` switches off msrest's retries on the turn's connector
  client, so only ``retry.with_retries`` decides what is sent again.
- ``TenantAllowlist`` ends turns from tenants that are not allowed, with one
  polite refusal for a message. The Bot Framework token says which bot a
  request is for, not which tenant sent it, so this check lives here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from botbuilder.core import Middleware, TurnContext
from botbuilder.schema import ActivityEventNames, ActivityTypes
from urllib3 import Retry

from adapters.teams.inbound import tenant_id
from adapters.teams.outbound import Outbox
from bot.messages import NoticeReply

__all__ = ["REFUSAL", "NoConnectorRetries", "TenantAllowlist"]

log = logging.getLogger("scale_advisor.teams")

REFUSAL = (
    "Sorry, the Scaling Advisor is not available to your organisation. "
    "Your Teams administrator can ask for your tenant to be added."
)

Next = Callable[[], Awaitable[Any]]


class NoConnectorRetries(Middleware):  # type: ignore[misc]
    """Stops msrest retrying connector calls behind our back.

    msrest's default policy retries every method, POST included, after 5xx
    answers and read errors, so a reply the channel did receive could be posted
    again. Only connection failures (the request never left) are retried here.
    """

    async def on_turn(self, context: TurnContext, logic: Next) -> None:
        """Replace the retry policy of the connector client this turn sends with."""
        client = context.turn_state.get(context.adapter.BOT_CONNECTOR_CLIENT_KEY)
        retry_policy = getattr(getattr(client, "config", None), "retry_policy", None)
        if retry_policy is not None:
            retry_policy.policy = Retry(
                total=2,
                connect=2,
                read=0,
                status=0,
                other=0,
                status_forcelist=(),
                raise_on_status=False,
            )
        await logic()


class TenantAllowlist(Middleware):  # type: ignore[misc]
    """Lets through only activities from allowed Entra ID tenants."""

    def __init__(self, allowed: Collection[str], outbox: Outbox) -> None:
        """Allow ``allowed`` tenant ids; refusals are sent through ``outbox``."""
        self._allowed = frozenset(allowed)
        self._outbox = outbox

    async def on_turn(self, context: TurnContext, logic: Next) -> None:
        """Run the turn for an allowed tenant; refuse a message from any other."""
        activity = context.activity
        if _is_continuation(activity) or not self._allowed:
            await logic()  # proactive turns continue a conversation that was let in
            return
        tenant = tenant_id(activity)
        if tenant in self._allowed:
            await logic()
            return
        # Who and what kind, never the message body.
        log.warning(
            "teams: refused %s activity from tenant %s (not in ALLOWED_TENANT_IDS), "
            "conversation type %s",
            activity.type,
            tenant or "(none)",
            getattr(activity.conversation, "conversation_type", None) or "unknown",
        )
        if activity.type == ActivityTypes.message:
            try:
                await self._outbox.deliver(context, [NoticeReply(REFUSAL)])
            except Exception as error:
                log.warning("teams: refusal not delivered: %s", type(error).__name__)


def _is_continuation(activity: Any) -> bool:
    """A turn the adapter made itself to send a proactive message."""
    return bool(
        activity.type == ActivityTypes.event
        and activity.name == ActivityEventNames.continue_conversation
    )
