"""The App Home tab: how to use the advisor, and the user's latest assessment result."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, DividerBlock, HeaderBlock, PlainTextObject

from adapters.slack import buttons
from adapters.slack.blocks import (
    MAX_VIEW_BLOCKS,
    button,
    fit_blocks,
    result_blocks,
    text_sections,
)
from bot.messages import ResultReply

COMMAND = "/scale-check"

HOW_TO = (
    "I answer questions about moving AI from pilots to production to enterprise scale, "
    "from a curated knowledge base, with numbered sources.\n"
    "- **In a channel:** mention me with your question. I answer in the thread; reply in "
    "that thread to follow up, no need to mention me again.\n"
    "- **In a direct message:** just ask.\n"
    f"- **`{COMMAND}`** runs the maturity assessment (16 questions); "
    f"**`{COMMAND} quick`** asks 7. You get your phase, MLOps level, a radar chart and "
    "the next actions to take. Your progress is saved, so you can stop and carry on.\n"
    "- Use **Helpful** / **Not helpful** under an answer to tell us how it did."
)
NO_RESULT = "You have not finished a scale check yet. Start one here or type `/scale-check`."


def home_view(latest: ResultReply | None) -> dict[str, Any]:
    """The ``views.publish`` view for one user.

    Args:
        latest: The user's most recent assessment result, if any.

    Returns:
        A ``home`` view with at most 100 blocks.

    """
    intro: list[Block] = [
        HeaderBlock(text=PlainTextObject(text="Scaling Advisor")),
        *text_sections(HOW_TO),
        ActionsBlock(
            elements=[
                button("Start quick check", buttons.start_assessment("quick"), "quick", "primary"),
                button("Start full check", buttons.start_assessment("full"), "full"),
            ]
        ),
        DividerBlock(),
    ]
    if latest is None:
        body = text_sections(NO_RESULT)
    else:
        body = [*text_sections("**Your latest scale check**"), *result_blocks(latest)]
    return {"type": "home", "blocks": fit_blocks([*intro, *body], limit=MAX_VIEW_BLOCKS)}
