import pytest

from bot.fusion import drop_near_duplicates, jaccard, reciprocal_rank_fusion


def test_rrf_rewards_agreement_between_rankings() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "d", "a"]], k=60)
    ids = [item for item, _ in fused]
    assert ids == ["b", "a", "d", "c"]  # b: 1/62 + 1/61 beats a: 1/61 + 1/63
    assert dict(fused)["b"] == pytest.approx(1 / 62 + 1 / 61)


def test_rrf_single_ranking_keeps_order() -> None:
    assert [i for i, _ in reciprocal_rank_fusion([["x", "y", "z"]])] == ["x", "y", "z"]


def test_rrf_of_nothing_is_empty() -> None:
    assert reciprocal_rank_fusion([[], []]) == []


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
