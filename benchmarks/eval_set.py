"""The evaluation sets in tests/eval/ (data the tests share) and how answers to them are scored.

Three sets, each split into a ``tuning`` part (constants, phrasings and vocabulary may be
chosen on it) and a ``sealed`` part (only measured):

- ``realistic``: questions as people type them in Slack and Teams, written blind to the
  code and to the other sets, each labelled with the sections that answer it;
- ``eval``: the first set (the earlier sessions tuned on all of it before it was split);
- ``holdout``: a second set written blind to the system.

A label names a section as ``file.md#Heading`` as the knowledge base had it when the set
was written. ``tests/eval/section_moves.yaml`` records where each section went when the
knowledge base was restructured (written by its editors, who did not see the sets), so
a label still finds its content under the new heading.

Scoring is the same for the benchmark (``benchmarks/eval_answers.py``) and the tests.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.answering.passages import section_label

EVAL_DIR = Path(__file__).resolve().parent.parent / "tests" / "eval"
SET_FILES = {
    "realistic": EVAL_DIR / "realistic_set.yaml",
    "eval": EVAL_DIR / "eval_set.yaml",
    "holdout": EVAL_DIR / "holdout_set.yaml",
}
MOVES_FILE = EVAL_DIR / "section_moves.yaml"
SPLITS = ("tuning", "sealed")


@dataclass(frozen=True)
class OnTopic:
    id: str
    split: str
    question: str
    sections: tuple[str, ...]  # "file.md#Heading", any of which answers it
    facts: tuple[tuple[str, ...], ...]  # each fact: alternatives, any of which counts
    style: str = ""


@dataclass(frozen=True)
class OffTopic:
    id: str
    split: str
    question: str
    kind: str = ""


@dataclass(frozen=True)
class EvalSet:
    name: str
    on_topic: tuple[OnTopic, ...]
    off_topic: tuple[OffTopic, ...]

    def part(self, split: str) -> EvalSet:
        """Only the items of one split."""
        return EvalSet(
            f"{self.name}/{split}",
            tuple(q for q in self.on_topic if q.split == split),
            tuple(q for q in self.off_topic if q.split == split),
        )


def _facts(values: Iterable[object]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(alt.strip() for alt in str(fact).split("|")) for fact in values)


def load_set(name: str, path: Path | None = None) -> EvalSet:
    """One evaluation set by name (``realistic``, ``eval`` or ``holdout``)."""
    data = yaml.safe_load((path or SET_FILES[name]).read_text(encoding="utf-8"))
    on_topic = tuple(
        OnTopic(
            id=str(item["id"]),
            split=str(item["split"]),
            question=str(item["question"]),
            sections=tuple(str(s) for s in item.get("sections") or ()),
            facts=_facts(item["facts"]),
            style=str(item.get("style", "")),
        )
        for item in data["on_topic"]
    )
    off_topic = tuple(
        OffTopic(
            str(item["id"]), str(item["split"]), str(item["question"]), str(item.get("kind", ""))
        )
        for item in data["off_topic"]
    )
    return EvalSet(name, on_topic, off_topic)


def load_sets() -> list[EvalSet]:
    """Every evaluation set."""
    return [load_set(name) for name in SET_FILES]


def load_moves(path: Path = MOVES_FILE) -> dict[str, tuple[str, ...]]:
    """Old section label -> the labels of the sections that now hold its content."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    moves: dict[str, tuple[str, ...]] = {}
    for file_name, headings in data.items():
        for old, new in (headings or {}).items():
            moves[f"{file_name}#{old}"] = tuple(f"{file_name}#{h}" for h in new)
    return moves


def current_labels(
    labels: Sequence[str], moves: Mapping[str, tuple[str, ...]], existing: set[str]
) -> set[str]:
    """The labels as sections of the knowledge base now (a moved section follows its move)."""
    result: set[str] = set()
    for label in labels:
        if label in existing or label not in moves:
            result.add(label)
        else:
            result.update(moves[label])
    return result


def section_labels(sections: Iterable[Any]) -> set[str]:
    """``file.md#Heading`` of every stored section (``StoredSection`` records)."""
    return {
        section_label(
            s.metadata.get("source", ""), s.metadata.get("section", ""), s.metadata.get("title", "")
        )
        for s in sections
    }


def answer_outcomes(answerer: Any, items: Iterable[OnTopic | OffTopic]) -> dict[str, Outcome]:
    """Each item's question answered by ``answerer`` (an ``ExtractiveAnswerer``), by id."""
    outcomes = {}
    for item in items:
        explanation = answerer.explain(item.question)
        reply = answerer.reply_to(explanation)
        ranked = tuple(p.label for p in explanation.retrieval.candidates)
        outcomes[item.id] = Outcome(reply.covered, reply.text, ranked)
    return outcomes


