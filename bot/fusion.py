"""Rank fusion and near-duplicate removal: pure functions over ids and token lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

RRF_K = 60  # the constant from Cormack et al. (2009); dampens the weight of top ranks


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Fuse several best-first rankings of ids into one, best first.

    Each id scores the sum of 1 / (k + rank) over the rankings it appears in
    (rank counted from 1). Ties keep the order in which ids were first seen.
    """
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    order = {item: index for index, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda pair: (-pair[1], order[pair[0]]))


def jaccard(a: set[str], b: set[str]) -> float:
    """The Jaccard similarity of two token sets (0 when both are empty)."""
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def drop_near_duplicates(
    ranked_ids: Sequence[str], tokens: Mapping[str, Sequence[str]], threshold: float = 0.8
) -> list[str]:
    """Keep ranked ids in order, dropping any whose tokens mostly repeat a better-ranked one."""
    kept: list[str] = []
    kept_sets: list[set[str]] = []
    for item in ranked_ids:
        words = set(tokens.get(item, ()))
        if any(jaccard(words, other) >= threshold for other in kept_sets):
            continue
        kept.append(item)
        kept_sets.append(words)
    return kept
