"""Replies rendered as Block Kit messages, within Slack's limits.

Blocks are built with ``slack_sdk.models.blocks`` and serialised with ``to_dict()``,
which validates each block's own limits (section text, button text and value);
``fit_blocks`` keeps a message within its block count, and long text is split
across sections rather than cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextActionsBlock,
    ContextBlock,
    FeedbackButtonObject,
    FeedbackButtonsElement,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from adapters.slack import buttons
from adapters.slack.mrkdwn import escape, split_text, to_mrkdwn, truncate
from bot.chat_text import chat_text
from bot.messages import (
    ActionKind,
    AnswerReply,
    NoticeReply,
    QuestionReply,
    Recommendation,
    Reply,
    ResultReply,
)

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
SECTION_TEXT_LIMIT = 3000
CONTEXT_TEXT_LIMIT = 2000
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
# The message's plain ``text`` is what notifications and screen readers show; Slack
# truncates it at 40,000 characters, and a notification needs far less.
FALLBACK_TEXT_LIMIT = 3000
SHORTENED = "_The rest was left out to keep this message within Slack's limits._"
CHART_NOTE = "Your radar chart is posted with this result."
HELPFUL = "Helpful"
NOT_HELPFUL = "Not helpful"
EXTRACTIVE = "extractive"  # AnswerReply.mode of an answer no language model wrote
_DOT = "\u00b7"
_ARROW = "\u203a"  # between a document's title and its section


@dataclass(frozen=True)
class SlackMessage:
    """A message ready for ``chat.postMessage`` or ``chat.update``.

    ``fallback_blocks``, when set, are the same message without blocks a workspace's
    Slack may not accept yet (native feedback buttons): sent if it answers
    ``invalid_blocks``.
    """

    text: str
    blocks: list[dict[str, Any]]
    fallback_blocks: list[dict[str, Any]] | None = None


def render(reply: Reply) -> SlackMessage:
    """The Block Kit message for one reply."""
    if isinstance(reply, AnswerReply):
        return answer_message(reply)
    if isinstance(reply, QuestionReply):
        return question_message(reply)
    if isinstance(reply, ResultReply):
        return result_message(reply)
    return notice_message(reply)


def notice_message(reply: NoticeReply) -> SlackMessage:
    """A short message: one or more sections of text."""
    return SlackMessage(_fallback(reply.text), fit_blocks(text_sections(reply.text)))


def answer_message(reply: AnswerReply) -> SlackMessage:
    """An answer: its text, numbered sources when covered, and feedback buttons.

    The buttons are Slack's native feedback buttons; the message also carries the
    classic buttons as its fallback, for a workspace whose Slack refuses the native
    ones (``invalid_blocks``).
    """
    content = [*text_sections(reply.text), *_answer_notes(reply)]
    return SlackMessage(
        _fallback(reply.text),
        fit_blocks(content, _answer_tail(reply, native=True)),
        fit_blocks(content, _answer_tail(reply, native=False)),
    )


def answer_footer(reply: AnswerReply) -> list[dict[str, Any]]:
    """The blocks under a streamed answer's text: notes, sources, See also, the AI note, votes."""
    return fit_blocks(_answer_notes(reply), _answer_tail(reply, native=True))


def _answer_notes(reply: AnswerReply) -> list[Block]:
    """What follows an answer's text: its note, and its numbered sources when covered."""
    notes: list[Block] = []
    if reply.note:
        notes.append(_context(escape(reply.note)))
    if reply.covered and reply.sources:
        lines = [f"[{s.number}] {_source_name(s.title, s.section)}" for s in reply.sources]
        notes.append(_context("*Sources*\n" + "\n".join(lines)))
    return notes


def _answer_tail(reply: AnswerReply, native: bool) -> list[Block]:
    """What closes an answer and survives shortening: See also, the AI note, feedback."""
    tail: list[Block] = []
    if reply.covered and reply.related:
        # "See also": each button asks that section's question, as if typed.
        tail.append(_context("*See also*"))
        tail.append(
            ActionsBlock(
                elements=[
                    button(related_label(r.title), buttons.see_also(n), r.question)
                    for n, r in enumerate(reply.related, 1)
                ]
            )
        )
    if reply.mode != EXTRACTIVE:  # a language model wrote it: say so
        tail.append(_context(escape(chat_text().ai_generated_note)))
    if reply.answer_id:
        tail.append(_native_feedback(reply.answer_id) if native else _feedback(reply.answer_id))
    return tail


