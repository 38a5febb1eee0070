import pytest

from bot.answering.fusion import (
    HEADING_WEIGHT,
    INTRO_PENALTY,
    drop_near_duplicates,
    fuse_scores,
    heading_adjustment,
    jaccard,
)


def test_fusion_adds_weighted_normalised_lexical_score() -> None:
    fused = fuse_scores({"a": 0.50, "b": 0.45, "c": 0.30}, {"b": 8.0, "c": 4.0}, weight=0.2)
    assert [item for item, _ in fused] == ["b", "a", "c"]
    scores = dict(fused)
    assert scores["b"] == pytest.approx(0.45 + 0.2)  # the best BM25 score counts as 1
    assert scores["c"] == pytest.approx(0.30 + 0.1)
    assert scores["a"] == pytest.approx(0.50)


def test_fusion_without_lexical_hits_keeps_dense_order() -> None:
    assert [i for i, _ in fuse_scores({"x": 0.9, "y": 0.8}, {})] == ["x", "y"]


def test_fusion_ties_keep_dense_order() -> None:
    assert [i for i, _ in fuse_scores({"x": 0.5, "y": 0.5}, {})] == ["x", "y"]


def test_fusion_of_nothing_is_empty() -> None:
    assert fuse_scores({}, {}) == []


def test_jaccard() -> None:
    assert jaccard({"a", "b"}, {"b", "c"}) == pytest.approx(1 / 3)
    assert jaccard(set(), set()) == 0.0


def test_near_duplicates_are_dropped_keeping_the_better_ranked() -> None:
    tokens = {
        "one": ["feature", "store", "reuse", "feature", "engineer"],
        "two": ["feature", "store", "reuse", "engineer"],
        "three": ["governance", "tier"],
    }
    assert drop_near_duplicates(["one", "two", "three"], tokens) == ["one", "three"]
    assert drop_near_duplicates(["two", "one", "three"], tokens) == ["two", "three"]


def test_distinct_passages_are_all_kept() -> None:
    tokens = {"a": ["x", "y"], "b": ["y", "z"], "c": ["q"]}
    assert drop_near_duplicates(["a", "b", "c"], tokens) == ["a", "b", "c"]


def test_opening_sections_are_penalised() -> None:
    assert heading_adjustment({"azure", "level"}, set(), is_intro=True) == -INTRO_PENALTY


def test_heading_words_in_the_question_raise_the_score() -> None:
    assert heading_adjustment({"lead", "indicator"}, {"lead", "indicator"}, False) == pytest.approx(
        HEADING_WEIGHT
    )
    assert heading_adjustment({"cost"}, {"lead", "indicator"}, False) == 0.0


def test_numbers_pick_the_item_of_a_series() -> None:
    question = {"azure", "level", "3"}
    level_3 = heading_adjustment(question, {"level", "3", "deployment"}, False)
    level_0 = heading_adjustment(question, {"level", "0", "mlop"}, False)
    assert level_3 > 0 > level_0
