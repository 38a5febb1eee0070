"""The assessment's content as typed data: dimensions, questions and the action library.

Everything here is read from ``knowledge/assessment/*.yaml``; adding a question or an
action is a data change. A broken file raises ``SurveyError`` naming the file and the
field, e.g. ``questions.yaml: questions[3].options: expected 5 options, got 4``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from bot.assessment._fields import Fields, SurveyError
from knowledge import ASSESSMENT_DIR, KNOWLEDGE_ROOT

__all__ = [
    "KNOWN_ROLES",
    "LEVELS",
    "MIN_DIMENSIONS",
    "MIN_QUESTIONS",
    "Dimension",
    "LibraryAction",
    "Mode",
    "Question",
    "SourceRef",
    "Survey",
    "SurveyError",
    "document_title",
    "load_actions",
    "load_assessment",
    "load_survey",
]

LEVELS = 5
"""Options per question; option index 0 is level 1 (least mature), index 4 is level 5."""
MIN_QUESTIONS = 14
MIN_DIMENSIONS = 6
KNOWN_ROLES = frozenset(
    {
        "gate_portfolio",
        "monitoring",
        "governance_inventory",
        "governance_controls",
        "mlops_training",
        "mlops_release",
        "operating_model",
    }
)
Mode = Literal["quick", "full"]
MODES: tuple[Mode, ...] = ("quick", "full")


@dataclass(frozen=True)
class Dimension:
    """One area of maturity, e.g. Data or Governance & risk."""

    id: str
    name: str
    description: str
    group: Literal["organisation", "technology"]
    weights: tuple[float, float, float] = (1.0, 1.0, 1.0)  # per phase index
    scale_gate: bool = False  # Scale needs this dimension at level 3 or more


@dataclass(frozen=True)
class Question:
    """One question with five options, ordered least to most mature."""

    id: str
    dimension: str
    text: str
    options: tuple[str, ...]
    quick: bool = False
    roles: frozenset[str] = frozenset()
    blocker: str = ""  # the problem in plain words when this question holds a phase back


@dataclass(frozen=True)
class Survey:
    """The question bank: dimensions and questions in the order they are asked."""

    dimensions: tuple[Dimension, ...]
    questions: tuple[Question, ...]
    default_mode: Mode = "full"  # a scale check started without a mode

    def dimension(self, dimension_id: str) -> Dimension:
        """The dimension with this id (KeyError if unknown)."""
        for dimension in self.dimensions:
            if dimension.id == dimension_id:
                return dimension
        raise KeyError(dimension_id)

    def question(self, question_id: str) -> Question:
        """The question with this id (KeyError if unknown)."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def has_question(self, question_id: str) -> bool:
        """Whether a question with this id exists."""
        return any(q.id == question_id for q in self.questions)

    def question_ids(self, mode: Mode) -> tuple[str, ...]:
        """The ids asked in a run of this mode, in order."""
        return tuple(q.id for q in self.questions if mode == "full" or q.quick)

    def questions_in(self, dimension_id: str) -> tuple[Question, ...]:
        """The questions of one dimension, in survey order."""
        return tuple(q for q in self.questions if q.dimension == dimension_id)

    def with_role(self, role: str) -> tuple[Question, ...]:
        """The questions tagged with a scoring role."""
        return tuple(q for q in self.questions if role in q.roles)


@dataclass(frozen=True)
class SourceRef:
    """Where an action is explained: a guidance document and one of its sections."""

    document: str  # relative to the knowledge root, e.g. "guidance/operating-models.md"
    section: str
    title: str  # the document's title from its front matter (or its file name)

    @property
    def label(self) -> str:
        """``"Document title > Section"``."""
        return f"{self.title} > {self.section}"


@dataclass(frozen=True)
class LibraryAction:
    """One recommendable action from the action library."""

    id: str
    title: str
    dimension: str
    levels: frozenset[int]
    addresses: str
    kind: Literal["organisational", "technical"]
    detail: str
    source: SourceRef
    ask: str
    targets: tuple[str, ...] = ()


def load_survey(path: Path | None = None) -> Survey:
    """Load and validate the question bank.

    Args:
        path: The questions file; defaults to ``knowledge/assessment/questions.yaml``.

    Returns:
        The validated survey.

    Raises:
        SurveyError: The file is missing, is not YAML, or a field is invalid.

    """
    path = path or ASSESSMENT_DIR / "questions.yaml"
    root = Fields(_read_yaml(path), path.name)
    dimensions = tuple(_dimension(f) for f in root.items("dimensions"))
    _unique(root.at("dimensions"), [d.id for d in dimensions])
    known = {d.id for d in dimensions}
    questions = tuple(_question(f, known) for f in root.items("questions"))
    _unique(root.at("questions"), [q.id for q in questions])
    _check_coverage(root, dimensions, questions)
    default_mode: Mode = "quick" if root.choice("default_mode", MODES) == "quick" else "full"
    return Survey(dimensions, questions, default_mode)