def _native_feedback(answer_id: str) -> ContextActionsBlock:
    """Slack's feedback buttons; the clicked one's value names the vote and the answer."""
    return ContextActionsBlock(
        elements=[
            FeedbackButtonsElement(
                action_id=buttons.native_feedback(),
                positive_button=_feedback_button(HELPFUL, "up", answer_id),
                negative_button=_feedback_button(NOT_HELPFUL, "down", answer_id),
            )
        ]
    )


def _feedback_button(label: str, vote: str, answer_id: str) -> FeedbackButtonObject:
    return FeedbackButtonObject(
        text=PlainTextObject(text=label),
        accessibility_label=f"{label}: rate this answer",
        # An answer id is 16 characters; the cap only guards a future, longer one.
        value=truncate(buttons.feedback_value(vote, answer_id), BUTTON_VALUE_LIMIT),
    )


def _feedback(answer_id: str) -> ActionsBlock:
    """The classic feedback buttons: one button per vote, the value the answer id."""
    return ActionsBlock(
        elements=[
            button(HELPFUL, buttons.feedback("up"), answer_id),
            button(NOT_HELPFUL, buttons.feedback("down"), answer_id),
        ]
    )


def related_label(title: str) -> str:
    """A related section's button text: its own heading (the title for an opening section)."""
    return title.split(" > ")[-1]


def question_message(reply: QuestionReply) -> SlackMessage:
    """One assessment question: progress, the question, a button per option, back, restart."""
    ref = reply.ref
    progress = f"Question {reply.number} of {reply.total}"
    dimension = escape(reply.dimension)
    blocks: list[Block] = [
        _context(f" {_DOT} ".join((f"*Scale check* ({escape(reply.mode)})", progress, dimension))),
        _section(f"*{escape(reply.text)}*"),
    ]
    for index, option in enumerate(reply.options):
        chosen = index == reply.selected
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=truncate(f"*{index + 1}.* {escape(option)}", SECTION_TEXT_LIMIT)
                ),
                accessory=button(
                    "\u2713 Chosen" if chosen else "Choose",
                    buttons.answer_option(index),
                    ref,
                    style="primary" if chosen else None,
                ),
            )
        )
    steps = [button("Restart", buttons.assessment_step(ActionKind.ASSESS_RESTART), ref)]
    if reply.can_go_back:
        steps.insert(0, button("Back", buttons.assessment_step(ActionKind.ASSESS_BACK), ref))
    return SlackMessage(
        _fallback(f"{progress}: {reply.text}"), fit_blocks(blocks, [ActionsBlock(elements=steps)])
    )


def result_message(reply: ResultReply) -> SlackMessage:
    """A finished assessment: placement, scores, blockers and recommended actions."""
    head: list[Block] = [HeaderBlock(text=PlainTextObject(text="Your scale check result"))]
    tail: list[Block] = [
        _context(CHART_NOTE),
        ActionsBlock(
            elements=[
                button("Retake (quick)", buttons.start_assessment("quick"), "quick"),
                button("Retake (full)", buttons.start_assessment("full"), "full"),
            ]
        ),
    ]
    summary = (
        f"Scale check result: phase {reply.phase}, MLOps level {_label(reply.mlops_level)}, "
        f"operating model {_label(reply.operating_model)}."
    )
    return SlackMessage(_fallback(summary), fit_blocks(head + result_blocks(reply), tail))


