"""Prometheus metrics for everything the router handles, whichever channel it came from.

``AdvisorMetrics`` owns its own ``CollectorRegistry`` (never the process-wide
default), so several advisors in one process, tests included, count separately.
``observing`` surrounds the router's handling: it times each message, classifies the
outcome from the replies, logs one line per message under its request id, and
counts answers, coverage and assessments. Feedback and LLM fallbacks are counted
where they happen, through ``count_feedback`` and ``count_llm_fallback``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

from bot.logs import request_scope
from bot.messages import ActionKind, AnswerReply, Inbound, QuestionReply, Reply, ResultReply

__all__ = ["LATENCY_BUCKETS", "OUTCOMES", "AdvisorMetrics", "Handled", "outcome_of"]

log = logging.getLogger("scale_advisor.router")

NAMESPACE = "scale_advisor"  # every metric's name starts scale_advisor_

# Extractive answers take tens of milliseconds; generated ones several seconds.
LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 60.0)
OUTCOMES = (
    "answered",  # an answer from the knowledge base
    "not_covered",  # a question the knowledge base has nothing on
    "assessment",  # an assessment question was shown
    "assessment_completed",  # a result was shown
    "feedback",  # a vote on an answer
    "notice",  # help, a hint or a rejected button
    "error",  # handling raised
)


def outcome_of(inbound: Inbound, replies: Sequence[Reply]) -> str:
    """What became of one message, judged by the replies it got (one of ``OUTCOMES``)."""
    if inbound.action is not None and inbound.action.kind is ActionKind.FEEDBACK:
        return "feedback"
    for reply in replies:  # an answer given mid-assessment counts as the answer it is
        if isinstance(reply, AnswerReply):
            return "answered" if reply.covered else "not_covered"
    if any(isinstance(r, ResultReply) for r in replies):
        return "assessment_completed"
    if any(isinstance(r, QuestionReply) for r in replies):
        return "assessment"
    return "notice"


def _started_mode(inbound: Inbound, replies: Sequence[Reply]) -> str | None:
    """The mode of a run this message started, or None.

    A start is a typed ``scale-check`` or a start button answered with the first
    question; a first question after an answer (a question asked mid-assessment),
    after Back or after Restart (same run, same id) is not a new run.
    """
    if not replies or not isinstance(replies[0], QuestionReply):
        return None
    first = replies[0]
    if first.number != 1 or any(isinstance(r, AnswerReply) for r in replies):
        return None
    if inbound.action is None or inbound.action.kind is ActionKind.ASSESS_START:
        return first.mode
    return None


@dataclass
class Handled:
    """The replies one message got, filled in by the handling ``observing`` measures."""

    replies: list[Reply] = field(default_factory=list)


class AdvisorMetrics:
    """The advisor's counters and histograms, in a registry of their own."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        """Create the metrics in ``registry`` (a new one by default).

        Args:
            registry: Where to register; process and platform metrics are added to a
                new registry only, so a shared one does not get them twice.

        """
        self.registry = registry or CollectorRegistry(auto_describe=True)
        if registry is None:
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
        self.requests = self._counter(
            "requests",
            "Messages and button presses handled, by platform and outcome.",
            "platform",
            "outcome",
        )
        self.answer_latency = Histogram(
            "answer_latency_seconds",
            "Time to answer a question, from the router's view, by answer mode.",
            ("mode",),
            namespace=NAMESPACE,
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.answers = self._counter(
            "answers",
            "Answers given, by whether the knowledge base covered the question.",
            "coverage",
        )
        self.feedback = self._counter("feedback", "Votes recorded on answers.", "vote")
        self.assessments_started = self._counter(
            "assessments_started", "Scale-check runs started, by mode.", "mode"
        )
        self.assessments_completed = self._counter(
            "assessments_completed", "Scale-check runs completed (a result was shown)."
        )
        self.llm_fallbacks = self._counter(
            "llm_fallbacks",
            "Answers given extractively because the language model failed, by cause.",
            "cause",
        )
        # Known label values start at zero, so dashboards see a series before the first event.
        for coverage in ("covered", "not_covered"):
            self.answers.labels(coverage=coverage)
        for vote in ("up", "down"):
            self.feedback.labels(vote=vote)
        for mode in ("quick", "full"):
            self.assessments_started.labels(mode=mode)
        self.llm_fallbacks.labels(cause="timeout")

    def _counter(self, name: str, documentation: str, *labels: str) -> Counter:
        """A counter ``scale_advisor_<name>`` in this registry, with these label names."""
        return Counter(name, documentation, labels, namespace=NAMESPACE, registry=self.registry)

    @contextmanager
    def observing(self, inbound: Inbound) -> Iterator[Handled]:
        """Measure and log the router's handling of one message, done inside the block.

        The block puts its replies in the ``Handled`` it is given. It runs under the
        request id already in force (an HTTP request's) or a new one, so everything
        logged while handling the message carries it. A context manager rather than a
        wrapper around the handling, so the message's path gains no frame of its own.

        Args:
            inbound: The message or button press.

        Yields:
            Where the block leaves the replies.

        """
        with request_scope():
            started = time.perf_counter()
            handled = Handled()
            try:
                yield handled
            except Exception:
                self.requests.labels(platform=inbound.platform, outcome="error").inc()
                log.warning("message failed", extra=_describe(inbound, "error", started))
                raise
            replies = handled.replies
            self.record(inbound, replies, time.perf_counter() - started)
            log.info(
                "message handled",
                extra=_describe(inbound, outcome_of(inbound, replies), started, replies),
            )

    def record(self, inbound: Inbound, replies: Sequence[Reply], seconds: float) -> None:
        """Count one handled message: its outcome, answer and latency, assessment moves."""
        self.requests.labels(platform=inbound.platform, outcome=outcome_of(inbound, replies)).inc()
        for reply in replies:
            if isinstance(reply, AnswerReply) and reply.question:
                self.answers.labels(coverage="covered" if reply.covered else "not_covered").inc()
                self.answer_latency.labels(mode=reply.mode).observe(seconds)
            elif isinstance(reply, ResultReply):
                self.assessments_completed.inc()
        mode = _started_mode(inbound, replies)
        if mode is not None:
            self.assessments_started.labels(mode=mode).inc()

    def count_feedback(self, vote: str) -> None:
        """Count a recorded vote (``"up"`` or ``"down"``)."""
        self.feedback.labels(vote=vote).inc()

    def count_llm_fallback(self, cause: str) -> None:
        """Count an answer that fell back to extraction (``cause``: "timeout" or an error type).

        Matches ``GenerativeAnswerer``'s ``on_fallback`` callback.
        """
        self.llm_fallbacks.labels(cause=cause).inc()

    def exposition(self) -> tuple[bytes, str]:
        """The metrics in Prometheus' text format, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def _describe(
    inbound: Inbound, outcome: str, started: float, replies: Sequence[Reply] = ()
) -> dict[str, object]:
    """Log fields for one message: ids and sizes only, never what anyone wrote."""
    return {
        "platform": inbound.platform,
        "workspace": inbound.workspace,
        "kind": f"action:{inbound.action.kind.value}" if inbound.action else "text",
        "text_chars": len(inbound.text),
        "outcome": outcome,
        "replies": [type(r).__name__ for r in replies],
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }
