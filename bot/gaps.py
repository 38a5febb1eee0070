"""Knowledge gaps: the questions the guidance did not answer well, grouped by likeness.

Two kinds of evidence: questions answered "not covered", and questions whose answer
was voted down. Within each workspace (Slack team, Teams tenant, ``local``) and kind,
questions that say much the same thing form one group, so a curator sees "asked six
ways, nine times" once instead of nine scattered lines.

Likeness is lexical, on the same content-word stems retrieval uses: two questions are
alike when at least ``LIKENESS`` of the smaller one's words are in the other
(an overlap coefficient). It needs no model, so the report runs anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.answering.text import tokenize

LIKENESS = 0.6
NOT_COVERED, VOTED_DOWN = "not covered", "voted down"


@dataclass(frozen=True)
class GapGroup:
    """Alike questions of one kind in one workspace, most asked first."""

    platform: str
    workspace: str
    kind: str  # NOT_COVERED or VOTED_DOWN
    questions: tuple[tuple[str, int], ...]  # distinct wording, times asked

    @property
    def count(self) -> int:
        """How many times the group's questions were asked in all."""
        return sum(n for _, n in self.questions)


def normalise_question(text: str) -> str:
    """A question reduced to what counts when grouping: lower case, single spaces, no end marks."""
    return re.sub(r"\s+", " ", text.casefold()).strip(" \t?!.\u2026\"'")


def alike(a: set[str], b: set[str]) -> bool:
    """Whether two questions' word sets say much the same thing."""
    if not a or not b:
        return a == b
    return len(a & b) / min(len(a), len(b)) >= LIKENESS


def group_questions(questions: Iterable[str]) -> list[tuple[tuple[str, int], ...]]:
    """Group alike questions; groups and the wordings in them are most asked first."""
    counts: dict[str, int] = {}
    first_seen: dict[str, str] = {}
    for question in questions:
        key = normalise_question(question)
        if key:
            counts[key] = counts.get(key, 0) + 1
            first_seen.setdefault(key, question.strip())
    groups: list[tuple[set[str], list[str]]] = []
    for key in sorted(counts, key=lambda k: (-counts[k], k)):
        words = set(tokenize(key))
        home = next((g for g in groups if alike(words, g[0])), None)
        if home is None:
            groups.append((words, [key]))
        else:
            home[1].append(key)
    ordered = [tuple((first_seen[k], counts[k]) for k in keys) for _, keys in groups]
    return sorted(ordered, key=lambda g: -sum(n for _, n in g))


def knowledge_gaps(
    uncovered: Iterable[Mapping[str, Any]], downvoted: Iterable[Mapping[str, Any]]
) -> tuple[GapGroup, ...]:
    """Gap groups per workspace and kind, from answer rows and down-vote rows."""
    by_place: dict[tuple[str, str, str], list[str]] = {}
    for kind, rows in ((NOT_COVERED, uncovered), (VOTED_DOWN, downvoted)):
        for row in rows:
            place = (str(row.get("platform", "")), str(row.get("workspace", "")), kind)
            by_place.setdefault(place, []).append(str(row.get("question", "")))
    groups = [
        GapGroup(platform, workspace, kind, questions)
        for (platform, workspace, kind), asked in sorted(by_place.items())
        for questions in group_questions(asked)
    ]
    return tuple(groups)
