from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.storage.sql import MAX_TURNS_PER_THREAD, MIGRATIONS, SqlStateStore
from adapters.storage.sqlite import SqliteStateStore
from bot.ports import Lease, StateStore, StoredResult, Vote

ALICE = ("slack", "T1", "U1")
BOB = ("teams", "tenant", "29:bob")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStateStore]:
    with SqliteStateStore(tmp_path / "state.sqlite3") as opened:
        yield opened


def test_is_a_state_store(store: SqliteStateStore) -> None:
    port: StateStore = store
    assert port.load_progress(ALICE) is None


def test_uses_wal_and_records_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "state.sqlite3"
    with SqliteStateStore(path) as store:
        assert store.schema_version() == MIGRATIONS[-1][0]
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        versions = [r[0] for r in db.execute("SELECT version FROM schema_version")]
    finally:
        db.close()
    assert {"schema_version", "progress", "results", "feedback", "events", "turns"} <= tables
    assert versions == [v for v, _ in MIGRATIONS]


def test_migrations_are_idempotent_and_keep_data(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with SqliteStateStore(path) as first:
        first.save_progress(ALICE, {"position": 3})
    for _ in range(2):
        with SqliteStateStore(path) as again:
            assert again.schema_version() == MIGRATIONS[-1][0]
            assert again.load_progress(ALICE) == {"position": 3}
    db = sqlite3.connect(path)
    try:
        count = db.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0]
    finally:
        db.close()
    assert count == len(MIGRATIONS)


def test_progress_roundtrip_replace_and_clear(store: SqliteStateStore) -> None:
    state = {"assessment_id": "a1", "answers": {"q1": 2}, "position": 1}
    store.save_progress(ALICE, state)
    assert store.load_progress(ALICE) == state
    assert store.load_progress(BOB) is None
    store.save_progress(ALICE, {**state, "position": 2})
    assert store.load_progress(ALICE) == {**state, "position": 2}
    store.clear_progress(ALICE)
    assert store.load_progress(ALICE) is None


def test_progress_is_keyed_by_platform_workspace_and_user(store: SqliteStateStore) -> None:
    store.save_progress(("slack", "T1", "U1"), {"n": 1})
    store.save_progress(("slack", "T2", "U1"), {"n": 2})
    store.save_progress(("teams", "T1", "U1"), {"n": 3})
    assert store.load_progress(("slack", "T1", "U1")) == {"n": 1}
    assert store.load_progress(("slack", "T2", "U1")) == {"n": 2}
    assert store.load_progress(("teams", "T1", "U1")) == {"n": 3}


def test_results_history_latest_and_all(store: SqliteStateStore) -> None:
    assert store.latest_result(ALICE) is None
    assert store.history(ALICE) == []
    first = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    jan_6, feb_1 = "2026-01-06T09:00:00+00:00", "2026-02-01T09:00:00+00:00"
    store.save_result(StoredResult.of(ALICE, "a1", "quick", first, {"phase_index": 0}))
    store.save_result(StoredResult.of(BOB, "b1", "full", jan_6, {"phase_index": 1}))
    store.save_result(StoredResult.of(ALICE, "a2", "full", feb_1, {"phase_index": 2}))
    latest = store.latest_result(ALICE)
    assert latest is not None
    assert latest.assessment_id == "a2" and latest.details["phase_index"] == 2
    assert latest.completed_at == "2026-02-01T09:00:00+00:00"
    history = store.history(ALICE)
    assert [h.assessment_id for h in history] == ["a1", "a2"]
    assert history[0].completed_at == first.isoformat()
    assert history[0].mode == "quick"
    assert [(r.user_key[2], r.assessment_id) for r in store.all_results()] == [
        ("U1", "a1"),
        ("29:bob", "b1"),
        ("U1", "a2"),
    ]


