from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.assessment.recommend import recommend
from bot.assessment.scoring import PHASES, Placement, place
from bot.assessment.survey import LibraryAction, Question, load_assessment

SURVEY, ACTIONS = load_assessment()
ORGANISATION = {"strategy", "people", "adoption"}
KIND = {a.id: a.kind for a in ACTIONS}


def answers_for(mode: str, pick: Callable[[Question], int]) -> dict[str, int]:
    return {qid: pick(SURVEY.question(qid)) for qid in SURVEY.question_ids(mode)}  # type: ignore[arg-type]


def scored(mode: str, pick: Callable[[Question], int]) -> Placement:
    return place(SURVEY, answers_for(mode, pick))


def ids(placement: Placement) -> list[str]:
    return [r.action_id for r in recommend(SURVEY, ACTIONS, placement)]


# --- scenarios -------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["quick", "full"])
def test_lowest_everywhere_is_prove_value_and_manual(mode: str) -> None:
    p = scored(mode, lambda q: 0)
    assert (p.phase_index, p.phase) == (0, "Prove value (pilot)")
    assert p.mlops_level == "manual"
    assert p.operating_model == "decentralised"
    assert set(p.dimension_scores.values()) == {0.0}
    assert p.overall_level == 1
    assert [b.gate for b in p.blockers] == ["G1"]
    assert "no AI use case runs in production" in p.blockers[0].text
    assert "(answered: “Ideas only”)" in p.blockers[0].text


@pytest.mark.parametrize("mode", ["quick", "full"])
def test_highest_everywhere_is_scale_continuous_federated(mode: str) -> None:
    p = scored(mode, lambda q: 4)
    assert (p.phase_index, p.phase) == (2, "Scale (enterprise)")
    assert p.mlops_level == "continuous"
    assert p.operating_model == "federated"
    assert set(p.dimension_scores.values()) == {100.0}
    assert p.blockers == ()
    recs = recommend(SURVEY, ACTIONS, p)
    assert 3 <= len(recs) <= 5


def test_middle_everywhere_is_operationalise_pipelined_centralised() -> None:
    p = scored("full", lambda q: 2)
    assert (p.phase_index, p.phase) == (1, "Operationalise (production)")
    assert (p.mlops_level, p.operating_model) == ("pipelined", "centralised")
    assert set(p.dimension_scores.values()) == {50.0}


def test_phase_names_are_exact() -> None:
    assert PHASES == (
        "Prove value (pilot)",
        "Operationalise (production)",
        "Scale (enterprise)",
    )


def test_dimension_score_is_mean_of_levels() -> None:
    answers = answers_for("full", lambda q: 4)
    answers.update(strategy_direction=0, strategy_value=2, strategy_portfolio=4)
    assert place(SURVEY, answers).dimension_scores["strategy"] == 50.0
    answers.update(strategy_value=1)
    assert place(SURVEY, answers).dimension_scores["strategy"] == pytest.approx(41.7)


def test_overall_level_is_capped_by_lowest_dimension_plus_one() -> None:
    # Six dimensions at level 5 and data at level 1: mean 4.4 but lowest + 1 = 2.
    p = scored("full", lambda q: 0 if q.dimension == "data" else 4)
    assert p.overall_level == 2
    assert p.phase_index == 0


def test_quick_mode_counts_only_answered_questions() -> None:
    p = scored("quick", lambda q: 3)
    assert set(p.levels) == set(SURVEY.question_ids("quick"))
    assert set(p.dimension_scores.values()) == {75.0}
    assert p.mlops_level == "continuous"  # from the platform quick question
    assert p.operating_model == "federated"  # from the people quick question


def test_g1_nothing_in_production_keeps_prove_value() -> None:
    answers = answers_for("full", lambda q: 4)
    answers["strategy_portfolio"] = 1
    p = place(SURVEY, answers)
    assert p.phase_index == 0
    assert [b.gate for b in p.blockers] == ["G1"]
    assert p.blockers[0].text.startswith("Strategy & value: no AI use case runs in production")


@pytest.mark.parametrize("portfolio", [2, 3, 4])  # any level with something in production
def test_g3_production_without_monitoring_is_an_operational_gap(portfolio: int) -> None:
    answers = answers_for("full", lambda q: 4)
    answers.update(operations_monitoring=1, strategy_portfolio=portfolio)
    p = place(SURVEY, answers)
    assert p.phase_index == 0
    assert [b.gate for b in p.blockers] == ["G3"]
    assert "nobody watches the quality" in p.blockers[0].text
    assert "(answered: “Only uptime and errors are checked”)" in p.blockers[0].text
    recs = recommend(SURVEY, ACTIONS, p)
    assert recs[0].blocker and recs[0].action_id == "monitor_models_in_production"


def test_g4_no_inventory_blocks_scale() -> None:
    answers = answers_for("full", lambda q: 4)
    answers["governance_inventory"] = 0
    p = place(SURVEY, answers)
    assert p.phase_index == 1
    assert p.blockers[0].gate == "G4"
    assert p.blockers[0].text == (
        "Governance & risk: no inventory or risk classification of AI systems yet "
        "(answered: “There is no list of AI systems”)"
    )
    recs = recommend(SURVEY, ACTIONS, p)
    assert recs[0].action_id == "inventory_and_tier_ai_systems" and recs[0].blocker
    assert "Scale (enterprise)" in recs[0].why
    assert "Do you know which AI systems you run" in recs[0].why


