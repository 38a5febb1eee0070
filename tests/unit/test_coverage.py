"""The coverage rule on hand-made retrievals: each clause decides, and says why."""

from bot.answering.coverage import CoverageRule, decide
from bot.answering.passages import Passage
from bot.answering.retrieval import OutOfScopeMatch, Retrieval


def _retrieval(similarity: float, outside: float) -> Retrieval:
    best = Passage("c1", "Body.", "Platform approach", "Core components", "guidance/p.md",
                   "Platform approach > Core components", similarity, similarity)
    return Retrieval("q", (best,), OutOfScopeMatch("commands", "kubectl scale", outside))


RULE = CoverageRule(min_similarity=0.4, out_of_scope_margin=0.05)


def test_a_close_section_far_from_the_out_of_scope_bank_is_covered() -> None:
    coverage = decide(_retrieval(0.62, 0.30), RULE)
    assert coverage.covered
    assert "'Platform approach > Core components' is 0.62 similar" in coverage.reason


def test_below_the_floor_is_not_covered() -> None:
    coverage = decide(_retrieval(0.39, 0.10), RULE)
    assert not coverage.covered and "below 0.40" in coverage.reason


def test_nearer_the_out_of_scope_bank_is_not_covered_however_similar() -> None:
    coverage = decide(_retrieval(0.70, 0.68), RULE)
    assert not coverage.covered
    assert "out-of-scope question (commands: 'kubectl scale', 0.68)" in coverage.reason


def test_nothing_found_is_not_covered() -> None:
    assert not decide(Retrieval("q", ()), RULE).covered
