"""The Slack event ledger leaves exactly one claimant, however two replicas interleave."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from adapters.slack.dedup import EventLedger, event_key
from bot.store import SqliteStateStore

EVENT = event_key("Ev0SCALE0001")
MESSAGE = "slack-message:T0SCALE:C0SCALE:1800000001.000100"


class _Replica(SqliteStateStore):
    """One replica's view of a shared ledger, reporting each key it records."""

    def __init__(self, path: Path, before: dict[str, threading.Event]) -> None:
        super().__init__(path)
        self.recorded = {EVENT: threading.Event(), MESSAGE: threading.Event()}
        self._before = before

    def remember_event(self, event_id: str) -> bool:
        if event_id in self._before:
            self._before[event_id].wait(5)
        first = super().remember_event(event_id)
        self.recorded[event_id].set()
        return first


def test_a_retry_claimed_between_the_two_keys_still_leaves_one_winner(tmp_path: Path) -> None:
    # The CI interleaving: A records the event id; B's retry then tries it and the
    # message key; only then does A try the message key.
    path = tmp_path / "state.db"
    b_done = threading.Event()
    a = _Replica(path, {MESSAGE: b_done})
    b = _Replica(path, {EVENT: a.recorded[EVENT]})
    results: dict[str, bool] = {}

    def claim(name: str, store: _Replica) -> None:
        ledger = EventLedger(store)
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
