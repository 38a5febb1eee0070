"""From answers to a placement: dimension scores, overall phase, gates, MLOps level.

Scoring follows the proposed /scale-check design:

- A question's level is its option index + 1 (1 = least mature, 5 = most).
- A dimension's level is the mean of its answered questions; its score maps
  level 1 -> 0 ... level 5 -> 100.
- Overall level = min(floor(mean of dimension levels), floor(lowest dimension) + 1);
  levels 1-2 are Prove value, 3 Operationalise, 4-5 Scale.
- Gates cap the phase: G1 nothing in production -> Prove value; G3 something in
  production that nobody monitors -> Prove value; G2 a ``scale_gate`` dimension
  below level 3 -> no Scale; G4 no inventory/tiering or no controls -> no Scale.

Every rule is monotone: raising one answer never lowers a score or the phase.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from bot.assessment.survey import LEVELS, Question, Survey

__all__ = [
    "MLOPS_LEVELS",
    "OPERATING_MODELS",
    "PHASES",
    "Blocker",
    "Placement",
    "answer_text",
    "level_of",
    "option_text",
    "place",
]

PHASES = ("Prove value (pilot)", "Operationalise (production)", "Scale (enterprise)")
MLOPS_LEVELS = {1: "manual", 2: "scripted", 3: "pipelined", 4: "continuous", 5: "continuous"}
OPERATING_MODELS = {
    1: "decentralised",
    2: "decentralised",
    3: "centralised",
    4: "federated",
    5: "federated",
}
_PHASE_OF_LEVEL = {1: 0, 2: 0, 3: 1, 4: 2, 5: 2}
_GATE_LEVEL = 2  # an answer at or below this level trips a question gate
_SCALE_GATE_LEVEL = 3  # a scale_gate dimension needs at least this level for Scale


@dataclass(frozen=True)
class Blocker:
    """A gate that holds the phase back, in words a user understands."""

    gate: str  # "G1" .. "G4"
    dimension_id: str
    question_ids: tuple[str, ...]
    text: str
    cap: int  # the highest phase index reachable while this holds


@dataclass(frozen=True)
class Placement:
    """Where a set of answers places the organisation."""

    levels: Mapping[str, int]  # question id -> level 1..5, answered questions only
    dimension_levels: Mapping[str, Fraction]  # survey order, answered dimensions only
    dimension_scores: Mapping[str, float]  # 0..100, one decimal
    overall_level: int
    phase_index: int
    mlops_level: str
    operating_model: str
    blockers: tuple[Blocker, ...]  # the gates between this phase and the next

    @property
    def phase(self) -> str:
        """The phase name, e.g. ``"Operationalise (production)"``."""
        return PHASES[self.phase_index]


def level_of(option_index: int) -> int:
    """The maturity level (1..5) of an option index (0..4)."""
    return option_index + 1


def answer_text(survey: Survey, question_id: str, level: int) -> str:
    """``“question” → “chosen option”`` for explanations."""
    question = survey.question(question_id)
    return f"“{question.text}” → “{option_text(question, level)}”"


def option_text(question: Question, level: int) -> str:
    """The option chosen at a level, without its closing full stop."""
    return question.options[level - 1].rstrip(".")


def place(survey: Survey, answers: Mapping[str, int]) -> Placement:
    """Score a set of answers; only answered questions count.

    Args:
        survey: The question bank.
        answers: Question id -> option index (0 = least mature).

    Returns:
        The placement.

    Raises:
        ValueError: No answers, an unknown question id, or an index out of range.

    """
    levels = _levels(survey, answers)
    dimension_levels: dict[str, Fraction] = {}
    for dimension in survey.dimensions:
        answered = [levels[q.id] for q in survey.questions_in(dimension.id) if q.id in levels]
        if answered:
            dimension_levels[dimension.id] = Fraction(sum(answered), len(answered))
    mean = sum(dimension_levels.values(), Fraction(0)) / len(dimension_levels)
    lowest = min(dimension_levels.values())
    overall = min(math.floor(mean), math.floor(lowest) + 1)
    gates = _gates(survey, levels, dimension_levels)
    phase = min([_PHASE_OF_LEVEL[overall], *(g.cap for g in gates)])
    return Placement(
        levels=levels,
        dimension_levels=dimension_levels,
        dimension_scores={
            d: round(float((lv - 1) * 100 / (LEVELS - 1)), 1) for d, lv in dimension_levels.items()
        },
        overall_level=overall,
        phase_index=phase,
        mlops_level=MLOPS_LEVELS[_mlops(survey, levels)],
        operating_model=OPERATING_MODELS[_operating_model(survey, levels)],
        blockers=tuple(g for g in gates if g.cap == phase),
    )


def _levels(survey: Survey, answers: Mapping[str, int]) -> dict[str, int]:
    if not answers:
        raise ValueError("no answers to score")
    levels: dict[str, int] = {}
    for question in survey.questions:  # survey order
        if question.id in answers:
            index = answers[question.id]
            if not 0 <= index < len(question.options):
                raise ValueError(f"{question.id}: option index {index} is out of range")
            levels[question.id] = level_of(index)
    unknown = sorted(set(answers) - set(levels))
    if unknown:
        raise ValueError(f"unknown question ids: {', '.join(unknown)}")
    return levels


def _answered(survey: Survey, levels: Mapping[str, int], role: str) -> list[Question]:
    return [q for q in survey.with_role(role) if q.id in levels]


def _gates(
    survey: Survey, levels: Mapping[str, int], dimension_levels: Mapping[str, Fraction]
) -> list[Blocker]:
    portfolio = _answered(survey, levels, "gate_portfolio")
    in_production = bool(portfolio) and min(levels[q.id] for q in portfolio) > _GATE_LEVEL
    monitoring = _answered(survey, levels, "monitoring") if in_production else []
    governance = {
        q.id: q
        for role in ("governance_inventory", "governance_controls")
        for q in _answered(survey, levels, role)
    }
    question_gates = [
        *(("G1", q, 0) for q in portfolio),
        *(("G3", q, 0) for q in monitoring),
        *(("G4", q, 1) for q in governance.values()),
    ]
    gates = [
        _question_gate(survey, gate, q, levels[q.id], cap)
        for gate, q, cap in question_gates
        if levels[q.id] <= _GATE_LEVEL
    ]
    named = {g.dimension_id for g in gates if g.cap == 1}
    for dimension in survey.dimensions:
        level = dimension_levels.get(dimension.id)
        if dimension.scale_gate and level is not None and level < _SCALE_GATE_LEVEL:
            if dimension.id in named:
                continue
            weakest = min(
                (q for q in survey.questions_in(dimension.id) if q.id in levels),
                key=lambda q: levels[q.id],
            )
            text = (
                f"{dimension.name}: at level {float(level):.1f} of 5, below the level 3 that "
                f"Scale needs (answered: {answer_text(survey, weakest.id, levels[weakest.id])})"
            )
            gates.append(Blocker("G2", dimension.id, (weakest.id,), text, cap=1))
    return gates


def _question_gate(survey: Survey, gate: str, question: Question, level: int, cap: int) -> Blocker:
    dimension = survey.dimension(question.dimension)
    problem = question.blocker or f"“{question.text}” is only at level {level} of 5"
    text = f"{dimension.name}: {problem} (answered: “{option_text(question, level)}”)"
    return Blocker(gate, dimension.id, (question.id,), text, cap)


def _mlops(survey: Survey, levels: Mapping[str, int]) -> int:
    roles = ("mlops_training", "mlops_release")
    answered = [levels[q.id] for role in roles for q in _answered(survey, levels, role)]
    if answered:
        return min(answered)
    dimensions = {q.dimension for role in roles for q in survey.with_role(role)}
    fallback = [
        levels[q.id] for q in survey.questions if q.dimension in dimensions and q.id in levels
    ]
    return min(fallback) if fallback else 1


def _operating_model(survey: Survey, levels: Mapping[str, int]) -> int:
    answered = [levels[q.id] for q in _answered(survey, levels, "operating_model")]
    if answered:
        return min(answered)
    dimensions = {q.dimension for q in survey.with_role("operating_model")}
    fallback = [
        levels[q.id] for q in survey.questions if q.dimension in dimensions and q.id in levels
    ]
    return math.floor(Fraction(sum(fallback), len(fallback))) if fallback else 1
