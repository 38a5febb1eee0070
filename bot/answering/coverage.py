"""Covered or not covered: the one rule, in one place, in words a curator can check.

A question is answered from the guidance only when both hold for the best section:

1. It is close to the question: cosine similarity (the better of the section's text
   and its nearest user phrasing) of at least ``min_similarity``.
2. It is closer than anything the advisor knows it does not cover: the nearest
   question in ``knowledge/out_of_scope.yaml`` (commands, code, HR, finance, general ML
   how-tos, chit-chat, ...) is at least ``out_of_scope_margin`` less similar.

Similarities are raw cosines, never normalised against the best hit, so a weak best
match is never made to look strong; BM25 ranks sections but has no say here.

Measured on the tuning parts of the evaluation sets (benchmarks/eval_answers.py):
a similarity floor alone answered 12% of the off-topic questions at the floor that
refused 3% of the on-topic ones; with the out-of-scope margin, 2% and 1%. A third
clause, a minimum share of the question's words in the section, changed neither.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.answering.retrieval import Retrieval

# Chosen on the tuning parts of the evaluation sets, in the middle of the flat region.
MIN_SIMILARITY = 0.40
OUT_OF_SCOPE_MARGIN = 0.02


@dataclass(frozen=True)
class CoverageRule:
    """The thresholds of the rule (see the module docstring)."""

    min_similarity: float = MIN_SIMILARITY
    out_of_scope_margin: float = OUT_OF_SCOPE_MARGIN


@dataclass(frozen=True)
class Coverage:
    """The decision and the reason for it, in a sentence."""

    covered: bool
    reason: str


def decide(retrieval: Retrieval, rule: CoverageRule) -> Coverage:
    """Whether the guidance covers the question searched in ``retrieval``, and why."""
    best = retrieval.best
    if best is None:
        return Coverage(False, "not covered: nothing in the knowledge base matches")
    name = f"'{best.heading_path}'"
    similarity = best.similarity
    if similarity < rule.min_similarity:
        return Coverage(
            False,
            f"not covered: the best section, {name}, is {similarity:.2f} similar "
            f"(below {rule.min_similarity:.2f})",
        )
    outside = retrieval.out_of_scope
    if similarity - outside.similarity < rule.out_of_scope_margin:
        return Coverage(
            False,
            f"not covered: it is nearer an out-of-scope question ({outside.kind}: "
            f"'{outside.question}', {outside.similarity:.2f}) than the margin "
            f"{rule.out_of_scope_margin:.2f} allows over the best section, {name} "
            f"({similarity:.2f})",
        )
    return Coverage(
        True,
        f"covered: {name} is {similarity:.2f} similar (floor {rule.min_similarity:.2f}), "
        f"{similarity - outside.similarity:+.2f} against the nearest out-of-scope question "
        f"({outside.kind or 'none'}, {outside.similarity:.2f})",
    )
