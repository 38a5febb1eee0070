"""Work that runs after Slack has been acknowledged, tracked so shutdown can wait for it.

Slack wants an answer to every request within 3 seconds; composing an answer can
take longer. Listeners acknowledge first and hand the slow part to
``BackgroundWork``, which keeps a reference to every task (so none is collected
half-way), bounds how many run at once (so acknowledging never competes with a
pile of answers for the CPU), and lets shutdown drain what is in flight. A job
started for a delivery keeps that delivery's ledger claim open until it ends, so
the delivery is marked done only after the job has sent its replies.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from adapters.ledger import current_claim
from adapters.tasks import Tasks

log = logging.getLogger("scale_advisor.slack")

DEFAULT_CONCURRENCY = 4


class BackgroundWork:
    """Runs jobs after the acknowledgement, at most ``concurrency`` at a time."""

    def __init__(self, concurrency: int = DEFAULT_CONCURRENCY) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks = Tasks()

    @property
    def in_flight(self) -> int:
        """Jobs started or waiting for a slot."""
        return len(self._tasks)

    def spawn(self, job: Coroutine[Any, Any, None], name: str) -> None:
        """Run ``job`` in the background; its failure is logged, never raised.

        Args:
            job: The coroutine to run.
            name: What it is, for the log.

        """
        task = asyncio.get_running_loop().create_task(self._run(job, name), name=name)
        claim = current_claim()
        if claim is not None:
            claim.adopt(task)
        self._tasks.keep(task)

    async def drain(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for jobs in flight, then cancel the rest."""
        cancelled = await self._tasks.drain(timeout)
        if cancelled:
            log.warning("Slack: cancelled %d unfinished jobs at shutdown", cancelled)

    async def _run(self, job: Coroutine[Any, Any, None], name: str) -> None:
        try:
            async with self._slots:
                await job
        except asyncio.CancelledError:
            job.close()  # never started if cancelled while waiting for a slot
            raise
        except Exception:
            log.exception("Slack %s failed", name)
