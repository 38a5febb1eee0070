"""The event ledger: one claimant however replicas interleave; takeover after a crash."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path

from adapters.ledger import EventLedger
from adapters.slack.dedup import event_key
from adapters.storage.sql import MAX_EVENT_ATTEMPTS
from adapters.storage.sqlite import SqliteStateStore
from bot.ports import Lease

EVENT = event_key("Ev0SCALE0001")
MESSAGE = "slack-message:T0SCALE:C0SCALE:1800000001.000100"
LEASE = 30.0


class _Replica(SqliteStateStore):
    """One replica's view of a shared ledger, reporting each claim it makes."""

    def __init__(self, path: Path, before: dict[str, threading.Event]) -> None:
        super().__init__(path)
        self.recorded = {EVENT: threading.Event(), MESSAGE: threading.Event()}
        self._before = before

    def claim_events(self, event_ids: Sequence[str], lease: Lease, body: str | None = None) -> int:
        if event_ids[0] in self._before:
            self._before[event_ids[0]].wait(5)
        claimed = super().claim_events(event_ids, lease, body)
        for event_id in event_ids:
            self.recorded[event_id].set()
        return claimed


def test_a_retry_claimed_right_after_the_first_claim_leaves_one_winner(tmp_path: Path) -> None:
    # A claims the event and its message in one write; B's retry claims the same keys
    # right after: the keys are claimed together, so B wins neither.
    path = tmp_path / "state.db"
    b_done = threading.Event()
    a = _Replica(path, {})
    b = _Replica(path, {EVENT: a.recorded[MESSAGE]})
    results: dict[str, bool] = {}

    def claim(name: str, store: _Replica) -> None:
        ledger = EventLedger(store, LEASE)
        try:
            results[name] = asyncio.run(ledger.first_time(EVENT, MESSAGE))
        finally:
            ledger.close()
            if store is b:
                b_done.set()

    threads = [
        threading.Thread(target=claim, args=("A", a)),
        threading.Thread(target=claim, args=("B", b)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    a.close()
    b.close()
    assert results == {"A": True, "B": False}


class _Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


async def _settled(ledger: EventLedger) -> None:
    await asyncio.sleep(0)
    await ledger.aclose()


def test_a_claim_whose_owner_died_is_taken_over_and_a_done_one_never(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    clock = _Clock()

    async def scenario() -> None:
        with SqliteStateStore(path) as first, SqliteStateStore(path) as second:
            dead = EventLedger(first, LEASE, clock)
            crashed = await dead.store(EVENT, body='{"event_id": "Ev0SCALE0001"}')
            assert crashed is not None  # stored and claimed; the process dies before answering
            assert await dead.store(EVENT, body="{}") is None  # Slack's retry changes nothing

            alive = EventLedger(second, LEASE, clock)
            assert await alive.claim(EVENT) is None  # still within the lease: maybe alive
            assert await alive.pending("slack-event:") == []
            clock.now += LEASE + 1
            assert await alive.pending("slack-event:") == [(EVENT, '{"event_id": "Ev0SCALE0001"}')]
            taken = await alive.claim(EVENT)
            assert taken is not None
            with taken.current():
                assert await alive.first_time(EVENT, MESSAGE)  # its own key; the message joins
            await _settled(alive)  # no job adopted it: done when the dispatch ends

            later = EventLedger(second, LEASE, clock)
            clock.now += 10 * LEASE
            assert await later.claim(EVENT) is None  # done: a replay or retry is dropped
            assert not await later.first_time(MESSAGE)
            assert await later.pending("slack-event:") == []
            later.close()
            dead.close()

    asyncio.run(scenario())


def test_a_cancelled_job_gives_the_claim_up_for_the_next_try(tmp_path: Path) -> None:
    clock = _Clock()

    async def scenario() -> None:
        with SqliteStateStore(tmp_path / "state.db") as store:
            ledger = EventLedger(store, LEASE, clock)
            claim = await ledger.claim(EVENT)
            assert claim is not None
            with claim.current():
                job = asyncio.get_running_loop().create_task(asyncio.sleep(60))
                claim.adopt(job)
            job.cancel()  # shutdown: the reply was never sent
            await asyncio.gather(job, return_exceptions=True)
            await _settled(ledger)
            again = EventLedger(store, LEASE, clock)
            assert await again.claim(EVENT) is not None  # at once, without waiting the lease
            again.close()

    asyncio.run(scenario())


def test_an_event_that_keeps_crashing_its_claimant_is_given_up(tmp_path: Path) -> None:
    with SqliteStateStore(tmp_path / "state.db") as store:
        assert store.claim_events([EVENT], Lease("owner-0", LEASE, 0.0), body="{}") == 1
        now = LEASE + 1
        for attempt in range(1, MAX_EVENT_ATTEMPTS):
            assert store.claim_event(EVENT, Lease(f"owner-{attempt}", LEASE, now)), attempt
            now += LEASE + 1
        assert not store.claim_event(EVENT, Lease("one-more", LEASE, now))
        assert store.pending_events("slack-event:", now, 10) == []
