"""Pick 3-5 next actions from the library for a placement.

Order of play:

1. One action per blocker, blockers first.
2. Then the largest weighted gaps: ``(5 - dimension level) x weight``, where the
   weight is the dimension's weight for the current phase (platform, operations and
   governance count 1.5 before Operationalise; strategy and adoption 1.5 after) and
   is raised 1.5x for the lagging side of a lopsided profile: an organisation whose
   technology is well ahead of its strategy, people and adoption gets organisational
   actions first, and the reverse gets technical ones. A dimension's gap is divided
   by one plus the actions it already has, so recommendations spread out.
3. If fewer than three were found, top up with actions that fit the answers.

An action fits when a question it targets was answered at one of its levels (or,
when none of its targets was asked, when its dimension's level is one of them).
No action is recommended twice.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from fractions import Fraction

from bot.assessment.scoring import PHASES, Blocker, Placement, answer_text
from bot.assessment.survey import LEVELS, LibraryAction, Survey
from bot.messages import Recommendation

__all__ = ["IMBALANCE", "LAGGING_BOOST", "MAX_RECOMMENDATIONS", "MIN_RECOMMENDATIONS", "recommend"]

MIN_RECOMMENDATIONS = 3
MAX_RECOMMENDATIONS = 5
IMBALANCE = Fraction(1)  # levels between the organisation and technology sides
LAGGING_BOOST = 1.5


@dataclass(frozen=True)
class _Fit:
    action: LibraryAction
    level: int  # the lowest answer level that makes the action fit
    question_ids: tuple[str, ...]  # the answers that led to it, weakest first
    order: int  # position in the library


def recommend(
    survey: Survey,
    actions: Sequence[LibraryAction],
    placement: Placement,
    limit: int = MAX_RECOMMENDATIONS,
) -> tuple[Recommendation, ...]:
    """Choose the next actions for a placement.

    Args:
        survey: The question bank.
        actions: The action library, in priority order.
        placement: The scored answers.
        limit: At most this many (clamped to 3..5).

    Returns:
        Between three and ``limit`` recommendations (fewer only if the library has
        fewer actions), blockers first.

    """
    limit = max(MIN_RECOMMENDATIONS, min(MAX_RECOMMENDATIONS, limit))
    fits = [f for i, a in enumerate(actions) if (f := _fit(survey, placement, a, i)) is not None]
    picker = _Picker(survey, placement)
    for blocker in placement.blockers:
        if len(picker.picked) < limit:
            picker.take_for_blocker(fits, blocker)
    weights = _weights(survey, placement)
    while len(picker.picked) < limit and picker.take_largest_gap(fits, weights):
        pass
    if len(picker.picked) < MIN_RECOMMENDATIONS:
        fallback = sorted(fits, key=lambda f: (-weights[f.action.dimension], f.level, f.order))
        fallback += [
            _Fit(a, LEVELS, (), len(fits) + i)
            for i, a in enumerate(actions)
            if a.dimension in weights
        ]
        for fit in fallback:
            if len(picker.picked) >= MIN_RECOMMENDATIONS:
                break
            picker.take(fit)
    return tuple(picker.picked)


def _fit(survey: Survey, placement: Placement, action: LibraryAction, order: int) -> _Fit | None:
    levels = placement.levels
    asked = [q for q in action.targets if q in levels]
    if asked:
        hits = sorted((q for q in asked if levels[q] in action.levels), key=lambda q: levels[q])
        if not hits:
            return None
        return _Fit(action, levels[hits[0]], tuple(hits), order)
    dimension_level = placement.dimension_levels.get(action.dimension)
    if dimension_level is None or math.floor(dimension_level) not in action.levels:
        return None
    answered = sorted(
        (q.id for q in survey.questions_in(action.dimension) if q.id in levels),
        key=lambda q: levels[q],
    )
    return _Fit(action, math.floor(dimension_level), tuple(answered), order)


def _weights(survey: Survey, placement: Placement) -> dict[str, float]:
    levels = placement.dimension_levels
    sides: dict[str, list[Fraction]] = {"organisation": [], "technology": []}
    for dimension in survey.dimensions:
        if dimension.id in levels:
            sides[dimension.group].append(levels[dimension.id])
    lagging = ""
    if sides["organisation"] and sides["technology"]:
        organisation = sum(sides["organisation"], Fraction(0)) / len(sides["organisation"])
        technology = sum(sides["technology"], Fraction(0)) / len(sides["technology"])
        if technology - organisation >= IMBALANCE:
            lagging = "organisation"
        elif organisation - technology >= IMBALANCE:
            lagging = "technology"
    return {
        d.id: d.weights[placement.phase_index] * (LAGGING_BOOST if d.group == lagging else 1.0)
        for d in survey.dimensions
        if d.id in levels
    }


class _Picker:
    """The recommendations chosen so far and what they already cover."""

    def __init__(self, survey: Survey, placement: Placement) -> None:
        self.survey = survey
        self.placement = placement
        self.picked: list[Recommendation] = []
        self.used: set[str] = set()
        self.covered: set[str] = set()
        self.per_dimension: Counter[str] = Counter()

    def take_for_blocker(self, fits: Sequence[_Fit], blocker: Blocker) -> None:
        """Add the best unused action for one blocker, if there is one."""
        candidates = [
            f
            for f in fits
            if f.action.dimension == blocker.dimension_id and f.action.id not in self.used
        ]
        if candidates:
            best = min(candidates, key=lambda f: self._rank(f, blocker.question_ids))
            self.take(best, blocker)

    def take_largest_gap(self, fits: Sequence[_Fit], weights: dict[str, float]) -> bool:
        """Add the best action of the dimension with the largest weighted gap."""
        open_fits = [f for f in fits if f.action.id not in self.used]
        gaps: dict[str, float] = {}
        for fit in open_fits:
            dimension = fit.action.dimension
            gap = float(LEVELS - self.placement.dimension_levels[dimension]) * weights[dimension]
            gaps[dimension] = gap / (1 + self.per_dimension[dimension])
        order = [d.id for d in self.survey.dimensions]
        candidates = [d for d, gap in gaps.items() if gap > 0]
        if not candidates:
            return False
        best = max(candidates, key=lambda d: (gaps[d], -order.index(d)))
        self.take(min((f for f in open_fits if f.action.dimension == best), key=self._rank))
        return True

    def take(self, fit: _Fit, blocker: Blocker | None = None) -> None:
        """Turn a fit into a recommendation (skipping actions already picked)."""
        if fit.action.id in self.used:
            return
        self.used.add(fit.action.id)
        self.covered.update(fit.question_ids)
        self.per_dimension[fit.action.dimension] += 1
        self.picked.append(self._recommendation(fit, blocker))

    def _rank(self, fit: _Fit, prefer: Collection[str] = ()) -> tuple[int, int, int, int]:
        return (
            0 if set(fit.question_ids) & set(prefer) else 1,
            0 if set(fit.question_ids) - self.covered else 1,
            fit.level,
            fit.order,
        )

    def _recommendation(self, fit: _Fit, blocker: Blocker | None) -> Recommendation:
        action = fit.action
        dimension = self.survey.dimension(action.dimension)
        if blocker is not None:
            next_phase = PHASES[min(blocker.cap + 1, len(PHASES) - 1)]
            reason = f"This blocks the move to {next_phase}"
            question_ids = tuple(dict.fromkeys((*blocker.question_ids, *fit.question_ids)))
        else:
            reason = self._gap_reason(action.dimension)
            question_ids = fit.question_ids
        answers = "; ".join(
            answer_text(self.survey, q, self.placement.levels[q]) for q in question_ids[:2]
        )
        why = f"{reason}. You answered {answers}." if answers else f"{reason}."
        return Recommendation(
            action_id=action.id,
            title=action.title,
            why=why.lstrip(". "),
            mistake=action.addresses,
            dimension=dimension.name,
            source=action.source.label,
            source_path=action.source.document,
            ask=action.ask,
            blocker=blocker is not None,
        )

    def _gap_reason(self, dimension_id: str) -> str:
        name = self.survey.dimension(dimension_id).name
        scores = self.placement.dimension_scores
        score = scores[dimension_id]
        if score >= 100:
            return f"{name} is at the top level; this keeps it there as you grow"
        lowest = [d for d, s in scores.items() if s == min(scores.values())]
        note = ""
        if dimension_id in lowest and len(lowest) == 1:
            note = " (your lowest area)"
        elif dimension_id in lowest and len(lowest) < len(scores):
            note = " (one of your lowest areas)"
        return f"{name} scores {score:.0f}/100{note}"
