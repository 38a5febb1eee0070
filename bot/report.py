"""The usage report: what the advisor was asked and how it did, per workspace and period.

``build_report`` is a pure function of the stored answers, votes and assessment
results; ``report_from_store`` reads them from a ``StateStore``; ``format_text``
prints the report for a terminal and ``bot.report_html`` writes it as a page with
charts. Uncovered questions are counted by their normalised text, so the same
gap asked five ways with different capitals or a trailing "?" counts five times.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from bot.assessment.scoring import PHASES
from bot.assessment.survey import Survey
from bot.gaps import GapGroup, knowledge_gaps, normalise_question
from bot.ports import StateStore, StoredResult

__all__ = [
    "DimensionSummary",
    "Period",
    "UsageReport",
    "WorkspaceRow",
    "build_report",
    "format_text",
    "normalise_question",
    "percent",
    "report_from_store",
]

TOP_UNCOVERED = 10
MAX_GAP_GROUPS = 20


@dataclass(frozen=True)
class Period:
    """Whole UTC days from ``since`` to ``until``, both included; None leaves that end open."""

    since: date | None = None
    until: date | None = None

    def contains(self, when: datetime | None) -> bool:
        """Whether a moment falls in the period (an unknown moment only in an open one)."""
        if when is None:
            return self.since is None and self.until is None
        day = when.astimezone(UTC).date()
        return (self.since is None or day >= self.since) and (
            self.until is None or day <= self.until
        )

    def describe(self) -> str:
        """``"2025-01-01 to 2025-01-31"``, ``"from 2025-01-01"``, ``"all time"``..."""
        if self.since and self.until:
            return f"{self.since.isoformat()} to {self.until.isoformat()}"
        if self.since:
            return f"from {self.since.isoformat()}"
        if self.until:
            return f"until {self.until.isoformat()}"
        return "all time"


@dataclass(frozen=True)
class DimensionSummary:
    """One dimension across teams: its mean score and how many teams have it weakest."""

    dimension_id: str
    name: str
    mean_score: float
    weakest_in: int  # teams whose lowest-scoring dimension this is (ties count for each)


@dataclass(frozen=True)
class WorkspaceRow:
    """One workspace's figures in the period."""

    platform: str
    workspace: str
    questions: int = 0
    not_covered: int = 0
    feedback_up: int = 0
    feedback_down: int = 0
    assessments: int = 0


@dataclass(frozen=True)
class UsageReport:
    """Everything the report says, for one workspace (or all) and one period."""

    workspace: str | None
    period: Period
    questions: int
    not_covered: int
    top_uncovered: tuple[tuple[str, int], ...]
    feedback_up: int
    feedback_down: int
    assessments: int  # completed in the period, retakes included
    teams: int  # distinct users with a completed assessment in the period
    phases: tuple[tuple[str, int], ...]  # every phase, in order: teams whose latest result is in it
    dimensions: tuple[DimensionSummary, ...]  # weakest (lowest mean) first
    per_workspace: tuple[WorkspaceRow, ...]
    daily: tuple[tuple[date, int, int], ...] = field(default=())  # day, covered, not covered
    gaps: tuple[GapGroup, ...] = field(default=())  # alike uncovered / voted-down questions

    @property
    def not_covered_share(self) -> float | None:
        """Not-covered answers as a share of questions (None without questions)."""
        return self.not_covered / self.questions if self.questions else None

    @property
    def helpful_share(self) -> float | None:
        """Up votes as a share of all votes (None without votes)."""
        votes = self.feedback_up + self.feedback_down
        return self.feedback_up / votes if votes else None


