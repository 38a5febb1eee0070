"""Loading and scoring the evaluation set in tests/eval/eval_set.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

EVAL_FILE = Path(__file__).parent / "eval" / "eval_set.yaml"
HOLDOUT_FILE = Path(__file__).parent / "eval" / "holdout_set.yaml"


@dataclass(frozen=True)
class OnTopic:
    question: str
    facts: tuple[tuple[str, ...], ...]  # each fact: alternatives, any of which counts


def load_eval_set(path: Path = EVAL_FILE) -> tuple[list[OnTopic], list[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    on_topic = [
        OnTopic(
            str(item["question"]),
            tuple(tuple(alt.strip() for alt in str(fact).split("|")) for fact in item["facts"]),
        )
        for item in data["on_topic"]
    ]
    return on_topic, [str(q) for q in data["off_topic"]]


def _normalise(text: str) -> str:
    return " ".join(
        text.lower().replace("\u2011", "-").replace("\u2013", "-").replace("\u2014", "-").split()
    )


def missing_facts(answer: str, facts: tuple[tuple[str, ...], ...]) -> list[str]:
    """The facts (as written in the set) that ``answer`` does not contain."""
    text = _normalise(answer)
    return [" | ".join(alts) for alts in facts if not any(_normalise(a) in text for a in alts)]
