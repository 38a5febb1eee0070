"""Tasks that outlive the request that started them, kept until they end.

Both chat adapters finish some work after the platform has had its answer (Slack's
acknowledged events, Teams' late replies). The event loop keeps only weak
references to tasks, so ``Tasks`` holds each one until it is done, and at
shutdown waits a while for the ones still running and cancels the rest.
"""

from __future__ import annotations

import asyncio

__all__ = ["Tasks"]


class Tasks:
    """A set of running tasks, each dropped once it is done."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def keep(self, task: asyncio.Task[None]) -> None:
        """Hold on to ``task`` until it is done."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for the tasks, then cancel the rest.

        Returns:
            How many were cancelled (each has ended when this returns).

        """
        if not self._tasks:
            return 0
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        return len(pending)
