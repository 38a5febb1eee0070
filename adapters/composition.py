"""The advisor assembled from settings: knowledge, state, assessment and router."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from adapters.knowledge_runtime import KnowledgeRuntime, Notify, open_knowledge, to_stderr
from adapters.storage import open_state_store
from bot.answering.generated import GenerativeAnswerer
from bot.answering.providers import build_chat_model
from bot.assessment.service import AssessmentService
from bot.assessment.survey import load_assessment
from bot.door import AdvisorDoor
from bot.etiquette import FollowUps
from bot.metrics import AdvisorMetrics
from bot.ports import AnswerLog, EventStore, StateStore
from bot.router import Router
from bot.settings import Settings


def utc_now() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


@dataclass
class Advisor:
    """Everything a channel needs: the router, and the parts behind it."""

    settings: Settings
    knowledge: KnowledgeRuntime
    store: StateStore
    assessment: AssessmentService
    router: Router
    door: AdvisorDoor

    @property
    def events(self) -> EventStore:
        """The state store's event ledger: what channels keep until it is answered."""
        return self.store

    @property
    def answer_log(self) -> AnswerLog:
        """The state store's answers: which posted message carries which answer."""
        return self.store

    def close(self) -> None:
        """Release the state store."""
        close = getattr(self.store, "close", None)
        if callable(close):
            close()


def open_advisor(settings: Settings, notify: Notify = to_stderr) -> Advisor:
    """Open the state store, the knowledge base (ingesting it if stale) and the router.

    ``notify`` receives the first-use ingest's progress lines (see ``open_knowledge``).

    Raises:
        StateStoreUnusableError: The SQLite state file is damaged or cannot be opened.
        BackendUnavailableError: A configured server cannot be reached.

    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # The store first: a damaged state file is reported at once, not after the model loads.
    store = open_state_store(settings)  # PostgreSQL with DATABASE_URL, else SQLite
    try:
        knowledge = open_knowledge(settings, auto_ingest=True, notify=notify)
        return assemble_advisor(settings, knowledge, store)
    except BaseException:
        store.close()
        raise


def assemble_advisor(settings: Settings, knowledge: KnowledgeRuntime, store: StateStore) -> Advisor:
    """The advisor over an opened knowledge base and state store.

    Builds the assessment, the LLM answerer when one is configured, and the router;
    ``open_advisor`` opens both from the settings, tests pass stores of their own.

    Raises:
        ProviderError: The LLM provider is misconfigured or its package is missing.

    """
    metrics = AdvisorMetrics()
    generator = open_generator(settings, knowledge, on_fallback=metrics.count_llm_fallback)
    survey, actions = load_assessment()
    assessment = AssessmentService(survey, actions, store, utc_now)
    router = Router(
        knowledge.answerer, assessment, store, utc_now, generator=generator, metrics=metrics
    )
    door = AdvisorDoor(
        router, assessment, FollowUps(store, utc_now), knowledge.answerer.ui.suggestions
    )
    return Advisor(settings, knowledge, store, assessment, router, door)


def open_generator(
    settings: Settings,
    knowledge: KnowledgeRuntime,
    on_fallback: Callable[[str], None] | None = None,
) -> GenerativeAnswerer | None:
    """The LLM answerer when ``LLM_PROVIDER`` names one, else None.

    Raises ``ProviderError`` when the provider is misconfigured or its package is missing.
    """
    model = build_chat_model(settings)
    if model is None:
        return None
    return GenerativeAnswerer(
        knowledge.answerer, model, settings.llm_timeout, on_fallback=on_fallback
    )