def load_actions(
    survey: Survey, path: Path | None = None, knowledge_root: Path = KNOWLEDGE_ROOT
) -> tuple[LibraryAction, ...]:
    """Load and validate the action library against a survey.

    Args:
        survey: The question bank the actions refer to.
        path: The actions file; defaults to ``knowledge/assessment/actions.yaml``.
        knowledge_root: Where the guidance documents named in ``source`` live.

    Returns:
        The actions in file order (which is their priority order within a dimension).

    Raises:
        SurveyError: The file is missing, is not YAML, or a field is invalid.

    """
    path = path or ASSESSMENT_DIR / "actions.yaml"
    root = Fields(_read_yaml(path), path.name)
    actions = tuple(_action(f, survey, knowledge_root) for f in root.items("actions"))
    _unique(root.at("actions"), [a.id for a in actions])
    return actions


def load_assessment(
    directory: Path = ASSESSMENT_DIR, knowledge_root: Path = KNOWLEDGE_ROOT
) -> tuple[Survey, tuple[LibraryAction, ...]]:
    """Load ``questions.yaml`` and ``actions.yaml`` from one folder.

    Args:
        directory: The folder holding both files.
        knowledge_root: Where the guidance documents named by actions live.

    Returns:
        The survey and the action library.

    """
    survey = load_survey(directory / "questions.yaml")
    return survey, load_actions(survey, directory / "actions.yaml", knowledge_root)


def document_title(path: Path) -> str:
    """The ``title`` from a Markdown file's front matter, or the file name without it.

    Args:
        path: The Markdown document.

    Returns:
        The title, or the file name when the file or its title is missing.

    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return path.name
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            try:
                meta = yaml.safe_load(text[3:end])
            except yaml.YAMLError:
                meta = None
            if isinstance(meta, dict) and isinstance(meta.get("title"), str):
                return str(meta["title"]).strip()
    return path.name


def _read_yaml(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SurveyError(f"{path.name}: cannot read the file ({exc.strerror})") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SurveyError(f"{path.name}: not valid YAML ({exc})") from exc


def _dimension(f: Fields) -> Dimension:
    group = f.choice("group", ("organisation", "technology"))
    weights = f.numbers("weights", default=(1.0, 1.0, 1.0), length=3)
    return Dimension(
        id=f.text("id"),
        name=f.text("name"),
        description=f.text("description"),
        group="organisation" if group == "organisation" else "technology",
        weights=(weights[0], weights[1], weights[2]),
        scale_gate=f.flag("scale_gate"),
    )


def _question(f: Fields, dimensions: set[str]) -> Question:
    options = f.texts("options")
    if len(options) != LEVELS:
        raise f.error("options", f"expected {LEVELS} options, got {len(options)}")
    roles = f.texts("roles", required=False)
    unknown = sorted(set(roles) - KNOWN_ROLES)
    if unknown:
        raise f.error("roles", f"unknown role {unknown[0]!r}; known: {sorted(KNOWN_ROLES)}")
    return Question(
        id=f.text("id"),
        dimension=f.known("dimension", dimensions),
        text=f.text("text"),
        options=options,
        quick=f.flag("quick"),
        roles=frozenset(roles),
        blocker=f.text("blocker", required=False),
    )


def _action(f: Fields, survey: Survey, knowledge_root: Path) -> LibraryAction:
    dimension = f.known("dimension", {d.id for d in survey.dimensions})
    levels = f.integers("levels")
    if not levels:
        raise f.error("levels", "expected at least one level")
    bad = [level for level in levels if not 1 <= level <= LEVELS]
    if bad:
        raise f.error("levels", f"level {bad[0]} is outside 1..{LEVELS}")
    targets = f.texts("targets", required=False)
    for target in targets:
        if not survey.has_question(target):
            raise f.error("targets", f"unknown question {target!r}")
        if survey.question(target).dimension != dimension:
            raise f.error("targets", f"question {target!r} is not in dimension {dimension!r}")
    kind = f.choice("kind", ("organisational", "technical"))
    source = f.sub("source")
    document = source.text("document")
    return LibraryAction(
        id=f.text("id"),
        title=f.text("title"),
        dimension=dimension,
        levels=frozenset(levels),
        addresses=f.text("addresses"),
        kind="organisational" if kind == "organisational" else "technical",
        detail=f.text("detail"),
        source=SourceRef(
            document=document,
            section=source.text("section"),
            title=document_title(knowledge_root / document),
        ),
        ask=f.text("ask"),
        targets=targets,
    )


def _unique(where: Fields, ids: Sequence[str]) -> None:
    seen: set[str] = set()
    for index, item_id in enumerate(ids):
        if item_id in seen:
            raise SurveyError(f"{where.file}: {where.path}[{index}].id: duplicate id {item_id!r}")
        seen.add(item_id)


def _check_coverage(
    root: Fields, dimensions: Sequence[Dimension], questions: Sequence[Question]
) -> None:
    if len(questions) < MIN_QUESTIONS:
        raise root.error(
            "questions", f"expected at least {MIN_QUESTIONS} questions, got {len(questions)}"
        )
    used = {q.dimension for q in questions}
    if len(used) < MIN_DIMENSIONS:
        raise root.error(
            "questions",
            f"expected questions over at least {MIN_DIMENSIONS} dimensions, got {len(used)}",
        )
    quick: Mapping[str, list[str]] = {d.id: [] for d in dimensions}
    for q in questions:
        if q.quick:
            quick[q.dimension].append(q.id)
    for d in dimensions:
        if len(quick[d.id]) != 1:
            found = ", ".join(quick[d.id]) or "none"
            raise root.error(
                "questions",
                f"dimension {d.id!r} needs exactly one quick question, found {found}",
            )
