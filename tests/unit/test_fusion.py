import pytest

from bot.answering.fusion import (
    CLASSIFIER_WEIGHT,
    HEADING_WEIGHT,
    INTRO_PENALTY,
    LEXICAL_WEIGHT,
    Evidence,
    drop_near_duplicates,
    heading_adjustment,
    jaccard,
    rank_score,
)


def test_the_score_adds_weighted_lexical_and_classifier_evidence() -> None:
    evidence = Evidence(0.5, 0.6, bm25=1.0, share=0.5, probability=0.5)
    assert evidence.similarity == 0.6  # the better of text and phrasing
    score = rank_score(evidence, frozenset({"x"}), frozenset({"y"}), is_intro=False)
    assert score == pytest.approx(0.6 + LEXICAL_WEIGHT + 0.5 * CLASSIFIER_WEIGHT)


def test_a_stronger_lexical_match_outranks_equal_similarity() -> None:
    weak = Evidence(0.5, 0.5, bm25=0.1, share=0.1)
    strong = Evidence(0.5, 0.5, bm25=0.9, share=0.6)
    terms, heading = frozenset({"x"}), frozenset({"y"})
    assert rank_score(strong, terms, heading, False) > rank_score(weak, terms, heading, False)


def test_jaccard() -> None:
    assert jaccard({"a", "b"}, {"b", "c"}) == pytest.approx(1 / 3)
    assert jaccard(set(), set()) == 0.0


def test_near_duplicates_are_dropped_keeping_the_better_ranked() -> None:
    tokens = {
        "one": frozenset({"feature", "store", "reuse", "engineer", "platform"}),
        "two": frozenset({"feature", "store", "reuse", "engineer"}),
        "three": frozenset({"governance", "tier"}),
    }
    assert drop_near_duplicates(["one", "two", "three"], tokens) == ["one", "three"]
    assert drop_near_duplicates(["two", "one", "three"], tokens) == ["two", "three"]


def test_distinct_passages_are_all_kept() -> None:
    tokens = {"a": frozenset("xy"), "b": frozenset("yz"), "c": frozenset("q")}
    assert drop_near_duplicates(["a", "b", "c"], tokens) == ["a", "b", "c"]
    assert drop_near_duplicates(["a", "b", "c"], tokens, limit=2) == ["a", "b"]


def test_opening_sections_are_penalised() -> None:
    assert heading_adjustment(frozenset({"azure"}), frozenset(), is_intro=True) == -INTRO_PENALTY


def test_heading_words_in_the_question_raise_the_score() -> None:
    heading = frozenset({"lead", "indicator"})
    assert heading_adjustment(heading, heading, False) == pytest.approx(HEADING_WEIGHT)
    assert heading_adjustment(frozenset({"cost"}), heading, False) == 0.0


def test_numbers_pick_the_item_of_a_series() -> None:
    question = frozenset({"azure", "level", "3"})
    level_3 = heading_adjustment(question, frozenset({"level", "3", "deployment"}), False)
    level_0 = heading_adjustment(question, frozenset({"level", "0", "mlop"}), False)
    assert level_3 > 0 > level_0
