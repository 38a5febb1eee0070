"""A file the layering test parses (never imported) to prove it detects what it forbids."""

from slack_bolt.app import App  # noqa: F401

from bot.router import Router  # noqa: F401


async def reach(advisor: object) -> object:
    return advisor.router  # type: ignore[attr-defined]
