"""Extractive answers: a lead sentence and a few bullets picked from the best passages.

Pure functions: passages in, text and the sources it cites out. No model, no I/O.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.retrieval import Passage
from bot.text import split_sentences, tokenize

MAX_ANSWER_CHARS = 1200
MAX_PASSAGES = 3
# A passage much less similar than the best one is about something else: leave it out.
RELATIVE_MARGIN = 0.12


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
    """The passages worth citing: similar enough in absolute terms and next to the best one."""
    if not passages:
        return []
    best = max(p.similarity for p in passages)
    if best < min_relevance:
        return []
    floor = max(min_relevance, best - RELATIVE_MARGIN)
    return [p for p in passages if p.similarity >= floor][:MAX_PASSAGES]


_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def split_units(body: str, passage_index: int) -> list[Unit]:
    """Cut a passage into bullets and sentences, in document order."""
    units: list[Unit] = []
    for block in re.split(r"\n\s*\n", body):
        lines = [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]
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
                units.append(Unit(f"{last.text} {line.strip()}", passage_index, last.position, True))
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


def unit_score(unit: Unit, query_terms: set[str]) -> float:
    """How much of the question a unit speaks to: shared terms, damped by its length."""
    terms = tokenize(unit.text)
    if not terms:
        return 0.0
    overlap = len(query_terms & set(terms))
    return overlap / math.sqrt(len(terms))


def _plain(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), text).strip()


def compose(question: str, passages: list[Passage], max_chars: int = MAX_ANSWER_CHARS) -> Composition:
    """Compose an answer from relevant passages (already filtered, best first).

    The lead is the best passage's opening sentence, which names its subject;
    bullets follow: the rest of the best passage in its own order, then the
    units of the other passages that share terms with the question.
    """
    if not passages:
        return Composition("", ())
    query_terms = set(tokenize(question))
    per_passage = [split_units(p.body, i) for i, p in enumerate(passages)]
    first = per_passage[0]
    if not first:
        return Composition("", ())
    lead_unit = next((u for u in first if not u.is_bullet), first[0])
    chosen: list[Unit] = []
    rest_of_first = [u for u in first if u is not lead_unit]
    others = sorted(
        (u for units in per_passage[1:] for u in units if unit_score(u, query_terms) > 0),
        key=lambda u: (-unit_score(u, query_terms), u.passage_index, u.position),
    )
    # The best passage's own units come first, but ones that share no term with the
    # question are tried after the other passages' on-topic units.
    on_topic_first = [u for u in rest_of_first if unit_score(u, query_terms) > 0 or u.is_bullet]
    off_topic_first = [u for u in rest_of_first if u not in on_topic_first]
    numbers: dict[int, int] = {}

    def cite(unit: Unit) -> str:
        number = numbers.setdefault(unit.passage_index, len(numbers) + 1)
        return f"[{number}]"

    lead = f"{_plain(lead_unit.text)} {cite(lead_unit)}"
    used = len(lead)
    for unit in [*on_topic_first, *others, *off_topic_first]:
        provisional = numbers.get(unit.passage_index, len(numbers) + 1)
        line = f"\n- {_plain(unit.text)} [{provisional}]"
        if used + len(line) > max_chars:
            continue
        chosen.append(unit)
        cite(unit)
        used += len(line)
    # Bullets of one passage stay in their document order, passages in citation order.
    chosen.sort(key=lambda u: (numbers[u.passage_index], u.position))
    lines = [lead] + [f"- {_plain(u.text)} [{numbers[u.passage_index]}]" for u in chosen]
    cited = tuple(passages[index] for index, _ in sorted(numbers.items(), key=lambda kv: kv[1]))
    return Composition("\n".join(lines), cited)
