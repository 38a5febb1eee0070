"""Extractive answers: a lead sentence and a few bullets picked from the best passages.

Pure functions: passages in, text and the sources it cites out. No model, no I/O.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.answering.retrieval import Passage
from bot.answering.text import split_sentences, tokenize

MAX_ANSWER_CHARS = 1200
MAX_PASSAGES = 2
# A passage scoring far below the best one is about something else: leave it out.
FUSED_MARGIN = 0.2
# Below this share of the coverage floor a passage is too dissimilar to cite at all.
SIMILARITY_SHARE = 0.75


@dataclass(frozen=True)
class Unit:
    """A sentence or a bullet of a passage."""

    text: str
    passage_index: int
    position: int
    is_bullet: bool


@dataclass(frozen=True)
class Composition:
    """A composed answer: its text and the passages it cites, in citation order."""

    text: str
    cited: tuple[Passage, ...]


def relevant_passages(passages: list[Passage], min_relevance: float) -> list[Passage]:
    """The passages worth citing, best first; none when the best is not similar enough.

    The question counts as covered only if some passage reaches ``min_relevance``
    cosine similarity. Others are kept if their fused score is near the best one's
    and they are not far below the floor themselves.
    """
    if not passages or max(p.similarity for p in passages) < min_relevance:
        return []
    best = max(p.fused for p in passages)
    kept = [
        p
        for p in passages
        if p.fused >= best - FUSED_MARGIN and p.similarity >= min_relevance * SIMILARITY_SHARE
    ]
    return sorted(kept, key=lambda p: -p.fused)[:MAX_PASSAGES]


_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def split_units(body: str, passage_index: int) -> list[Unit]:
    """Cut a passage into bullets and sentences, in document order."""
    units: list[Unit] = []
    for block in re.split(r"\n\s*\n", body):
        lines = [
            line
            for line in block.splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        ]
        prose: list[str] = []
        for line in lines:
            if _BULLET.match(line):
                if prose:
                    units.extend(_sentences(" ".join(prose), passage_index, len(units)))
                    prose = []
                text = _BULLET.sub("", line).strip()
                units.append(Unit(text, passage_index, len(units), True))
            elif units and units[-1].is_bullet and line.startswith("  "):
                last = units.pop()  # a wrapped bullet line continues the bullet
                units.append(
                    Unit(f"{last.text} {line.strip()}", passage_index, last.position, True)
                )
            else:
                prose.append(line.strip())
        if prose:
            units.extend(_sentences(" ".join(prose), passage_index, len(units)))
    return units


def _sentences(text: str, passage_index: int, offset: int) -> list[Unit]:
    return [
        Unit(sentence, passage_index, offset + n, False)
        for n, sentence in enumerate(split_sentences(text))
    ]


# A heading that matches the question lends weight to every unit under it.
HEADING_SHARE = 0.5


def unit_score(
    unit: Unit, query_terms: set[str], heading_terms: frozenset[str] = frozenset()
) -> float:
    """How much of the question a unit speaks to: shared terms, damped by its length."""
    terms = tokenize(unit.text)
    if not terms:
        return 0.0
    overlap = len(query_terms & set(terms)) + HEADING_SHARE * len(query_terms & heading_terms)
    return overlap / math.sqrt(len(terms))


def _plain(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), text).strip()


# The best passage's units get a head start so the answer reads as one explanation,
# and a passage's opening sentence (which names its subject) gets a small one.
FIRST_PASSAGE_BONUS = 1.0
OPENING_BONUS = 0.15


def _priority(score: float, unit: Unit, weight: float, opening: bool) -> float:
    bonus = (FIRST_PASSAGE_BONUS if unit.passage_index == 0 else 0.0) + (
        OPENING_BONUS if opening else 0.0
    )
    return weight * (score + bonus)


def compose(
    question: str, passages: list[Passage], max_chars: int = MAX_ANSWER_CHARS
) -> Composition:
    """Compose an answer from relevant passages (already filtered, best first).

    The lead is the best passage's opening sentence. Bullets follow, chosen
    across all passages by how many of the question's terms they carry (weighted
    by their passage's score) until the length budget is spent; units of other
    passages that share no term with the question are never used. Bullets are
    shown grouped by source in citation order, each in its document order.
    """
    if not passages or not passages[0].body.strip():
        return Composition("", ())
    query_terms = set(tokenize(question))
    units = [split_units(p.body, i) for i, p in enumerate(passages)]
    if not units[0]:
        return Composition("", ())
    lead = next((u for u in units[0] if not u.is_bullet), units[0][0])
    best = passages[0].fused or 1.0
    candidates: list[tuple[float, Unit]] = []
    for index, passage_units in enumerate(units):
        weight = max(passages[index].fused, 0.0) / best if best > 0 else 1.0
        heading = frozenset(tokenize(passages[index].section.split(" > ")[-1]))
        for unit in passage_units:
            if unit is lead:
                continue
            score = unit_score(unit, query_terms, heading)
            if index > 0 and score == 0:
                continue
            opening = unit is passage_units[0]
            candidates.append((_priority(score, unit, weight, opening), unit))
    candidates.sort(key=lambda pair: (-pair[0], pair[1].passage_index, pair[1].position))

    used = len(lead.text) + 4
    chosen: list[Unit] = []
    for _, unit in candidates:
        cost = len(_plain(unit.text)) + 7  # "\n- " and " [n]"
        if used + cost > max_chars:
            continue
        chosen.append(unit)
        used += cost
    cited_indexes = sorted({0} | {u.passage_index for u in chosen})
    numbers = {index: n for n, index in enumerate(cited_indexes, 1)}
    chosen.sort(key=lambda u: (numbers[u.passage_index], u.position))
    lines = [f"{_plain(lead.text)} [1]"]
    lines += [f"- {_plain(u.text)} [{numbers[u.passage_index]}]" for u in chosen]
    return Composition("\n".join(lines), tuple(passages[i] for i in cited_indexes))