def _normalise(text: str) -> str:
    return " ".join(
        text.lower()
        .replace("\u2011", "-")
        .replace("\u2013", "-")
        .replace("\u2014", "-")
        .replace("*", "")
        .split()
    )


def missing_facts(answer: str, facts: tuple[tuple[str, ...], ...]) -> list[str]:
    """The facts (as written in the set) that ``answer`` does not contain."""
    text = _normalise(answer)
    return [" | ".join(alts) for alts in facts if not any(_normalise(a) in text for a in alts)]


@dataclass(frozen=True)
class Outcome:
    """What the advisor did with one question."""

    covered: bool
    text: str
    ranked: tuple[str, ...] = ()  # the sections it found, best first, as "file.md#Heading"


def save_outcomes(outcomes: Mapping[str, Outcome], path: Path) -> None:
    """Write ``outcomes`` (by question id) to ``path`` as JSON, for ``load_outcomes``."""
    path.write_text(
        json.dumps(
            {
                k: {"covered": o.covered, "text": o.text, "ranked": list(o.ranked)}
                for k, o in outcomes.items()
            },
            indent=1,
        ),
        encoding="utf-8",
    )


def load_outcomes(path: Path) -> dict[str, Outcome]:
    """The outcomes ``save_outcomes`` wrote to ``path``, by question id."""
    saved = json.loads(path.read_text(encoding="utf-8"))
    return {
        key: Outcome(bool(v["covered"]), str(v["text"]), tuple(v["ranked"]))
        for key, v in saved.items()
    }


@dataclass
class Figures:
    """The measures of one set's part."""

    name: str
    on_topic: int = 0
    off_topic: int = 0
    hit1: float = 0.0
    hit3: float = 0.0
    facts: float = 0.0
    refused: float = 0.0  # on-topic answered "not covered"
    answered_off: float = 0.0  # off-topic answered as covered
    median_chars: float = 0.0
    max_chars: int = 0
    misses: list[str] = field(default_factory=list)

    def row(self) -> str:
        """One line of the benchmark's table."""
        return (
            f"{self.name:<18} {self.on_topic:>4} {self.off_topic:>4} {self.hit1:>7.1%} "
            f"{self.hit3:>7.1%} {self.facts:>7.1%} {self.refused:>8.1%} {self.answered_off:>8.1%} "
            f"{self.median_chars:>7.0f} {self.max_chars:>6}"
        )


HEADER = (
    f"{'set/split':<18} {'on':>4} {'off':>4} {'hit@1':>7} {'hit@3':>7} {'facts':>7} "
    f"{'refused':>8} {'off-ans':>8} {'median':>7} {'max':>6}"
)


def score(
    part: EvalSet,
    outcomes: Mapping[str, Outcome],
    moves: Mapping[str, tuple[str, ...]] | None = None,
    existing: set[str] | None = None,
) -> Figures:
    """Score the outcomes (by question id) of one part of a set.

    A question refused as "not covered" is a miss for hit@1, hit@3 and its facts. The
    answer lengths are those of the covered answers, on- and off-topic.
    """
    moves = moves or {}
    figures = Figures(part.name, len(part.on_topic), len(part.off_topic))
    hits1 = hits3 = refused = 0
    facts_found = facts_total = 0
    lengths: list[int] = []
    for item in part.on_topic:
        outcome = outcomes[item.id]
        labels = current_labels(item.sections, moves, existing or set())
        facts_total += len(item.facts)
        if not outcome.covered:
            refused += 1
            figures.misses.append(f"{item.id} refused: {item.question}")
            continue
        lengths.append(len(outcome.text))
        top = outcome.ranked[:3]
        hits1 += bool(top[:1] and top[0] in labels)
        hits3 += bool(set(top) & labels)
        missing = missing_facts(outcome.text, item.facts)
        facts_found += len(item.facts) - len(missing)
        if not (top[:1] and top[0] in labels) or missing:
            figures.misses.append(
                f"{item.id} top={top[:1]} want={sorted(labels)} missing={missing}: {item.question}"
            )
    answered_off = 0
    for off in part.off_topic:
        outcome = outcomes[off.id]
        if outcome.covered:
            answered_off += 1
            lengths.append(len(outcome.text))
            figures.misses.append(f"{off.id} answered {outcome.ranked[:1]}: {off.question}")
    on = max(len(part.on_topic), 1)
    figures.hit1, figures.hit3 = hits1 / on, hits3 / on
    figures.facts = facts_found / max(facts_total, 1)
    figures.refused = refused / on
    figures.answered_off = answered_off / max(len(part.off_topic), 1)
    figures.median_chars = statistics.median(lengths) if lengths else 0.0
    figures.max_chars = max(lengths, default=0)
    return figures
