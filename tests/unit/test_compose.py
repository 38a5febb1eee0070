from bot.answering.compose import MAX_ANSWER_CHARS, compose, section_lines, split_units
from bot.answering.passages import Passage


def _passage(body: str, similarity: float = 0.7, section: str = "S", score: float = 0.7) -> Passage:
    return Passage(
        section, body, "Doc", section, "guidance/doc.md", f"Doc > {section}", similarity, score
    )


GOV = _passage(
    "Risk-tiered governance sets oversight by the risk of each use case. It keeps reviews "
    "proportionate.\n\n"
    "- Tier 1 (low risk) gets self-service with guardrails.\n"
    "- Tier 2 (medium risk) gets a light-touch review.\n"
    "- Tier 3 (high risk) goes through the full governance process.\n\n"
    "Reassess the tier when a use case changes.",
    section="Risk-tiered governance",
)
REGULATION = _passage(
    "The EU AI Act sorts systems into four categories. Its high-risk obligations apply "
    "from 2 August 2026. Prohibited practices are banned outright.",
    section="EU AI Act",
)


def test_units_split_bullets_and_sentences() -> None:
    units = split_units(GOV.body + "\n\n## Heading\nTwo sentences here. And here.", 0)
    assert [u.is_bullet for u in units] == [False, False, True, True, True, False, False, False]
    assert units[2].text == "Tier 1 (low risk) gets self-service with guardrails."


def test_the_answer_is_the_best_section_whole_and_in_order() -> None:
    result = compose("How does risk-tiered governance work?", [GOV, REGULATION])
    lines = result.text.splitlines()
    assert lines[0] == "Risk-tiered governance sets oversight by the risk of each use case. [1]"
    assert lines[1] == "It keeps reviews proportionate."
    assert [line for line in lines if line.startswith("- ")] == [
        "- Tier 1 (low risk) gets self-service with guardrails.",
        "- Tier 2 (medium risk) gets a light-touch review.",
        "- Tier 3 (high risk) goes through the full governance process.",
    ]
    assert lines[-1] == "Reassess the tier when a use case changes."
    assert result.cited == (GOV,)  # the second section adds nothing the question asks for


def test_a_second_section_adds_only_what_the_first_lacks() -> None:
    question = "What are the risk tiers, and when does the EU AI Act apply?"
    result = compose(question, [GOV, REGULATION])
    added = [line for line in result.text.splitlines() if line.endswith("[2]")]
    assert added == [  # in document order; at most two, each naming what the first lacks
        "- The EU AI Act sorts systems into four categories. [2]",
        "- Its high-risk obligations apply from 2 August 2026. [2]",
    ]
    assert "Prohibited practices" not in result.text
    assert result.cited == (GOV, REGULATION)


def test_markdown_emphasis_is_plain_and_wrapped_bullets_are_joined() -> None:
    lines = section_lines("Lead **bold** text.\n\n- one item\n  continued here\n- two")
    assert lines == ["Lead bold text.", "- one item continued here", "- two"]


def test_answer_is_bounded_and_keeps_its_opening() -> None:
    long_body = "Governance matters.\n\n" + "\n".join(
        f"- Governance point number {i} about tiers and oversight." for i in range(80)
    )
    result = compose("governance tiers", [_passage(long_body)])
    assert len(result.text) <= MAX_ANSWER_CHARS
    assert result.text.startswith("Governance matters. [1]")
    assert result.text.count("\n- ") >= 5


def test_a_section_that_opens_with_a_list_leads_with_its_first_item() -> None:
    result = compose("tiers", [_passage("- Tier 1 is light.\n- Tier 2 is heavier.")])
    assert result.text.splitlines() == ["Tier 1 is light. [1]", "- Tier 2 is heavier."]


def test_no_passages_no_answer() -> None:
    assert compose("anything", []).text == ""


def test_a_question_naming_the_second_sections_heading_gets_its_opening() -> None:
    level_4 = _passage("Level 4 retrains automatically when drift appears.", section="Level 4")
    level_3 = _passage(
        "Level 3 automates deployment with CI/CD.\n\n- Releases use A/B testing.",
        section="Level 3",
    )
    result = compose("difference between level 3 and 4?", [level_4, level_3])
    assert "- Level 3 automates deployment with CI/CD. [2]" in result.text.splitlines()
