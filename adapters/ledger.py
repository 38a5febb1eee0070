"""Exactly once, across replicas and crashes: the event ledger in the state store.

Slack and Teams both use it (Slack events, slash commands and clicks; Teams
activities). The rules:

- An acknowledged Slack event is stored (``store``) before its acknowledgement, so
  a crash after the 200 loses nothing: recovery replays what nobody answered.
- Processing an event starts with a claim: a row with an owner (this claim's own
  token) and a lease, taken as the event is stored (``store``), or by ``claim``
  for what was not stored (commands, clicks, Teams activities, replays). While
  the work runs the lease is renewed; when the reply has been sent the claim is
  marked done. A retry or replay finds a done
  event, or one held by a live claim, and is dropped; one whose lease ran out (its
  owner died, or hung) is taken over and processed.
- A claim is ``current`` while its delivery is dispatched (a context variable), so
  the jobs started for it (``adopt``) keep it open, and further keys claimed for
  the same message (``first_time``) join it. It is settled when the dispatch and
  every adopted job have ended: done, or given up for another try if a job was
  cancelled (shutdown), so the next start or another replica answers instead.

Every store call runs on the ledger's own thread, rather than the default executor,
so a claim never queues behind answers being composed there.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from bot.ports import EventStore, Lease

__all__ = ["DEFAULT_LEASE_SECONDS", "Claim", "EventLedger", "current_claim"]

log = logging.getLogger("scale_advisor.ledger")

DEFAULT_LEASE_SECONDS = 60.0
"""How long a claim holds without renewal; a dead owner's events wait this long."""

RENEWALS_PER_LEASE = 3  # renewed three times per lease: two may fail before it lapses
PENDING_BATCH = 100

T = TypeVar("T")

_current: ContextVar[Claim | None] = ContextVar("scale_advisor_claim", default=None)


def current_claim() -> Claim | None:
    """The claim whose delivery is being dispatched in this context, if any."""
    return _current.get()


class Claim:
    """One delivery's hold on its ledger keys, renewed until it is settled."""

    def __init__(self, ledger: EventLedger, owner: str, key: str) -> None:
        self.owner = owner
        self.keys = [key]
        # A later key was held elsewhere: the message is answered under another delivery.
        self.duplicate = False
        self._ledger = ledger
        self._holds = 0
        self._given_up = False
        self._settled = False
        self._jobs: set[asyncio.Future[Any]] = set()
        self._renewal = asyncio.get_running_loop().create_task(self._renew(), name=f"lease {key}")

    @contextmanager
    def current(self) -> Iterator[Claim]:
        """Make this the current claim while its delivery is dispatched; settle it after."""
        token = _current.set(self)
        self._holds += 1
        try:
            yield self
        finally:
            _current.reset(token)
            self._release()

    def adopt(self, job: asyncio.Future[Any]) -> None:
        """Keep the claim open until ``job`` (work for this delivery) has ended."""
        self._holds += 1
        self._jobs.add(job)
        job.add_done_callback(self._job_ended)

    def settle_undispatched(self, done: bool) -> None:
        """Settle a claim whose delivery is not dispatched.

        ``done`` when there is nothing to answer (its message is answered under another
        delivery); otherwise it is given up, for the next start or another replica.
        """
        self._given_up = not done
        self._holds += 1
        self._release()

    def _job_ended(self, job: asyncio.Future[Any]) -> None:
        self._jobs.discard(job)
        if job.cancelled():
            self._given_up = True  # not answered: another try should answer it
        self._release()

    def _release(self) -> None:
        self._holds -= 1
        if self._holds <= 0 and not self._settled:
            self._settled = True
            self._renewal.cancel()
            self._ledger.settle(self, done=not self._given_up)

    async def _renew(self) -> None:
        interval = self._ledger.lease_seconds / RENEWALS_PER_LEASE
        while True:
            await asyncio.sleep(interval)
            try:
                held = await self._ledger.renew(self)
            except Exception as error:  # the store is down: the lease may still hold
                log.warning("ledger: lease renewal failed: %s", type(error).__name__)
                continue
            if held < len(self.keys):
                # Another replica took over (this one stalled past the lease): stop, so
                # the event is not answered twice.
                log.warning("ledger: lost the claim on %s; its work is stopped", self.keys)
                for job in list(self._jobs):
                    job.cancel()
                return