def parse_moment(value: object) -> datetime | None:
    """A stored timestamp (ISO text or a datetime; naive means UTC) as an aware datetime."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _in_scope(row: Mapping[str, Any], workspace: str | None, period: Period, when: str) -> bool:
    return _within(str(row.get("workspace", "")), row.get(when), workspace, period)


def _within(row_workspace: str, moment: object, workspace: str | None, period: Period) -> bool:
    if workspace is not None and row_workspace != workspace:
        return False
    return period.contains(parse_moment(moment))


def _where(row: Mapping[str, Any]) -> tuple[str, str]:
    return (str(row.get("platform", "")), str(row.get("workspace", "")))


def _latest_per_team(results: Iterable[StoredResult]) -> list[StoredResult]:
    """Each team's (user's) most recent result; retakes must not outvote other teams."""
    latest: dict[tuple[str, str, str], tuple[datetime, StoredResult]] = {}
    oldest = datetime.min.replace(tzinfo=UTC)
    for result in results:
        team = result.user_key
        when = parse_moment(result.completed_at) or oldest
        if team not in latest or when >= latest[team][0]:
            latest[team] = (when, result)
    return [result for _, result in latest.values()]


def _summarise_dimensions(
    teams: list[StoredResult], names: Mapping[str, str]
) -> tuple[DimensionSummary, ...]:
    totals: dict[str, list[float]] = {}
    weakest: Counter[str] = Counter()
    for result in teams:
        scores = result.dimensions
        if not scores:
            continue
        for dimension, score in scores.items():
            totals.setdefault(dimension, []).append(score)
        lowest = min(scores.values())
        weakest.update(d for d, s in scores.items() if s == lowest)
    summaries = [
        DimensionSummary(d, names.get(d, d), round(sum(s) / len(s), 1), weakest[d])
        for d, s in totals.items()
    ]
    return tuple(sorted(summaries, key=lambda s: (s.mean_score, -s.weakest_in, s.name)))


def build_report(
    answers: Iterable[Mapping[str, Any]],
    feedback: Iterable[Mapping[str, Any]],
    results: Iterable[StoredResult],
    dimension_names: Mapping[str, str],
    workspace: str | None = None,
    period: Period | None = None,
    top: int = TOP_UNCOVERED,
) -> UsageReport:
    """Work out the report's figures from stored rows.

    Args:
        answers: ``StateStore.answers()`` rows (question, covered, created_at, ...).
        feedback: ``StateStore.feedback()`` rows (vote, created_at, ...).
        results: ``StateStore.all_results()``.
        dimension_names: Dimension id -> display name.
        workspace: Only this workspace (Slack team id, Teams tenant id, ``local``).
        period: Only these days; all time by default.
        top: How many of the most frequent uncovered questions to list.

    Returns:
        The report.

    """
    period = period or Period()
    asked = [
        a
        for a in answers
        if str(a.get("question", "")).strip() and _in_scope(a, workspace, period, "created_at")
    ]
    votes = [f for f in feedback if _in_scope(f, workspace, period, "created_at")]
    completed = [r for r in results if _within(r.workspace, r.completed_at, workspace, period)]
    uncovered = [a for a in asked if not a.get("covered")]
    teams = _latest_per_team(completed)
    phase_counts = Counter(r.phase for r in teams)
    return UsageReport(
        workspace=workspace,
        period=period,
        questions=len(asked),
        not_covered=len(uncovered),
        top_uncovered=tuple(
            Counter(normalise_question(str(a["question"])) for a in uncovered).most_common(top)
        ),
        feedback_up=sum(1 for f in votes if f.get("vote") == "up"),
        feedback_down=sum(1 for f in votes if f.get("vote") == "down"),
        assessments=len(completed),
        teams=len(teams),
        phases=tuple((phase, phase_counts[phase]) for phase in PHASES),
        dimensions=_summarise_dimensions(teams, dimension_names),
        per_workspace=_per_workspace(asked, votes, completed),
        daily=_daily(asked),
        gaps=knowledge_gaps(uncovered, [f for f in votes if f.get("vote") == "down"]),
    )


def _per_workspace(
    asked: list[Mapping[str, Any]],
    votes: list[Mapping[str, Any]],
    completed: list[StoredResult],
) -> tuple[WorkspaceRow, ...]:
    counts: dict[tuple[str, str], Counter[str]] = {}
    for row in asked:
        tally = counts.setdefault(_where(row), Counter())
        tally["questions"] += 1
        tally["not_covered"] += 0 if row.get("covered") else 1
    for row in votes:
        counts.setdefault(_where(row), Counter())[f"feedback_{row.get('vote')}"] += 1
    for result in completed:
        counts.setdefault(result.user_key[:2], Counter())["assessments"] += 1
    return tuple(
        WorkspaceRow(
            platform,
            workspace,
            questions=tally["questions"],
            not_covered=tally["not_covered"],
            feedback_up=tally["feedback_up"],
            feedback_down=tally["feedback_down"],
            assessments=tally["assessments"],
        )
        for (platform, workspace), tally in sorted(counts.items())
    )


def _daily(asked: list[Mapping[str, Any]]) -> tuple[tuple[date, int, int], ...]:
    covered: Counter[date] = Counter()
    missed: Counter[date] = Counter()
    for row in asked:
        moment = parse_moment(row.get("created_at"))
        if moment is not None:
            day = moment.astimezone(UTC).date()
            (covered if row.get("covered") else missed)[day] += 1
    return tuple((day, covered[day], missed[day]) for day in sorted(covered.keys() | missed))


def report_from_store(
    store: StateStore,
    survey: Survey,
    workspace: str | None = None,
    period: Period | None = None,
    top: int = TOP_UNCOVERED,
) -> UsageReport:
    """``build_report`` over everything a state store holds."""
    names = {d.id: d.name for d in survey.dimensions}
    return build_report(
        store.answers(), store.feedback(), store.all_results(), names, workspace, period, top
    )


# --- text ------------------------------------------------------------------------------------


def percent(share: float | None) -> str:
    """A share as ``"12.5%"``, or ``"n/a"`` when there was nothing to divide."""
    return "n/a" if share is None else f"{share:.1%}"


def format_text(report: UsageReport, width: int = 100) -> str:
    """The report as plain text for a terminal."""
    scope = report.workspace if report.workspace is not None else "all workspaces"
    lines = [
        "Scaling Advisor usage report",
        f"Workspace: {scope} | Period: {report.period.describe()} (UTC)",
        "",
        f"Questions asked        {report.questions}",
        f"Not covered            {report.not_covered} ({percent(report.not_covered_share)})",
        f"Feedback               {report.feedback_up} up, {report.feedback_down} down "
        f"({percent(report.helpful_share)} helpful)",
        f"Assessments completed  {report.assessments} by {report.teams} "
        f"team{'s' if report.teams != 1 else ''}",
    ]
    if report.top_uncovered:
        lines += ["", "Most frequent uncovered questions (the knowledge base's gaps):"]
        lines += [
            f"  {count:>4}  {_clip(question, width - 8)}"
            for question, count in report.top_uncovered
        ]
    if report.gaps:
        lines += ["", "Knowledge gaps, alike questions grouped (what to write next):"]
        for gap in report.gaps[:MAX_GAP_GROUPS]:
            (top, _), *others = gap.questions
            also = f"  (also: {'; '.join(q for q, _ in others[:3])})" if others else ""
            lines.append(
                f"  {gap.count:>4}x  {gap.kind:<12} {gap.platform}/{gap.workspace:<14} "
                f"{_clip(top + also, width - 40)}"
            )
    if report.teams:
        lines += ["", "Phases (each team's latest result):"]
        lines += [f"  {phase:<30} {count:>4}" for phase, count in report.phases]
    if report.dimensions:
        lines += ["", "Dimensions, weakest first (mean score 0-100 | teams where it is weakest):"]
        lines += [
            f"  {_clip(d.name, 40):<40} {d.mean_score:>5.1f} | {d.weakest_in}"
            for d in report.dimensions
        ]
    if report.per_workspace:
        lines += [
            "",
            "By workspace:",
            f"  {'platform':<10} {'workspace':<24} {'questions':>9} {'not covered':>11} "
            f"{'up':>4} {'down':>4} {'assessments':>11}",
        ]
        lines += [
            f"  {row.platform:<10} {_clip(row.workspace, 24):<24} {row.questions:>9} "
            f"{row.not_covered:>11} {row.feedback_up:>4} {row.feedback_down:>4} "
            f"{row.assessments:>11}"
            for row in report.per_workspace
        ]
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "\u2026"
