"""One store test-suite, run against both backends: SQLite and a real PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

import adapters.storage.sql as sql_store
from adapters.storage import open_state_store
from adapters.storage.postgres import PostgresStateStore
from adapters.storage.sql import MAX_TURNS_PER_THREAD, MIGRATIONS, SqlStateStore
from adapters.storage.sqlite import SqliteStateStore
from bot.errors import BackendUnavailableError
from bot.ports import StateStore, StoredResult, Vote
from tests.conftest import make_settings
from tests.unit.test_store import seen_first

pytestmark = pytest.mark.integration

ALICE = ("slack", "T1", "U1")
BOB = ("teams", "tenant", "29:bob")
LATEST = MIGRATIONS[-1][0]


@dataclass
class Backend:
    """How to open (and reopen) one database, and to look into it behind the store's back."""

    name: str
    open: Callable[[], SqlStateStore]
    query: Callable[[str], list[tuple[Any, ...]]]


def _sqlite_backend(path: Path) -> Backend:
    def query(text: str) -> list[tuple[Any, ...]]:
        db = sqlite3.connect(path)
        try:
            return list(db.execute(text).fetchall())
        finally:
            db.close()

    return Backend("sqlite", lambda: SqliteStateStore(path), query)


def _postgres_backend(url: str) -> Backend:
    def query(text: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(url) as connection:
            return list(connection.execute(text).fetchall())

    return Backend("postgres", lambda: PostgresStateStore(url), query)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        return _sqlite_backend(tmp_path / "state.sqlite3")
    return _postgres_backend(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(backend: Backend) -> Iterator[SqlStateStore]:
    opened = backend.open()
    yield opened
    opened.close()


# --- schema and migrations --------------------------------------------------------------------


def test_is_a_state_store_at_the_latest_schema(backend: Backend, store: SqlStateStore) -> None:
    port: StateStore = store
    assert port.load_progress(ALICE) is None
    assert store.schema_version() == LATEST
    assert [row[0] for row in backend.query("SELECT version FROM schema_version")] == [
        v for v, _ in MIGRATIONS
    ]


def test_migrations_are_idempotent_and_keep_data(backend: Backend) -> None:
    with backend.open() as first:
        first.save_progress(ALICE, {"position": 3})
    for _ in range(2):
        with backend.open() as again:
            assert again.schema_version() == LATEST
            assert again.load_progress(ALICE) == {"position": 3}
    assert backend.query("SELECT COUNT(*) FROM schema_version") == [(len(MIGRATIONS),)]


def test_replicas_starting_together_migrate_once(backend: Backend) -> None:
    """Several processes opening a new database at once: one migrates, none fails."""
    start = threading.Barrier(4)
    errors: list[BaseException] = []
    opened: list[SqlStateStore] = []
    lock = threading.Lock()

    def replica() -> None:
        start.wait()
        try:
            store = backend.open()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            with lock:
                errors.append(error)
            return
        with lock:
            opened.append(store)

    threads = [threading.Thread(target=replica) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in opened:
        store.close()
    assert errors == []
    assert backend.query("SELECT COUNT(*) FROM schema_version") == [(len(MIGRATIONS),)]


# --- assessment progress and history ----------------------------------------------------------


def test_progress_roundtrip_replace_and_clear(store: SqlStateStore) -> None:
    state = {"assessment_id": "a1", "answers": {"q1": 2}, "position": 1, "note": "ünïcode ✓"}
    store.save_progress(ALICE, state)
    assert store.load_progress(ALICE) == state
    assert store.load_progress(BOB) is None
    store.save_progress(ALICE, {**state, "position": 2})
    assert store.load_progress(ALICE) == {**state, "position": 2}
    store.clear_progress(ALICE)
    assert store.load_progress(ALICE) is None


def test_progress_is_keyed_by_platform_workspace_and_user(store: SqlStateStore) -> None:
    store.save_progress(("slack", "T1", "U1"), {"n": 1})
    store.save_progress(("slack", "T2", "U1"), {"n": 2})
    store.save_progress(("teams", "T1", "U1"), {"n": 3})
    assert store.load_progress(("slack", "T1", "U1")) == {"n": 1}
    assert store.load_progress(("slack", "T2", "U1")) == {"n": 2}
    assert store.load_progress(("teams", "T1", "U1")) == {"n": 3}


def test_results_history_latest_and_all(store: SqlStateStore) -> None:
    assert store.latest_result(ALICE) is None and store.history(ALICE) == []
    first = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    jan_6, feb_1 = "2026-01-06T09:00:00+00:00", "2026-02-01T09:00:00+00:00"
    store.save_result(StoredResult.of(ALICE, "a1", "quick", first, {"phase_index": 0}))
    store.save_result(StoredResult.of(BOB, "b1", "full", jan_6, {"phase_index": 1}))
    store.save_result(StoredResult.of(ALICE, "a2", "full", feb_1, {"phase_index": 2}))
    latest = store.latest_result(ALICE)
    assert latest is not None
    assert (latest.assessment_id, latest.details["phase_index"], latest.user_key[2]) == (
        "a2",
        2,
        "U1",
    )
    history = store.history(ALICE)
    assert [h.assessment_id for h in history] == ["a1", "a2"]
    assert history[0].completed_at == first.isoformat() and history[0].mode == "quick"
    assert [(r.user_key[2], r.assessment_id) for r in store.all_results()] == [
        ("U1", "a1"),
        ("29:bob", "b1"),
        ("U1", "a2"),
    ]


def test_saving_the_same_result_twice_keeps_one(store: SqlStateStore) -> None:
    store.save_result(StoredResult.of(ALICE, "a1", "quick", "2026-01-01T00:00:00+00:00", {"v": 1}))
    store.save_result(StoredResult.of(ALICE, "a1", "quick", "2026-01-01T00:00:01+00:00", {"v": 2}))
    history = store.history(ALICE)
    assert len(history) == 1 and history[0].details["v"] == 2


# --- answers and feedback ---------------------------------------------------------------------


def test_answers_are_kept_once_in_order(store: SqlStateStore) -> None:
    store.record_answer(ALICE, "ans1", "What is MLOps?", "MLOps is ...", True)
    store.record_answer(BOB, "ans2", "Lasagna?", "Not covered.", False)
    store.record_answer(ALICE, "ans1", "changed", "changed", False)  # the first one stays
    expected = {
        "answer_id": "ans1",
        "platform": "slack",
        "workspace": "T1",
        "user": "U1",
        "question": "What is MLOps?",
        "answer": "MLOps is ...",
        "covered": True,
    }
    stored = store.get_answer("ans1")
    assert stored is not None and stored.pop("created_at").endswith("Z")
    assert stored == expected
    assert store.get_answer("missing") is None
    answers = store.answers()
    assert [(a["answer_id"], a["covered"]) for a in answers] == [("ans1", True), ("ans2", False)]
    assert set(answers[0]) == {*expected, "created_at"}  # the same keys on every backend


def test_feedback_recorded_and_a_second_vote_replaces(store: SqlStateStore) -> None:
    store.record_feedback(Vote(ALICE, "ans1", "up", "What is MLOps?", "MLOps is ..."))
    store.record_feedback(Vote(BOB, "ans1", "down", "What is MLOps?", "MLOps is ..."))
    store.record_feedback(Vote(ALICE, "ans1", "down", "What is MLOps?", "MLOps is ..."))
    rows = store.feedback()
    assert [(r["user"], r["vote"]) for r in rows] == [("U1", "down"), ("29:bob", "down")]
    assert rows[0]["question"] == "What is MLOps?" and rows[0]["answer_id"] == "ans1"
    assert datetime.strptime(rows[0]["created_at"], "%Y-%m-%dT%H:%M:%SZ")


# --- event de-duplication ---------------------------------------------------------------------


def test_an_event_claimed_and_done_is_true_only_the_first_time(
    backend: Backend, store: SqlStateStore
) -> None:
    assert seen_first(store, "Ev1") is True
    assert seen_first(store, "Ev1") is False
    assert seen_first(store, "Ev2") is True
    with backend.open() as reopened:  # another process, or the same one restarted
        assert seen_first(reopened, "Ev1") is False
        assert seen_first(reopened, "Ev3") is True
    assert seen_first(store, "Ev3") is False


def test_an_event_claimed_and_done_is_atomic_across_replicas(backend: Backend) -> None:
    """Two stores (two replicas' connections), 16 threads, one event: one winner."""
    replicas = [backend.open(), backend.open()]
    start = threading.Barrier(16)
    results: list[bool] = []
    lock = threading.Lock()

    def deliver(store: SqlStateStore) -> None:
        start.wait()
        seen = seen_first(store, "retry-me")
        with lock:
            results.append(seen)

    threads = [threading.Thread(target=deliver, args=(replicas[i % 2],)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for replica in replicas:
        replica.close()
    assert sorted(results) == [False] * 15 + [True]


def test_the_event_ledger_keeps_only_the_latest(
    store: SqlStateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sql_store, "MAX_EVENTS", 5)
    for n in range(8):
        assert seen_first(store, f"Ev{n}")
    assert [seen_first(store, f"Ev{n}") for n in range(3, 8)] == [False] * 5
    assert seen_first(store, "Ev0") is True  # forgotten: older than the latest five


# --- conversation memory ----------------------------------------------------------------------


def test_memory_returns_recent_turns_oldest_first(store: SqlStateStore) -> None:
    for i in range(5):
        store.append_turn("th", "user" if i % 2 == 0 else "assistant", f"t{i}", 1000.0 + i)
    store.append_turn("other", "user", "elsewhere", 1000.0)
    turns = store.recent_turns("th", limit=3, max_age_seconds=3600, now=1010.0)
    assert turns == [("user", "t2"), ("assistant", "t3"), ("user", "t4")]
    assert store.recent_turns("nobody", 5, 3600, 1010.0) == []
    assert store.recent_turns("th", 0, 3600, 1010.0) == []


def test_memory_is_bounded_per_thread(store: SqlStateStore) -> None:
    for i in range(MAX_TURNS_PER_THREAD + 7):
        store.append_turn("th", "user", f"t{i}", float(i))
    store.append_turn("other", "user", "kept", 0.0)
    turns = store.recent_turns("th", limit=100, max_age_seconds=1e9, now=100.0)
    assert len(turns) == MAX_TURNS_PER_THREAD == 20
    assert turns[0] == ("user", "t7") and turns[-1] == ("user", "t26")
    assert store.recent_turns("other", 100, 1e9, 100.0) == [("user", "kept")]


def test_memory_expires_old_turns_to_the_second(store: SqlStateStore) -> None:
    # Today's epoch seconds: a 4-byte float column would round them to minutes.
    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    store.append_turn("th", "user", "old", start)
    store.append_turn("th", "user", "new", start.timestamp() + 3000.5)
    now = datetime(2026, 1, 1, 13, 0, 1, tzinfo=UTC)
    assert store.recent_turns("th", 10, max_age_seconds=3600, now=now) == [("user", "new")]
    assert store.recent_turns("th", 10, max_age_seconds=3601, now=now) == [
        ("user", "old"),
        ("user", "new"),
    ]
    assert store.recent_turns("th", 10, max_age_seconds=600.4, now=now) == []
    assert store.recent_turns("th", 10, max_age_seconds=600.5, now=now) == [("user", "new")]


# --- choosing a backend -----------------------------------------------------------------------


def test_open_state_store_picks_the_backend_from_the_settings(
    tmp_path: Path, postgres_url: str
) -> None:
    with closing(open_state_store(make_settings(tmp_path / "a"))) as sqlite_store:
        assert isinstance(sqlite_store, SqliteStateStore)
        assert (tmp_path / "a" / "state.sqlite3").exists()
    for url in (postgres_url, postgres_url.replace("postgresql://", "postgres://", 1)):
        store = open_state_store(make_settings(tmp_path / "b", database_url=url))
        try:
            assert isinstance(store, PostgresStateStore)
        finally:
            store.close()
    assert not (tmp_path / "b" / "state.sqlite3").exists()


def test_an_unsupported_database_url_is_refused(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, database_url="mysql://u:hunter2@db/state")
    with pytest.raises(BackendUnavailableError, match="postgresql://") as raised:
        open_state_store(settings)
    assert "hunter2" not in str(raised.value)


def test_an_unreachable_database_is_a_clear_error_without_the_password(tmp_path: Path) -> None:
    from tests.scaleout.servers import free_port

    url = f"postgresql://advisor:hunter2@127.0.0.1:{free_port()}/state"
    with pytest.raises(BackendUnavailableError) as raised:
        open_state_store(make_settings(tmp_path, database_url=url))
    message = str(raised.value)
    assert "PostgreSQL" in message and "127.0.0.1" in message and "DATABASE_URL" in message
    assert "hunter2" not in message


def test_a_vote_keeps_its_comment_until_a_new_one_replaces_it(store: SqlStateStore) -> None:
    store.record_feedback(Vote(ALICE, "ans1", "down", "Q", "A", comment="It missed the registry."))
    store.record_feedback(Vote(ALICE, "ans1", "up", "Q", "A"))  # a second click, no comment
    store.record_feedback(Vote(BOB, "ans1", "up", "Q", "A"))
    rows = store.feedback()
    assert [(r["user"], r["vote"], r["comment"]) for r in rows] == [
        ("U1", "up", "It missed the registry."),
        ("29:bob", "up", ""),
    ]
    store.record_feedback(Vote(ALICE, "ans1", "down", "Q", "A", comment="Now it is wrong."))
    assert store.feedback()[0]["comment"] == "Now it is wrong."


# --- threads, channels and posted answers -----------------------------------------------------


def test_who_was_answered_in_a_thread_is_known_per_person_and_expires(
    backend: Backend, store: SqlStateStore
) -> None:
    store.note_answered("slack|T1|C1|100.1", "U1", 1000.0)
    assert store.answered_in_thread("slack|T1|C1|100.1", "U1", 60.0, 1059.5) is True
    assert store.answered_in_thread("slack|T1|C1|100.1", "U1", 60.0, 1060.5) is False
    assert store.answered_in_thread("slack|T1|C1|100.1", "U2", 60.0, 1001.0) is False
    assert store.answered_in_thread("slack|T1|C1|200.2", "U1", 60.0, 1001.0) is False
    store.note_answered("slack|T1|C1|100.1", "U1", 5000.0)  # answered again: the clock restarts
    with backend.open() as reopened:  # another replica sees it
        assert reopened.answered_in_thread("slack|T1|C1|100.1", "U1", 60.0, 5030.0) is True
    # Rows far older than any follow-up window are dropped by the next write.
    store.note_answered("slack|T1|C2|1.1", "U3", 5000.0 + sql_store.THREAD_PEOPLE_KEPT_SECONDS + 1)
    assert backend.query("SELECT COUNT(*) FROM thread_people") == [(1,)]


def test_follow_ups_are_on_until_a_channel_turns_them_off(
    backend: Backend, store: SqlStateStore
) -> None:
    assert store.follow_ups_enabled("slack|T1|C1") is True
    store.set_follow_ups("slack|T1|C1", False)
    assert store.follow_ups_enabled("slack|T1|C1") is False
    assert store.follow_ups_enabled("slack|T1|C2") is True  # other channels keep theirs
    with backend.open() as reopened:
        assert reopened.follow_ups_enabled("slack|T1|C1") is False
    store.set_follow_ups("slack|T1|C1", True)
    assert store.follow_ups_enabled("slack|T1|C1") is True


def test_a_posted_answer_links_its_message_to_its_answer(
    store: SqlStateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.link_reply("teams:conv:m1", "ans1")
    store.link_reply("teams:conv:m2", "ans2")
    assert store.linked_answer("teams:conv:m1") == "ans1"
    assert store.linked_answer("teams:conv:unknown") is None
    monkeypatch.setattr(sql_store, "MAX_REPLY_LINKS", 2)  # a small bound, to see it applied
    for n in range(3, 6):
        store.link_reply(f"teams:conv:m{n}", f"ans{n}")
    assert store.linked_answer("teams:conv:m1") is None  # the oldest links went first
    assert store.linked_answer("teams:conv:m5") == "ans5"
