"""Score fusion and near-duplicate removal: pure functions over ids, scores and tokens."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# Weight of the lexical score beside cosine similarity. Measured on the evaluation set:
# with it, the passage holding the answer is among the top four for 95% of questions,
# against 88% for reciprocal rank fusion of the same two rankings (see the issue notes).
LEXICAL_WEIGHT = 0.2


def fuse_scores(
    similarity: Mapping[str, float], lexical: Mapping[str, float], weight: float = LEXICAL_WEIGHT
) -> list[tuple[str, float]]:
    """Combine cosine similarity with BM25 scores, best first.

    BM25 scores are divided by the best one so they lie in 0..1 whatever the
    question's length; ids missing from ``lexical`` score 0 there. Ties keep
    the order of ``similarity``.
    """
    top = max(lexical.values(), default=0.0)
    scale = 1.0 / top if top > 0 else 0.0
    order = {item: index for index, item in enumerate(similarity)}
    fused = {item: sim + weight * lexical.get(item, 0.0) * scale for item, sim in similarity.items()}
    return sorted(fused.items(), key=lambda pair: (-pair[1], order[pair[0]]))


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