def result_blocks(reply: ResultReply) -> list[Block]:
    """The body of a result, shared by the result message and the App Home tab."""
    blocks: list[Block] = [
        SectionBlock(
            fields=[
                MarkdownTextObject(text=f"*Phase*\n{escape(reply.phase)}"),
                MarkdownTextObject(text=f"*MLOps level*\n{escape(_label(reply.mlops_level))}"),
                MarkdownTextObject(
                    text=f"*Operating model*\n{escape(_label(reply.operating_model))}"
                ),
            ]
        ),
    ]
    if reply.dimensions:
        lines = [
            f"`{_bar(d.score)}` {d.score:.0f} {escape(d.name)}{_change(d.change)}"
            for d in reply.dimensions
        ]
        blocks.extend(text_sections("*Dimension scores*\n" + "\n".join(lines), convert=False))
    if reply.blockers:
        lines = [f"\u2022 {escape(b)}" for b in reply.blockers]
        blocks.extend(text_sections("*Blockers*\n" + "\n".join(lines), convert=False))
    if reply.recommendations:
        blocks.append(_section("*Recommended next actions*"))
        blocks.extend(
            _recommendation(number, r) for number, r in enumerate(reply.recommendations, 1)
        )
    if reply.previous_completed_at:
        since = escape(reply.previous_completed_at[:10])
        blocks.append(_context(f"Changes are against your result of {since}."))
    return blocks


def text_sections(text: str, convert: bool = True) -> list[Block]:
    """Sections holding ``text`` (as mrkdwn), split so none passes 3,000 characters.

    Args:
        text: Light Markdown, or mrkdwn when ``convert`` is False.
        convert: Whether to convert Markdown to mrkdwn first.

    Returns:
        One section per piece (none for blank text).

    """
    mrkdwn = to_mrkdwn(text) if convert else text
    return [_section(piece) for piece in split_text(mrkdwn, SECTION_TEXT_LIMIT)]


def fit_blocks(
    content: list[Block], tail: list[Block] | None = None, limit: int = MAX_MESSAGE_BLOCKS
) -> list[dict[str, Any]]:
    """Serialise blocks (validating each) and keep their number within ``limit``.

    The ``tail`` (buttons, notes) is always kept; when there are too many blocks,
    content is dropped from the end and a note says so.

    Args:
        content: The message body, in order.
        tail: Blocks that close the message and must survive shortening.
        limit: The most blocks allowed (50 in a message, 100 in a view).

    Returns:
        The blocks as dicts, ready for the Web API.

    Raises:
        slack_sdk.errors.SlackObjectFormationError: A block breaks its own limits.

    """
    tail = tail or []
    if len(content) + len(tail) > limit:
        content = [*content[: max(0, limit - len(tail) - 1)], _context(SHORTENED)]
    return [block.to_dict() for block in [*content, *tail]]


def button(text: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    """A button, its text and value shortened to Slack's limits (75 and 2,000 characters)."""
    return ButtonElement(
        text=PlainTextObject(text=truncate(text, BUTTON_TEXT_LIMIT), emoji=True),
        action_id=action_id,
        value=truncate(value, BUTTON_VALUE_LIMIT),
        style=style,
    )


def _recommendation(number: int, rec: Recommendation) -> SectionBlock:
    title = f"*{number}. {escape(rec.title)}*" + (" (blocker)" if rec.blocker else "")
    source = escape(rec.source).replace(" &gt; ", f" {_ARROW} ")
    text = f"{title}\n{escape(rec.why)}\n_Avoid:_ {escape(rec.mistake)}\n_Source:_ {source}"
    return SectionBlock(
        text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_LIMIT)),
        accessory=button("Ask about this", buttons.ask_about(number), rec.ask),
    )


def _section(mrkdwn: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=mrkdwn))


def _context(mrkdwn: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(mrkdwn, CONTEXT_TEXT_LIMIT))])


def _source_name(title: str, section: str) -> str:
    if not section or section == title:
        return escape(title)
    return f"{escape(title)} {_ARROW} {escape(section)}"


def _label(value: str) -> str:
    """A stored id such as ``"decentralised"`` or ``"ml_pipeline"`` as a label."""
    text = value.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _bar(score: float, width: int = 10) -> str:
    filled = max(0, min(width, round(score / 100 * width)))
    return "\u2588" * filled + "\u2591" * (width - filled)


def _change(change: float | None) -> str:
    if change is None or change == 0:
        return ""
    return f" ({change:+.0f})"


def _fallback(text: str) -> str:
    return truncate(to_mrkdwn(text), FALLBACK_TEXT_LIMIT)
