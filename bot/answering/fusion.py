"""How the evidence for a section becomes one ranking score: pure functions, no I/O."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from bot.answering.text import tokenize

# Weights beside cosine similarity, chosen on the tuning parts of the evaluation sets
# (benchmarks/eval_answers.py): BM25 relative to the best lexical hit among the
# candidates (ranking is relative; the coverage rule never looks at it), and the
# classifier's probability for the section (bot/answering/classifier.py).
LEXICAL_WEIGHT = 0.2
CLASSIFIER_WEIGHT = 0.2
# A document's opening section summarises the whole document, so it resembles every
# question about the document; a question about one part should land on that part.
INTRO_PENALTY = 0.05
# Words of a section's own heading in the question ("level 3", "leading indicators").
HEADING_WEIGHT = 0.1


@dataclass(frozen=True)
class Evidence:
    """What speaks for one section as the answer to one question."""

    text_similarity: float  # cosine of the question and the section's text
    phrasing_similarity: float  # cosine of the question and the section's nearest phrasing
    bm25: float  # BM25, divided by the best BM25 among the candidates (0..1)
    share: float  # the share of the question's term weight (idf) the section contains
    probability: float = 0.0  # the classifier's probability that the question asks for it

    @property
    def similarity(self) -> float:
        """The better of the two cosines."""
        return max(self.text_similarity, self.phrasing_similarity)


def heading_terms(metadata: Mapping[str, str]) -> tuple[frozenset[str], bool]:
    """The terms of a section's own heading, and whether it is its document's opening."""
    section = str(metadata.get("section", ""))
    return frozenset(tokenize(section.split(" > ")[-1])), not section


_NUMBERED = re.compile(r"^\d+$")


def heading_adjustment(
    query_terms: frozenset[str], heading: frozenset[str], is_intro: bool
) -> float:
    """The change to a section's score from how its heading matches the question."""
    if is_intro:
        return -INTRO_PENALTY
    if not heading:
        return 0.0
    # A number names one item of a series ("level 3", "year 2", "tier 1"): it counts three
    # times, and a heading naming only other items of the series is about something else.
    query_numbers = {t for t in query_terms if _NUMBERED.match(t)}
    heading_numbers = {t for t in heading if _NUMBERED.match(t)}
    if query_numbers and heading_numbers and not query_numbers & heading_numbers:
        return -HEADING_WEIGHT
    shared = query_terms & heading
    weight = len(shared) + 2 * len(shared & query_numbers)
    return HEADING_WEIGHT * weight / len(heading)


def rank_score(
    evidence: Evidence, query_terms: frozenset[str], heading: frozenset[str], is_intro: bool
) -> float:
    """One section's ranking score for a question."""
    return (
        evidence.similarity
        + LEXICAL_WEIGHT * evidence.bm25
        + CLASSIFIER_WEIGHT * evidence.probability
        + heading_adjustment(query_terms, heading, is_intro)
    )


def jaccard(a: AbstractSet[str], b: AbstractSet[str]) -> float:
    """The Jaccard similarity of two token sets (0 when both are empty)."""
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def drop_near_duplicates(
    ranked_ids: Sequence[str],
    tokens: Mapping[str, AbstractSet[str]],
    threshold: float = 0.8,
    limit: int | None = None,
) -> list[str]:
    """Keep ranked ids in order, dropping any whose tokens mostly repeat a better-ranked one.

    Stops once ``limit`` ids are kept.
    """
    kept: list[str] = []
    kept_sets: list[AbstractSet[str]] = []
    for item in ranked_ids:
        if limit is not None and len(kept) >= limit:
            break
        words = tokens.get(item, frozenset())
        if any(jaccard(words, other) >= threshold for other in kept_sets):
            continue
        kept.append(item)
        kept_sets.append(words)
    return kept