@pytest.mark.parametrize("weak", ["platform", "operations", "governance"])
def test_weakest_link_never_scale_with_a_weak_technical_foundation(weak: str) -> None:
    p = scored("full", lambda q: 1 if q.dimension == weak else 4)
    assert p.phase_index <= 1
    assert any(b.dimension_id == weak for b in p.blockers)


def test_g2_blocker_names_the_weakest_answer() -> None:
    answers = answers_for("full", lambda q: 4)
    answers.update(platform_training=0, platform_release=2, platform_shared=3)
    p = place(SURVEY, answers)
    assert p.phase_index == 1
    (blocker,) = p.blockers
    assert blocker.gate == "G2"
    assert blocker.text.startswith("Platform & MLOps: at level 2.7 of 5, below the level 3")
    assert "“How are models trained and retrained?” → “By hand, in notebooks”" in blocker.text
    assert p.mlops_level == "manual"


def test_mlops_level_is_the_lower_of_training_and_release() -> None:
    for training, release, expected in [
        (4, 0, "manual"),
        (1, 3, "scripted"),
        (2, 4, "pipelined"),
        (3, 4, "continuous"),
    ]:
        answers = answers_for("full", lambda q: 2)
        answers.update(platform_training=training, platform_release=release)
        assert place(SURVEY, answers).mlops_level == expected


@pytest.mark.parametrize(
    ("index", "model"),
    [(0, "decentralised"), (1, "decentralised"), (2, "centralised"), (3, "federated")],
)
def test_operating_model_from_the_operating_model_question(index: int, model: str) -> None:
    answers = answers_for("full", lambda q: 2)
    answers["people_operating_model"] = index
    assert place(SURVEY, answers).operating_model == model


def test_place_rejects_unknown_ids_and_bad_indexes() -> None:
    with pytest.raises(ValueError, match="unknown question ids: nope"):
        place(SURVEY, {"nope": 1, "data_readiness": 1})
    with pytest.raises(ValueError, match="data_readiness: option index 5"):
        place(SURVEY, {"data_readiness": 5})
    with pytest.raises(ValueError, match="no answers"):
        place(SURVEY, {})


# --- recommendations ---------------------------------------------------------------------

STRONG_TECH_WEAK_ORG = [
    ("full", 0, 4),
    ("full", 1, 4),
    ("full", 1, 3),
    ("quick", 0, 4),
    ("quick", 1, 3),
]


@pytest.mark.parametrize(("mode", "org", "tech"), STRONG_TECH_WEAK_ORG)
def test_strong_technology_weak_organisation_gets_organisational_actions(
    mode: str, org: int, tech: int
) -> None:
    p = scored(mode, lambda q: org if q.dimension in ORGANISATION else tech)
    chosen = ids(p)
    assert 3 <= len(chosen) <= 5
    assert all(KIND[a] == "organisational" for a in chosen)
    assert {"secure_executive_sponsor", "upskill_people", "plan_change_management"} <= set(chosen)


@pytest.mark.parametrize(("mode", "org", "tech"), STRONG_TECH_WEAK_ORG)
def test_strong_organisation_weak_technology_gets_technical_actions(
    mode: str, org: int, tech: int
) -> None:
    p = scored(mode, lambda q: tech if q.dimension in ORGANISATION else org)
    chosen = ids(p)
    assert 3 <= len(chosen) <= 5
    assert all(KIND[a] == "technical" for a in chosen)
    dims = {a.dimension for a in ACTIONS if a.id in chosen}
    assert {"platform", "operations"} <= dims


def test_blockers_come_first_and_are_flagged() -> None:
    answers = answers_for("full", lambda q: 3)
    answers.update(governance_inventory=1, governance_controls=0)
    p = place(SURVEY, answers)
    recs = recommend(SURVEY, ACTIONS, p)
    assert [r.blocker for r in recs[:2]] == [True, True]
    assert {r.action_id for r in recs[:2]} == {
        "inventory_and_tier_ai_systems",
        "proportionate_controls",
    }
    assert not any(r.blocker for r in recs[2:])


def test_before_operationalise_technical_gaps_weigh_more() -> None:
    # Everything at level 2 except one organisational and one technical dimension
    # at level 1: before Operationalise, the technical gap ranks first.
    answers = answers_for("full", lambda q: 1)
    answers.update(adoption_use=0, platform_training=0, platform_release=0, platform_shared=0)
    answers["strategy_portfolio"] = 2  # something in production: no G1 blocker
    answers["operations_monitoring"] = 2
    p = place(SURVEY, answers)
    assert p.phase_index == 0 and not p.blockers
    recs = recommend(SURVEY, ACTIONS, p)
    assert recs[0].dimension == "Platform & MLOps"