def test_saving_the_same_result_twice_keeps_one(store: SqliteStateStore) -> None:
    store.save_result(StoredResult.of(ALICE, "a1", "quick", "2026-01-01T00:00:00+00:00", {"v": 1}))
    store.save_result(StoredResult.of(ALICE, "a1", "quick", "2026-01-01T00:00:01+00:00", {"v": 2}))
    history = store.history(ALICE)
    assert len(history) == 1 and history[0].details["v"] == 2


def test_feedback_recorded_and_a_second_vote_replaces(store: SqliteStateStore) -> None:
    store.record_feedback(Vote(ALICE, "ans1", "up", "What is MLOps?", "MLOps is ..."))
    store.record_feedback(Vote(BOB, "ans1", "down", "What is MLOps?", "MLOps is ..."))
    store.record_feedback(Vote(ALICE, "ans1", "down", "What is MLOps?", "MLOps is ..."))
    rows = store.feedback()
    assert [(r["user"], r["vote"]) for r in rows] == [("U1", "down"), ("29:bob", "down")]
    assert rows[0]["question"] == "What is MLOps?" and rows[0]["answer_id"] == "ans1"
    assert rows[0]["created_at"]


def seen_first(store: SqlStateStore, event_id: str) -> bool:
    """Claim an event and mark it done at once, as the ledger does outside a delivery.

    True the first time the event is claimed, here or through any other connection.
    """
    won = store.claim_event(event_id, Lease("test-owner", 60.0, time.time()))
    if won:
        store.finish_events([event_id], "test-owner", True)
    return won


def test_an_event_claimed_and_done_is_true_only_the_first_time(store: SqliteStateStore) -> None:
    assert seen_first(store, "Ev1") is True
    assert seen_first(store, "Ev1") is False
    assert seen_first(store, "Ev2") is True
    assert seen_first(store, "Ev1") is False


def test_an_event_claimed_and_done_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with SqliteStateStore(path) as first:
        assert seen_first(first, "Ev1")
    with SqliteStateStore(path) as second:
        assert not seen_first(second, "Ev1")


def test_an_event_claimed_and_done_is_safe_under_concurrency(store: SqliteStateStore) -> None:
    results: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        seen = seen_first(store, "retry-me")
        with lock:
            results.append(seen)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 15 + [True]


def test_memory_returns_recent_turns_oldest_first(store: SqliteStateStore) -> None:
    for i in range(5):
        store.append_turn("th", "user" if i % 2 == 0 else "assistant", f"t{i}", 1000.0 + i)
    store.append_turn("other", "user", "elsewhere", 1000.0)
    turns = store.recent_turns("th", limit=3, max_age_seconds=3600, now=1010.0)
    assert turns == [("user", "t2"), ("assistant", "t3"), ("user", "t4")]
    assert store.recent_turns("nobody", 5, 3600, 1010.0) == []


def test_memory_is_bounded_per_thread(store: SqliteStateStore) -> None:
    for i in range(MAX_TURNS_PER_THREAD + 7):
        store.append_turn("th", "user", f"t{i}", float(i))
    store.append_turn("other", "user", "kept", 0.0)
    turns = store.recent_turns("th", limit=100, max_age_seconds=1e9, now=100.0)
    assert len(turns) == MAX_TURNS_PER_THREAD == 20
    assert turns[0] == ("user", "t7") and turns[-1] == ("user", "t26")
    assert store.recent_turns("other", 100, 1e9, 100.0) == [("user", "kept")]


def test_memory_expires_old_turns(store: SqliteStateStore) -> None:
    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    store.append_turn("th", "user", "old", start)
    store.append_turn("th", "user", "new", start.timestamp() + 3000)
    now = datetime(2026, 1, 1, 13, 0, 1, tzinfo=UTC)
    assert store.recent_turns("th", 10, max_age_seconds=3600, now=now) == [("user", "new")]
    assert store.recent_turns("th", 10, max_age_seconds=7200, now=now) == [
        ("user", "old"),
        ("user", "new"),
    ]


def test_in_memory_database_works(tmp_path: Path) -> None:
    with SqliteStateStore(":memory:") as store:
        store.save_progress(ALICE, {"x": 1})
        assert store.load_progress(ALICE) == {"x": 1}
