"""Adaptive Card rendering: version, button data, Teams' limits. Pure functions, no I/O."""

from __future__ import annotations

import base64
import json
import random
from dataclasses import replace
from io import BytesIO
from typing import Any

import pytest
from PIL import Image

from adapters.teams.cards import (
    CARD_VERSION,
    MAX_ACTIONS_PER_SET,
    MAX_CARD_BYTES,
    action_data,
    card_size,
    parse_action,
    parse_ask,
    render,
    see_also_card,
)
from bot.assessment.chart import radar_png
from bot.messages import (
    Action,
    ActionKind,
    DimensionScore,
    NoticeReply,
    QuestionReply,
    Recommendation,
    Related,
    ResultReply,
)

# Element and action types of Adaptive Cards up to 1.5 that Teams renders.
KNOWN_TYPES = {
    "AdaptiveCard",
    "TextBlock",
    "FactSet",
    "Image",
    "ActionSet",
    "Container",
    "ColumnSet",
    "Column",
    "Action.Submit",
}

QUESTION = QuestionReply(
    assessment_id="abc123",
    question_id="strategy_portfolio",
    dimension="Strategy & value",
    text="How far has AI got into your business so far?",
    options=("Ideas only.", "Pilots.", "One or two.", "Several functions.", "Core processes."),
    number=4,
    total=16,
    can_go_back=True,
    mode="full",
)
DIMENSIONS = tuple(
    DimensionScore(f"d{i}", name, 20.0 + 10 * i, change=5.0 if i == 0 else None)
    for i, name in enumerate(
        ["Strategy & value", "People", "Data", "Platform & MLOps", "Operations", "Governance"]
    )
)


def result(recommendations: int = 5, text: str = "Because it matters.", png: bytes | None = None):
    return ResultReply(
        assessment_id="abc123",
        phase="Operationalise (production)",
        phase_index=1,
        mlops_level="automated training",
        operating_model="centralised",
        dimensions=DIMENSIONS,
        blockers=("Governance: no inventory of AI systems",),
        recommendations=tuple(
            Recommendation(
                action_id=f"act-{i}",
                title=f"Action number {i}",
                why=text,
                mistake="Mistake 1: scaling before ready",
                dimension="d1",
                source="Phase 1: Prove value > Deciding when a pilot is ready",
                source_path="guidance/phase-1.md",
                ask="How do we decide?",
                blocker=i == 0,
            )
            for i in range(recommendations)
        ),
        chart_png=radar_png(DIMENSIONS) if png is None else png,
    )