@pytest.mark.parametrize(
    ("dimension", "lower"),
    [
        ("strategy", {"strategy_direction": 2, "strategy_value": 2}),  # gap 1.67 x 1.5 = 2.5
        ("adoption", {"adoption_use": 2}),  # gap 2 x 1.5 = 3
    ],
)
def test_after_operationalise_strategy_and_adoption_weigh_more(
    dimension: str, lower: dict[str, int]
) -> None:
    # Data sits at level 3 (gap 2, weight 1). Once in Operationalise, the strategy or
    # adoption gap outranks it only because those dimensions weigh 1.5.
    answers = answers_for("full", lambda q: 3)
    answers.update(lower, data_readiness=2)
    p = place(SURVEY, answers)
    assert p.phase_index == 1 and not p.blockers
    recs = recommend(SURVEY, ACTIONS, p)
    assert recs[0].dimension == SURVEY.dimension(dimension).name
    assert recs[1].dimension == "Data"


def test_lagging_organisation_outranks_a_larger_weighted_technical_gap() -> None:
    # Organisation at level 2 (gap 3); platform at 2.67 (gap 2.33 x 1.5 = 3.5 before
    # Operationalise). Because technology is well ahead overall, the organisational
    # gaps are boosted and come first.
    p = scored("full", lambda q: 1 if q.dimension in ORGANISATION else 3)
    answers = {qid: p.levels[qid] - 1 for qid in p.levels}
    answers.update(platform_training=1, platform_release=1)
    p = place(SURVEY, answers)
    assert p.phase_index == 0
    recs = recommend(SURVEY, ACTIONS, p)
    assert recs[0].blocker and KIND[recs[0].action_id] == "organisational"
    assert [KIND[r.action_id] for r in recs[1:3]] == ["organisational", "organisational"]
    assert "Platform & MLOps" in [r.dimension for r in recs]  # still present, just later


def test_recommendations_explain_themselves() -> None:
    p = scored("full", lambda q: 1)
    recs = recommend(SURVEY, ACTIONS, p)
    assert 3 <= len(recs) <= 5
    assert len({r.action_id for r in recs}) == len(recs)
    by_id: dict[str, LibraryAction] = {a.id: a for a in ACTIONS}
    for r in recs:
        action = by_id[r.action_id]
        assert "You answered “" in r.why and "” → “" in r.why
        assert r.mistake == action.addresses
        assert r.source == f"{action.source.title} > {action.source.section}"
        assert r.source_path == action.source.document
        assert r.ask.endswith("?")
        assert r.title == action.title


def test_recommend_never_repeats_an_action_when_blockers_share_one() -> None:
    answers = answers_for("full", lambda q: 4)
    answers.update(governance_controls=0, governance_inventory=4)
    p = place(SURVEY, answers)
    chosen = ids(p)
    assert len(chosen) == len(set(chosen))


# --- properties ------------------------------------------------------------------------


def answer_sets(mode: str) -> st.SearchStrategy[dict[str, int]]:
    question_ids = SURVEY.question_ids(mode)  # type: ignore[arg-type]
    uniform = st.fixed_dictionaries({q: st.integers(0, 4) for q in question_ids})

    def around(base: int) -> st.SearchStrategy[dict[str, int]]:
        # Answers clustered around one level, so every phase and gate is well covered.
        near = st.integers(max(0, base - 1), min(4, base + 1))
        return st.fixed_dictionaries({q: near for q in question_ids})

    return st.one_of(uniform, st.integers(0, 4).flatmap(around))


any_answers = st.sampled_from(["quick", "full"]).flatmap(answer_sets)


@settings(max_examples=300, deadline=None)
@given(any_answers)
def test_any_valid_answers_give_scores_in_range_and_a_phase(answers: dict[str, int]) -> None:
    p = place(SURVEY, answers)
    assert set(p.dimension_scores) == {d.id for d in SURVEY.dimensions}
    assert all(0.0 <= s <= 100.0 for s in p.dimension_scores.values())
    assert p.phase in PHASES and PHASES.index(p.phase) == p.phase_index
    assert 1 <= p.overall_level <= 5
    assert p.mlops_level in {"manual", "scripted", "pipelined", "continuous"}
    assert p.operating_model in {"decentralised", "centralised", "federated"}
    assert all(b.cap == p.phase_index for b in p.blockers)
    recs = recommend(SURVEY, ACTIONS, p)
    assert 3 <= len(recs) <= 5
    assert len({r.action_id for r in recs}) == len(recs)
    flags = [r.blocker for r in recs]
    assert flags == sorted(flags, reverse=True)  # blockers first


@settings(max_examples=400, deadline=None)
@given(any_answers)
def test_raising_one_answer_never_lowers_its_dimension_or_the_phase(
    answers: dict[str, int],
) -> None:
    before = place(SURVEY, answers)
    for qid, index in answers.items():
        dimension = SURVEY.question(qid).dimension
        for higher in range(index + 1, 5):
            after = place(SURVEY, {**answers, qid: higher})
            assert after.dimension_scores[dimension] > before.dimension_scores[dimension]
            assert after.phase_index >= before.phase_index, (qid, higher)
            assert after.overall_level >= before.overall_level