class EventLedger:
    """Stores, claims and settles events in the state store, from async code."""

    def __init__(
        self,
        store: EventStore,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Keep the ledger in ``store``; claims last ``lease_seconds`` without renewal."""
        self._store = store
        self.lease_seconds = lease_seconds
        self._clock = clock
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="event-ledger")
        # A claim's owner: this process (host and pid, for whoever reads the table) and
        # a number of its own, so two claims in one process never pass for each other.
        self._process = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._numbers = itertools.count(1)
        self._settling: set[asyncio.Task[None]] = set()

    async def store(self, key: str, *more: str, body: str) -> Claim | None:
        """Keep an acknowledged event's body and claim it here, in one write.

        ``more`` are further keys of the same delivery (the message it carries),
        claimed after ``key``; if one is held elsewhere the claim is ``duplicate``.
        Returns None when the event is answered already or held
        by a live claim (a retry while it is answered): nothing is left to do.

        Raises:
            Exception: Whatever the store raises: then the event must not be acknowledged.

        """
        return await self._claim([key, *more], body)

    async def claim(self, key: str, *more: str) -> Claim | None:
        """Start a delivery of ``key`` (and ``more``): its claim; None if done or held."""
        return await self._claim([key, *more], None)

    async def first_time(self, *keys: str) -> bool:
        """Claim the keys in order; True only if no live or finished claim holds any of them.

        The claim stops at the first key already held, in one write. Recording the
        later keys anyway would let two claimants both lose: replica A records an
        event id and replica B, holding its retry, then finds the id taken but goes on
        to record the message key before A gets to it, so A finds that one taken, and
        nobody answers. Stopping at the first key taken, with every delivery taking its
        keys in the same order, leaves exactly one winner, as lock ordering does.

        Keys join the current claim (they are settled with it); keys it holds already
        are skipped. Outside any delivery the keys are recorded as done at once.
        """
        claim = current_claim()
        owner = claim.owner if claim else f"{self._process}:{next(self._numbers)}"
        held = claim.keys if claim else []
        wanted = [key for key in keys if key and key not in held]
        count = await self._claim_in_order(wanted, owner, None)
        claimed, taken = wanted[:count], wanted[count:]
        if claim is not None:
            claim.keys.extend(claimed)
        elif claimed:
            await self._run(self._store.finish_events, claimed, owner, True)
        if taken:
            log.info("ledger: %s was already claimed, here or by another replica", taken[0])
        return not taken

    async def pending(self, prefix: str) -> list[tuple[str, str]]:
        """Stored events starting with ``prefix`` that nobody answered or holds now."""
        now = self._clock()
        return await self._run(self._store.pending_events, prefix, now, PENDING_BATCH)

    async def renew(self, claim: Claim) -> int:
        """Extend a claim's leases; how many of its keys it still holds."""
        lease = Lease(claim.owner, self.lease_seconds, self._clock())
        return await self._run(self._store.renew_events, list(claim.keys), lease)

    def settle(self, claim: Claim, done: bool) -> None:
        """Mark a claim done, or give it up (``done=False``), in the background."""
        task = asyncio.get_running_loop().create_task(self._settle(claim, done))
        self._settling.add(task)
        task.add_done_callback(self._settling.discard)

    async def aclose(self) -> None:
        """Finish settling claims, then stop the ledger's thread."""
        if self._settling:
            await asyncio.gather(*self._settling, return_exceptions=True)
        self.close()

    def close(self) -> None:
        """Stop the ledger's thread."""
        self._executor.shutdown(wait=True)

    async def _settle(self, claim: Claim, done: bool) -> None:
        try:
            await self._run(self._store.finish_events, list(claim.keys), claim.owner, done)
        except Exception as error:
            # Not fatal: the lease lapses and the event is taken over (answered again
            # only if it was not answered; a done mark lost here may repeat a reply).
            log.error("ledger: could not settle %s: %s", claim.keys, type(error).__name__)

    async def _claim(self, keys: list[str], body: str | None) -> Claim | None:
        owner = f"{self._process}:{next(self._numbers)}"
        count = await self._claim_in_order(keys, owner, body)
        if count == 0:
            log.info("ledger: %s is answered or being answered, here or elsewhere", keys[0])
            return None
        claim = Claim(self, owner, keys[0])
        claim.keys.extend(keys[1:count])
        claim.duplicate = count < len(keys)
        return claim

    async def _claim_in_order(self, keys: list[str], owner: str, body: str | None) -> int:
        """How many of ``keys`` were claimed, in order, up to the first one held elsewhere."""
        if not keys:
            return 0
        lease = Lease(owner, self.lease_seconds, self._clock())
        return await self._run(self._store.claim_events, keys, lease, body)

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, function, *args)
