"""An answer as a Teams message: cited text, AI label, native feedback. Pure, no I/O."""

from __future__ import annotations

from dataclasses import replace

from botbuilder.core import serializer_helper

from adapters.teams.answers import MAX_CITATIONS, answer_activity
from adapters.teams.streaming import stream_final
from bot.chat_text import ChatText
from bot.messages import AnswerReply, Related, Source

TEXT = ChatText.load()
SOURCES = (
    Source(
        1, "Why AI pilots stall", "Organisational barriers", "guidance/why-pilots-stall.md", 0.6
    ),
    Source(2, "Phase 1: Prove value", "Preparing for scale", "guidance/phase-1.md", 0.5),
)
ANSWER = AnswerReply(
    question="How do we move a pilot into production?",
    text=(
        "Barriers stop pilots spreading. [1]\n- Siloed work [1]\n- No sponsor [2]\nPlan early. [2]"
    ),
    covered=True,
    sources=SOURCES,
    answer_id="a1b2c3",
)
GENERATED = replace(ANSWER, mode="generated")


def as_sent(reply: AnswerReply) -> dict:
    """The activity's JSON, as the connector receives it."""
    return serializer_helper(answer_activity(reply, TEXT))


def message_entities(body: dict) -> list[dict]:
    return [e for e in body.get("entities", []) if e["type"] == "https://schema.org/Message"]


def test_answer_is_markdown_text_with_in_text_citations_teams_renders() -> None:
    body = as_sent(ANSWER)
    assert body["type"] == "message" and body["textFormat"] == "markdown"
    assert body["text"].startswith("Barriers stop pilots spreading. [1]\n\n- Siloed work [1]\n")
    assert "- No sponsor [2]\n\nPlan early. [2]" in body["text"]
    (entity,) = message_entities(body)  # Teams refuses two root message entities
    assert entity["@type"] == "Message" and entity["@context"] == "https://schema.org"
    citations = entity["citation"]
    assert [c["position"] for c in citations] == [1, 2]  # the [n] in the text
    first = citations[0]
    assert first["@type"] == "Claim" and first["appearance"]["@type"] == "DigitalDocument"
    assert first["appearance"]["name"] == "Why AI pilots stall"
    assert "Organisational barriers" in first["appearance"]["abstract"]
    assert "guidance/why-pilots-stall.md" in first["appearance"]["abstract"]


def test_extractive_answer_has_no_ai_label_and_a_generated_one_has_it_and_the_note() -> None:
    extractive = as_sent(ANSWER)
    assert "additionalType" not in message_entities(extractive)[0]
    assert TEXT.ai_generated_note not in extractive["text"]
    generated = as_sent(GENERATED)
    assert message_entities(generated)[0]["additionalType"] == ["AIGeneratedContent"]
    assert generated["text"].endswith(f"_{TEXT.ai_generated_note}_")


def test_a_fallback_note_is_shown_and_a_refusal_is_not_labelled_as_ai() -> None:
    fallback = as_sent(replace(ANSWER, note="The generator was unavailable."))
    assert fallback["text"].endswith("_The generator was unavailable._")
    refusal = as_sent(AnswerReply("q", "I can't help with that.", covered=False, mode="generated"))
    assert "entities" not in refusal and "channelData" not in refusal


def test_answers_ask_for_teams_native_feedback_and_carry_no_vote_buttons() -> None:
    body = as_sent(replace(ANSWER, related=(Related("Doc > Section", "What is it?"),)))
    assert body["channelData"] == {"feedbackLoop": {"type": "default"}}
    (attachment,) = body["attachments"]
    buttons = attachment["content"]["body"][1]["actions"]
    assert [b["data"] for b in buttons] == [{"ask": "What is it?"}]  # "See also" only


def test_not_covered_answer_is_plain_text_without_feedback_sources_or_card() -> None:
    body = as_sent(AnswerReply("pizza?", "That isn't covered.", covered=False, answer_id="x"))
    assert body["text"] == "That isn't covered."
    assert {"entities", "channelData", "attachments"}.isdisjoint(body)


def test_answer_without_an_id_takes_no_feedback() -> None:
    body = as_sent(AnswerReply("q", "a [1]", covered=True, sources=SOURCES))
    assert "channelData" not in body and message_entities(body)


def test_a_huge_answer_is_clipped_and_citations_stay_within_teams_limits() -> None:
    many = tuple(Source(n, "T" * 200, "S" * 200, "p.md", 0.5) for n in range(1, 30))
    body = as_sent(replace(ANSWER, text="word " * 20_000, sources=many))
    assert len(body["text"]) <= 8_000 and body["text"].endswith("\u2026")
    citations = message_entities(body)[0]["citation"]
    assert len(citations) == MAX_CITATIONS == 20
    assert all(len(c["appearance"]["name"]) <= 80 for c in citations)
    assert all(len(c["appearance"]["abstract"]) <= 160 for c in citations)


def test_the_final_of_a_stream_names_it_and_keeps_the_answer_whole() -> None:
    plain = answer_activity(GENERATED, TEXT)
    final = serializer_helper(stream_final(plain, "stream-7"))
    assert final["channelData"] == {
        "feedbackLoop": {"type": "default"},
        "streamId": "stream-7",
        "streamType": "final",
    }
    (info,) = [e for e in final["entities"] if e["type"] == "streaminfo"]
    assert info == {"type": "streaminfo", "streamId": "stream-7", "streamType": "final"}
    assert "streamSequence" not in info  # Teams refuses a final with a sequence
    assert len(message_entities(final)) == 1 and final["text"] == plain.text
    assert "streamId" not in serializer_helper(plain)["channelData"]  # the fallback stays plain
