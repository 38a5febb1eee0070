"""Rendering replies as Block Kit: mrkdwn, splitting long text, and Slack's limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from adapters.slack import buttons
from adapters.slack.blocks import (
    MAX_MESSAGE_BLOCKS,
    SHORTENED,
    answer_footer,
    answer_message,
    notice_message,
    question_message,
    render,
    result_message,
)
from adapters.slack.home import home_view
from adapters.slack.mrkdwn import split_text, to_mrkdwn, truncate
from adapters.storage.sqlite import SqliteStateStore
from benchmarks.peers.signed_slack import block_text, button, iter_elements
from bot.assessment.service import AssessmentService
from bot.assessment.survey import load_assessment
from bot.chat_text import chat_text
from bot.messages import (
    Action,
    ActionKind,
    AnswerReply,
    NoticeReply,
    QuestionReply,
    Recommendation,
    Related,
    ResultReply,
    Source,
)
from tests.slack.conftest import assert_within_block_kit_limits

SOURCES = (
    Source(1, "Why AI pilots stall", "Organisational barriers", "guidance/why.md", 0.6),
    Source(2, "Phase 1: Prove value", "Phase 1: Prove value", "guidance/phase-1.md", 0.5),
)


def answer(text: str, **changes: object) -> AnswerReply:
    reply = AnswerReply("How do we scale?", text, True, SOURCES, answer_id="a1b2c3")
    return replace(reply, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def result() -> ResultReply:
    survey, actions = load_assessment()
    service = AssessmentService(
        survey, actions, SqliteStateStore(":memory:"), lambda: datetime.now(UTC)
    )
    return service.result_for_answers("quick", {q: 1 for q in survey.question_ids("quick")})


# --- mrkdwn ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "mrkdwn"),
    [
        ("**Bold** and *italic*", "*Bold* and _italic_"),
        ("- one\n- two", "\u2022 one\n\u2022 two"),
        ("  * nested", "\u2022 nested"),
        ("## Heading", "*Heading*"),
        ("See [the guide](https://example.com/a) [1]", "See <https://example.com/a|the guide> [1]"),
        ("R&D <team> > 3", "R&amp;D &lt;team&gt; &gt; 3"),
        ("~~gone~~ and `code`", "~gone~ and `code`"),
        ("2 * 3 * 4", "2 * 3 * 4"),
    ],
)
def test_markdown_becomes_mrkdwn(markdown: str, mrkdwn: str) -> None:
    assert to_mrkdwn(markdown) == mrkdwn


def test_split_text_breaks_between_paragraphs_then_lines_then_words() -> None:
    paragraphs = ["\n".join(f"line {p}.{n} " + "word " * 30 for n in range(12)) for p in range(6)]
    text = "\n\n".join(paragraphs)
    assert len(text) > 9000

    pieces = split_text(text, 3000)

    assert len(pieces) > 3
    assert all(len(p) <= 3000 for p in pieces)
    assert all(not p.startswith("\n") and not p.endswith("\n") for p in pieces)
    assert [w for p in pieces for w in p.split()] == text.split()  # nothing lost or reordered


def test_split_text_cuts_a_word_only_when_it_alone_is_too_long() -> None:
    pieces = split_text("short " + "x" * 7000 + " tail", 3000)

    assert all(len(p) <= 3000 for p in pieces)
    assert "".join(pieces).replace(" ", "") == "short" + "x" * 7000 + "tail"
    assert split_text("   \n\n  ", 3000) == []
    assert split_text("fits", 3000) == ["fits"]


def test_truncate_marks_the_cut() -> None:
    assert truncate("abcdef", 4) == "abc\u2026"
    assert truncate("abc", 4) == "abc"


# --- answers -----------------------------------------------------------------------------------


def test_answer_has_text_numbered_sources_and_feedback_buttons() -> None:
    message = answer_message(answer("Start with **one** pilot. [1]\n- Measure it. [2]"))

    text = block_text(message.blocks)
    assert "Start with *one* pilot. [1]" in text
    assert "\u2022 Measure it. [2]" in text
    assert "*Sources*\n[1] Why AI pilots stall \u203a Organisational barriers" in text
    assert "[2] Phase 1: Prove value\n" not in text and text.endswith("[2] Phase 1: Prove value")
    assert message.text.startswith("Start with *one* pilot.")
    assert_within_block_kit_limits(message.blocks)


def test_answer_votes_with_slacks_native_feedback_buttons_and_keeps_classic_ones_as_fallback() -> (
    None
):
    message = answer_message(answer("Start with one pilot. [1]"))

    votes = message.blocks[-1]
    assert votes["type"] == "context_actions"
    (element,) = votes["elements"]
    assert element["type"] == "feedback_buttons"
    assert element["positive_button"]["text"]["text"] == "Helpful"
    # A click sends the clicked button's value: it decodes to the vote on this answer.
    for side, vote in (("positive_button", "up"), ("negative_button", "down")):
        click = buttons.decode(element["action_id"], element[side]["value"])
        assert click == buttons.Click(Action(ActionKind.FEEDBACK, value=vote, ref="a1b2c3"))
    assert "feedback:up" not in str(message.blocks)  # one set of votes, not two
    # For a workspace whose Slack refuses the native block: the same answer, classic buttons.
    assert message.fallback_blocks is not None
    assert message.fallback_blocks[:-1] == message.blocks[:-1]
    assert button(message.fallback_blocks, "feedback:up")["value"] == "a1b2c3"
    assert button(message.fallback_blocks, "feedback:down")["value"] == "a1b2c3"
    assert_within_block_kit_limits(message.fallback_blocks)


def test_only_an_answer_a_language_model_wrote_carries_the_ai_note() -> None:
    note = chat_text().ai_generated_note
    assert note.startswith("AI-generated")
    generated = answer_message(answer("Tier use cases by risk. [1]", mode="generated"))
    extractive = answer_message(answer("Tier use cases by risk. [1]"))

    assert note in block_text(generated.blocks)
    assert generated.blocks[-2] == {"type": "context", "elements": [_mrkdwn(note)]}
    assert note not in block_text(extractive.blocks)
    # The footer of a streamed answer: everything but the text, the note included.
    footer = answer_footer(replace(answer("Tier use cases by risk. [1]", mode="generated")))
    assert "Tier use cases" not in block_text(footer)
    assert "*Sources*" in block_text(footer) and note in block_text(footer)
    assert footer[-1]["type"] == "context_actions"
    assert_within_block_kit_limits(footer)


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


RELATED = (
    Related("Platform approach > Core components", "What are the parts of an AI platform?"),
    Related("MLOps and automation", "What is MLOps?"),
)


def test_see_also_buttons_ask_each_related_sections_question() -> None:
    message = answer_message(replace(answer("Start small. [1]"), related=RELATED))
    assert "*See also*" in block_text(message.blocks)
    first = button(message.blocks, buttons.see_also(1))
    assert first["text"]["text"] == "Core components"
    assert first["value"] == "What are the parts of an AI platform?"
    assert buttons.decode(first["action_id"], first["value"]).ask == first["value"]  # type: ignore[union-attr]
    assert button(message.blocks, buttons.see_also(2))["text"]["text"] == "MLOps and automation"
    assert_within_block_kit_limits(message.blocks)
    not_covered = answer_message(replace(answer("Not covered."), covered=False, related=RELATED))
    assert "See also" not in block_text(not_covered.blocks)


def test_not_covered_answer_shows_no_sources() -> None:
    reply = answer("That isn't covered.\nYou could ask:\n- What does an ML platform need?")
    message = answer_message(replace(reply, covered=False))

    text = block_text(message.blocks)
    assert "Sources" not in text and "[1]" not in text
    assert "\u2022 What does an ML platform need?" in text


def test_long_answer_is_split_into_sections_of_at_most_3000_characters() -> None:
    long_text = "\n".join(f"- Point {n}: " + "detail " * 40 for n in range(60))
    assert len(long_text) > 3000 * 5

    message = answer_message(answer(long_text))

    sections = [b for b in message.blocks if b["type"] == "section"]
    assert len(sections) >= 6
    assert all(len(b["text"]["text"]) <= 3000 for b in sections)
    assert message.blocks[-1]["type"] == "context_actions"  # the votes close the message
    assert_within_block_kit_limits(message.blocks)


def test_answer_too_long_for_50_blocks_is_shortened_and_keeps_its_buttons() -> None:
    huge = "\n\n".join("word " * 550 for _ in range(80))  # 80 sections' worth

    message = answer_message(answer(huge))

    assert len(message.blocks) == MAX_MESSAGE_BLOCKS
    assert message.blocks[-1]["type"] == "context_actions"
    assert SHORTENED in block_text(message.blocks[-3:])
    assert len(message.text) <= 3000
    assert_within_block_kit_limits(message.blocks)
    assert message.fallback_blocks is not None
    assert len(message.fallback_blocks) == MAX_MESSAGE_BLOCKS
    assert message.fallback_blocks[-1]["type"] == "actions"


def test_notice_is_a_section() -> None:
    message = notice_message(NoticeReply("Thanks, glad it helped."))

    assert message.blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Thanks, glad it helped."}}
    ]


# --- the assessment -----------------------------------------------------------------------------


def question(**changes: object) -> QuestionReply:
    reply = QuestionReply(
        assessment_id="run1",
        question_id="q_strategy",
        dimension="Strategy & value",
        text="How is AI work chosen and funded?",
        options=tuple(f"Option {n} " + "x" * 85 for n in range(5)),  # longer than a button
        number=4,
        total=16,
        can_go_back=True,
        mode="full",
    )
    return replace(reply, **changes)  # type: ignore[arg-type]


def test_question_shows_progress_and_a_button_per_option_carrying_its_question() -> None:
    message = question_message(question(selected=2))

    text = block_text(message.blocks)
    assert "Question 4 of 16" in text and "Strategy &amp; value" in text
    assert "*How is AI work chosen and funded?*" in text
    for index in range(5):
        choose = button(message.blocks, buttons.answer_option(index))
        assert choose["value"] == "run1:q_strategy"
        assert choose["text"]["text"] == ("\u2713 Chosen" if index == 2 else "Choose")
    assert "x" * 85 in text  # the full option text is shown beside its button
    assert button(message.blocks, "assess_back")["value"] == "run1:q_strategy"
    assert button(message.blocks, "assess_restart")["value"] == "run1:q_strategy"
    assert_within_block_kit_limits(message.blocks)


def test_first_question_has_no_back_button() -> None:
    message = question_message(question(number=1, can_go_back=False))

    ids = [e.get("action_id") for e in iter_elements(message.blocks)]
    assert "assess_back" not in ids and "assess_restart" in ids


def test_result_shows_placement_scores_blockers_and_recommendations(result: ResultReply) -> None:
    message = result_message(result)

    text = block_text(message.blocks)
    assert message.blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Your scale check result"},
    }
    assert f"*Phase*\n{result.phase}" in text
    assert "*MLOps level*\nScripted" in text
    assert "*Dimension scores*" in text and "25 Data" in text
    assert "*Blockers*" in text
    for number, rec in enumerate(result.recommendations, 1):
        ask = button(message.blocks, buttons.ask_about(number))
        assert ask["value"] == rec.ask
        assert ask["text"]["text"] == "Ask about this"
    assert "_Source:_ Phase 1: Prove value (pilot) \u203a" in text
    assert button(message.blocks, "assess_start:quick")
    assert_within_block_kit_limits(message.blocks)


def test_result_with_many_long_recommendations_stays_within_limits(result: ResultReply) -> None:
    rec: Recommendation = result.recommendations[0]
    many = tuple(replace(rec, title="T" * 400, why="W" * 3000, ask="A" * 2500) for _ in range(60))

    message = result_message(replace(result, recommendations=many))

    assert len(message.blocks) == MAX_MESSAGE_BLOCKS
    assert message.blocks[-1]["type"] == "actions"  # retake buttons survive
    assert len(button(message.blocks, "ask:1")["value"]) == 2000
    assert_within_block_kit_limits(message.blocks)


def test_render_dispatches_on_the_reply_type(result: ResultReply) -> None:
    assert render(NoticeReply("hi")).text == "hi"
    assert render(answer("An answer.")).text == "An answer."
    assert render(question()).text.startswith("Question 4 of 16")
    assert render(result).text.startswith("Scale check result: phase")


def test_home_view_without_and_with_a_result(result: ResultReply) -> None:
    empty = home_view(None)
    full = home_view(result)

    assert empty["type"] == full["type"] == "home"
    assert "not finished a scale check" in block_text(empty["blocks"])
    assert "/scale-check quick" in block_text(empty["blocks"])
    assert "Your latest scale check" in block_text(full["blocks"])
    assert button(full["blocks"], "assess_start:full")
    for view in (empty, full):
        assert_within_block_kit_limits(view["blocks"], max_blocks=100)
