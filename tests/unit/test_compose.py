import re

from bot.answering.compose import MAX_ANSWER_CHARS, compose, relevant_passages, split_units
from bot.answering.retrieval import Passage


def _passage(
    body: str, similarity: float, section: str = "S", fused: float | None = None
) -> Passage:
    fused = similarity if fused is None else fused
    return Passage(
        section, body, "Doc", section, "guidance/doc.md", f"Doc > {section}", similarity, fused
    )


GOV = _passage(
    "Risk-tiered governance sets oversight by the risk of each use case.\n\n"
    "- Tier 1 (low risk) gets self-service with guardrails.\n"
    "- Tier 2 (medium risk) gets a light-touch review.\n"
    "- Tier 3 (high risk) goes through the full governance process.",
    0.71,
    "Risk-tiered governance",
)
MISTAKE = _passage(
    "One-size-fits-all governance applies one heavy process to all work. "
    "The fix is risk-tiered governance that right-sizes oversight. Unrelated closing remark.",
    0.62,
    "Mistake 3",
)
FAR = _passage("Feature stores let teams reuse features.", 0.41, "Feature store")


def test_relevant_passages_drop_everything_below_the_floor() -> None:
    assert relevant_passages([FAR], min_relevance=0.5) == []


def test_relevant_passages_drop_ones_far_below_the_best() -> None:
    assert relevant_passages([GOV, FAR], min_relevance=0.3) == [GOV]  # 0.41 < 0.71 - 0.2
    assert relevant_passages([GOV, MISTAKE], min_relevance=0.3) == [GOV, MISTAKE]


def test_relevant_passages_keep_a_lexical_match_with_lower_similarity() -> None:
    lexical = _passage("Tier 2 gets a light-touch review.", 0.35, "Tier 2", fused=0.60)
    assert relevant_passages([GOV, lexical], min_relevance=0.4) == [GOV, lexical]


def test_relevant_passages_drop_far_too_dissimilar_ones_whatever_their_lexical_score() -> None:
    lexical = _passage("Tier 2 gets a light-touch review.", 0.2, "Tier 2", fused=0.65)
    assert relevant_passages([GOV, lexical], min_relevance=0.4) == [GOV]


def test_relevant_passages_are_ordered_by_fused_score_and_capped() -> None:
    many = [_passage(f"Text {i}.", 0.6, f"S{i}", fused=0.6 + i / 100) for i in range(6)]
    assert [p.section for p in relevant_passages(many, 0.3)] == ["S5", "S4"]


def test_units_split_bullets_and_sentences() -> None:
    units = split_units(GOV.body + "\n\n## Heading\nTwo sentences here. And here.", 0)
    assert [u.is_bullet for u in units] == [False, True, True, True, False, False]
    assert units[1].text == "Tier 1 (low risk) gets self-service with guardrails."


def test_answer_leads_with_best_passage_and_cites_by_number() -> None:
    result = compose("How does risk-tiered governance work?", [GOV, MISTAKE])
    lines = result.text.splitlines()
    assert lines[0] == "Risk-tiered governance sets oversight by the risk of each use case. [1]"
    assert "- Tier 2 (medium risk) gets a light-touch review. [1]" in lines
    assert any(line.endswith("[2]") for line in lines)
    assert result.cited == (GOV, MISTAKE)
    cited_numbers = {int(n) for n in re.findall(r"\[(\d+)\]", result.text)}
    assert cited_numbers == {1, 2}


def test_other_passages_contribute_only_on_topic_units() -> None:
    result = compose("How does risk-tiered governance work?", [GOV, MISTAKE])
    assert "Unrelated closing remark" not in result.text


def test_answer_is_bounded() -> None:
    long_body = "\n".join(
        f"- Governance point number {i} about tiers and oversight." for i in range(80)
    )
    result = compose("governance tiers", [_passage("Governance matters. " + long_body, 0.8)])
    assert len(result.text) <= MAX_ANSWER_CHARS
    assert result.text.count("\n- ") >= 5


def test_uncited_passages_are_not_listed() -> None:
    result = compose("risk tiers", [GOV, _passage("Nothing in common here.", 0.7, "Other")])
    assert result.cited == (GOV,)


def test_no_passages_no_answer() -> None:
    assert compose("anything", []).text == ""