def walk(node: Any) -> list[dict[str, Any]]:
    """Every dict in the card that has a "type"."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "type" in node:
            found.append(node)
        for value in node.values():
            found.extend(walk(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(walk(value))
    return found


def submits(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in walk(card) if e["type"] == "Action.Submit"]


def texts(card: dict[str, Any]) -> str:
    return "\n".join(e["text"] for e in walk(card) if e["type"] == "TextBlock")


def test_see_also_buttons_ask_their_question_and_parse_back() -> None:
    related = (Related("Platform approach > Core components", "What are the core components?"),)
    card = see_also_card(related)
    assert card is not None
    (ask,) = [b for b in submits(card) if "ask" in b["data"]]
    assert ask["title"] == "Core components" and "See also" in texts(card)
    assert parse_ask(ask["data"]) == "What are the core components?"
    assert parse_action(ask["data"]) is None  # not an assessment or feedback action
    assert parse_ask({"ask": "x" * 301}) is None and parse_ask({"ask": "q", "kind": "x"}) is None
    assert parse_ask("What?") is None and parse_ask({"ask": "  "}) is None
    assert see_also_card(()) is None


# Answers are text messages now (tests/teams/test_answers.py); their "See also" card is
# checked here with the other cards.
ALL_CARDS = {
    "see also": lambda: see_also_card(
        tuple(Related(f"Doc > Section {i}", f"Question {i}?") for i in range(8))
    ),
    "notice": lambda: render(NoticeReply("Type `scale-check` to start.")),
    "question": lambda: render(QUESTION),
    "result": lambda: render(result()),
}


@pytest.mark.parametrize("make", ALL_CARDS.values(), ids=ALL_CARDS.keys())
def test_every_card_is_version_1_5_json_within_teams_limits(make) -> None:
    card = make()
    assert card["type"] == "AdaptiveCard" and card["version"] == CARD_VERSION == "1.5"
    assert json.loads(json.dumps(card)) == card
    assert card_size(card) <= MAX_CARD_BYTES
    assert {e["type"] for e in walk(card)} <= KNOWN_TYPES
    for action_set in (e for e in walk(card) if e["type"] == "ActionSet"):
        assert len(action_set["actions"]) <= MAX_ACTIONS_PER_SET
    assert len(card.get("actions", [])) <= MAX_ACTIONS_PER_SET
    for submit in submits(card):  # every button reads back as the action it stands for
        assert parse_action(submit["data"]) is not None or parse_ask(submit["data"])


def test_notice_is_one_text_block_with_code_shown_bold() -> None:
    card = render(NoticeReply("Type `scale-check` to start."))
    assert card["body"] == [
        {"type": "TextBlock", "text": "Type **scale-check** to start.", "wrap": True}
    ]


def test_question_card_has_progress_options_and_refs() -> None:
    card = render(QUESTION)
    body = texts(card)
    assert "Question 4 of 16" in body
    assert "How far has AI got into your business so far?" in body
    assert "**1.** Ideas only." in body and "**5.** Core processes." in body
    actions = [parse_action(s["data"]) for s in submits(card)]
    ref = "abc123:strategy_portfolio"
    answers = [a for a in actions if a and a.kind is ActionKind.ASSESS_ANSWER]
    assert answers == [Action(ActionKind.ASSESS_ANSWER, str(i), ref) for i in range(5)]
    assert Action(ActionKind.ASSESS_BACK, "", ref) in actions
    assert Action(ActionKind.ASSESS_RESTART, "full", ref) in actions


def test_first_question_has_no_back_and_a_chosen_option_is_marked() -> None:

    card = render(replace(QUESTION, number=1, can_go_back=False, selected=2))
    kinds = [s["data"]["kind"] for s in submits(card)]
    assert "assess_back" not in kinds
    chosen = [s for s in submits(card) if s.get("style") == "positive"]
    assert [s["data"]["value"] for s in chosen] == ["2"]
    assert "your answer" in texts(card)


def test_many_options_are_split_into_rows_of_at_most_six() -> None:

    card = render(replace(QUESTION, options=tuple(f"Option {i}" for i in range(8))))
    rows = [e for e in card["body"] if e["type"] == "ActionSet"]
    assert [len(r["actions"]) for r in rows] == [6, 2]


def test_result_card_shows_placement_scores_blockers_recommendations_and_chart() -> None:
    card = render(result())
    facts = {
        f["title"]: f["value"] for e in walk(card) if e["type"] == "FactSet" for f in e["facts"]
    }
    assert facts["Phase"] == "Operationalise (production)"
    assert facts["MLOps level"] == "automated training"
    assert facts["Operating model"] == "centralised"
    assert facts["Strategy & value"].startswith("20 (\u25b2 +5")
    body = texts(card)
    assert "Governance: no inventory of AI systems" in body
    assert "**1. Action number 0**" in body and "removes a blocker" in body
    assert "Source: Phase 1: Prove value > Deciding when a pilot is ready" in body
    (image,) = [e for e in card["body"] if e["type"] == "Image"]
    prefix = "data:image/png;base64,"
    assert image["url"].startswith(prefix) and image["altText"]
    png = Image.open(BytesIO(base64.b64decode(image["url"][len(prefix) :])))
    assert png.format == "PNG" and png.width <= 480
    retakes = [parse_action(s["data"]) for s in submits(card)]
    assert Action(ActionKind.ASSESS_START, "quick") in retakes


def test_result_card_with_long_recommendations_stays_within_the_limit() -> None:
    card = render(result(text="A long explanation of why this matters. " * 40))
    assert card_size(card) <= MAX_CARD_BYTES


def test_a_chart_that_cannot_fit_is_left_out_not_the_text() -> None:
    noise = Image.frombytes("RGB", (900, 900), random.Random(0).randbytes(900 * 900 * 3))
    buffer = BytesIO()
    noise.save(buffer, format="PNG")
    card = render(result(text="x" * 2900, png=buffer.getvalue()))
    assert card_size(card) <= MAX_CARD_BYTES
    assert not [e for e in card["body"] if e["type"] == "Image"]
    assert "too large to show" in texts(card)


def test_unreadable_chart_bytes_do_not_break_the_card() -> None:
    card = render(result(png=b"not a png"))
    assert "Your scale-check result" in texts(card)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "assess_answer",
        [],
        {},
        {"kind": "launch_missiles", "value": "1", "ref": ""},
        {"kind": "assess_answer", "value": 1, "ref": "a:b"},
        {"kind": "assess_answer", "value": "1", "ref": "x" * 500},
        {"msteams": {"type": "imBack", "value": "hi"}},
    ],
)
def test_foreign_or_tampered_button_data_is_not_an_action(value) -> None:
    assert parse_action(value) is None


def test_button_data_round_trips() -> None:
    action = Action(ActionKind.ASSESS_ANSWER, "3", "abc:q1")
    assert parse_action(action_data(action)) == action
    assert parse_action({"kind": "feedback", "value": "up"}) == Action(ActionKind.FEEDBACK, "up")
