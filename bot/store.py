"""The state store: assessment progress and history, feedback, event de-dup, memory.

``StateStore`` is the port; ``SqliteStateStore`` the embedded default (stdlib
``sqlite3``, WAL journal, one table per concern, versioned migrations applied at
open). Methods are synchronous; async callers wrap them in ``asyncio.to_thread``.
One connection is shared behind a lock, so a store is safe to use from threads,
and WAL lets several processes share one database file.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "MAX_EVENTS",
    "MAX_TURNS_PER_THREAD",
    "MIGRATIONS",
    "SqliteStateStore",
    "StateStore",
    "UserKey",
]

UserKey = tuple[str, str, str]
"""(platform, workspace, user)."""

MAX_TURNS_PER_THREAD = 20
MAX_EVENTS = 10_000

MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        1,
        (
            """CREATE TABLE progress (
                platform TEXT NOT NULL, workspace TEXT NOT NULL, user TEXT NOT NULL,
                state_json TEXT NOT NULL,
                PRIMARY KEY (platform, workspace, user))""",
            """CREATE TABLE results (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                platform TEXT NOT NULL, workspace TEXT NOT NULL, user TEXT NOT NULL,
                assessment_id TEXT NOT NULL, mode TEXT NOT NULL,
                result_json TEXT NOT NULL, completed_at TEXT NOT NULL,
                UNIQUE (platform, workspace, user, assessment_id))""",
            """CREATE TABLE feedback (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                platform TEXT NOT NULL, workspace TEXT NOT NULL, user TEXT NOT NULL,
                answer_id TEXT NOT NULL, vote TEXT NOT NULL,
                question TEXT NOT NULL, answer TEXT NOT NULL,
                created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
                UNIQUE (platform, workspace, user, answer_id))""",
            "CREATE TABLE events (event_id TEXT PRIMARY KEY)",
            """CREATE TABLE turns (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                thread_key TEXT NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL,
                at REAL NOT NULL)""",
            "CREATE INDEX turns_by_thread ON turns (thread_key, id)",
        ),
    ),
    (
        2,
        (
            # What was asked and answered, so feedback and reports can name it.
            """CREATE TABLE answers (
                answer_id TEXT PRIMARY KEY,
                platform TEXT NOT NULL, workspace TEXT NOT NULL, user TEXT NOT NULL,
                question TEXT NOT NULL, answer TEXT NOT NULL, covered INTEGER NOT NULL,
                created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))""",
        ),
    ),
)
"""(version, statements) in order; a new schema change is a new entry at the end."""


class StateStore(Protocol):
    """Everything the advisor persists, keyed by user or thread."""

    def record_answer(
        self, user_key: UserKey, answer_id: str, question: str, answer: str, covered: bool
    ) -> None:
        """Keep an answer that was given."""
        ...

    def get_answer(self, answer_id: str) -> dict[str, Any] | None:
        """An answer recorded earlier, or None."""
        ...

    def answers(self) -> list[dict[str, Any]]:
        """Every recorded answer, oldest first."""
        ...

    def load_progress(self, user_key: UserKey) -> dict[str, Any] | None:
        """The stored in-progress assessment state, or None."""
        ...

    def save_progress(self, user_key: UserKey, state_dict: dict[str, Any]) -> None:
        """Store (replace) the in-progress assessment state."""
        ...

    def clear_progress(self, user_key: UserKey) -> None:
        """Forget the in-progress assessment state."""
        ...

    def save_result(
        self,
        user_key: UserKey,
        assessment_id: str,
        mode: str,
        result_dict: dict[str, Any],
        completed_at: datetime | str,
    ) -> None:
        """Add a completed assessment to the user's history (idempotent per id)."""
        ...

    def latest_result(self, user_key: UserKey) -> dict[str, Any] | None:
        """The most recent completed result, or None."""
        ...

    def history(self, user_key: UserKey) -> list[dict[str, Any]]:
        """All completed results of one user, oldest first."""
        ...

    def all_results(self) -> list[dict[str, Any]]:
        """Every completed result of every user, oldest first (for reports)."""
        ...

    def record_feedback(
        self, user_key: UserKey, answer_id: str, vote: str, question: str, answer: str
    ) -> None:
        """Record a vote on an answer (a second vote by the same user replaces the first)."""
        ...

    def feedback(self) -> list[dict[str, Any]]:
        """All recorded feedback, oldest first."""
        ...

    def remember_event(self, event_id: str) -> bool:
        """Record an event id; True the first time it is seen."""
        ...

    def append_turn(self, thread_key: str, role: str, text: str, now: datetime | float) -> None:
        """Add one turn to a thread's memory."""
        ...

    def recent_turns(
        self, thread_key: str, limit: int, max_age_seconds: float, now: datetime | float
    ) -> list[tuple[str, str]]:
        """Up to ``limit`` (role, text) turns no older than ``max_age_seconds``, oldest first."""
        ...


class SqliteStateStore:
    """``StateStore`` on one SQLite file (or ``":memory:"``)."""

    def __init__(self, path: Path | str) -> None:
        """Open (creating if needed) the database and apply pending migrations.

        Args:
            path: The database file; its folder is created if missing.

        """
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            self.path, timeout=30, isolation_level=None, check_same_thread=False
        )
        self._db.row_factory = sqlite3.Row
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._migrate()

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> SqliteStateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def schema_version(self) -> int:
        """The highest migration applied."""
        with self._lock:
            return self._version()

    # --- assessment progress ---------------------------------------------------

    def load_progress(self, user_key: UserKey) -> dict[str, Any] | None:
        """The stored in-progress assessment state, or None."""
        row = self._one(
            "SELECT state_json FROM progress WHERE platform = ? AND workspace = ? AND user = ?",
            user_key,
        )
        return _loads(row["state_json"]) if row else None

    def save_progress(self, user_key: UserKey, state_dict: dict[str, Any]) -> None:
        """Store (replace) the in-progress assessment state."""
        self._run(
            "INSERT INTO progress (platform, workspace, user, state_json) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (platform, workspace, user) "
            "DO UPDATE SET state_json = excluded.state_json",
            (*user_key, json.dumps(state_dict)),
        )

    def clear_progress(self, user_key: UserKey) -> None:
        """Forget the in-progress assessment state."""
        self._run(
            "DELETE FROM progress WHERE platform = ? AND workspace = ? AND user = ?", user_key
        )

    # --- assessment history ----------------------------------------------------

    def save_result(
        self,
        user_key: UserKey,
        assessment_id: str,
        mode: str,
        result_dict: dict[str, Any],
        completed_at: datetime | str,
    ) -> None:
        """Add a completed assessment to the user's history (idempotent per id)."""
        when = completed_at.isoformat() if isinstance(completed_at, datetime) else completed_at
        self._run(
            "INSERT INTO results (platform, workspace, user, assessment_id, mode, result_json, "
            "completed_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (platform, workspace, user, assessment_id) DO UPDATE SET "
            "mode = excluded.mode, result_json = excluded.result_json, "
            "completed_at = excluded.completed_at",
            (*user_key, assessment_id, mode, json.dumps(result_dict), when),
        )

    def latest_result(self, user_key: UserKey) -> dict[str, Any] | None:
        """The most recent completed result, or None."""
        rows = self._all(
            "SELECT * FROM results WHERE platform = ? AND workspace = ? AND user = ? "
            "ORDER BY id DESC LIMIT 1",
            user_key,
        )
        return _result(rows[0]) if rows else None

    def history(self, user_key: UserKey) -> list[dict[str, Any]]:
        """All completed results of one user, oldest first."""
        rows = self._all(
            "SELECT * FROM results WHERE platform = ? AND workspace = ? AND user = ? ORDER BY id",
            user_key,
        )
        return [_result(r) for r in rows]

    def all_results(self) -> list[dict[str, Any]]:
        """Every completed result of every user, oldest first (for reports)."""
        return [_result(r) for r in self._all("SELECT * FROM results ORDER BY id", ())]

    # --- answers -------------------------------------------------------------------

    def record_answer(
        self, user_key: UserKey, answer_id: str, question: str, answer: str, covered: bool
    ) -> None:
        """Keep an answer that was given, so a later vote on it can name it."""
        self._run(
            "INSERT INTO answers (answer_id, platform, workspace, user, question, answer, covered) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (answer_id) DO NOTHING",
            (answer_id, *user_key, question, answer, int(covered)),
        )

    def get_answer(self, answer_id: str) -> dict[str, Any] | None:
        """An answer recorded by ``record_answer`` (question, answer, covered), or None."""
        row = self._one("SELECT * FROM answers WHERE answer_id = ?", (answer_id,))
        return None if row is None else {**dict(row), "covered": bool(row["covered"])}

    def answers(self) -> list[dict[str, Any]]:
        """Every recorded answer, oldest first."""
        rows = self._all("SELECT * FROM answers ORDER BY created_at, rowid", ())
        return [{**dict(r), "covered": bool(r["covered"])} for r in rows]

    # --- feedback ----------------------------------------------------------------

    def record_feedback(
        self, user_key: UserKey, answer_id: str, vote: str, question: str, answer: str
    ) -> None:
        """Record a vote on an answer (a second vote by the same user replaces the first)."""
        self._run(
            "INSERT INTO feedback (platform, workspace, user, answer_id, vote, question, answer) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (platform, workspace, user, answer_id) DO UPDATE SET vote = excluded.vote",
            (*user_key, answer_id, vote, question, answer),
        )

    def feedback(self) -> list[dict[str, Any]]:
        """All recorded feedback, oldest first."""
        rows = self._all(
            "SELECT platform, workspace, user, answer_id, vote, question, answer, created_at "
            "FROM feedback ORDER BY id",
            (),
        )
        return [dict(r) for r in rows]

    # --- platform event de-duplication --------------------------------------------

    def remember_event(self, event_id: str) -> bool:
        """Record an event id; True the first time it is seen (keeps the latest 10,000)."""
        with self._transaction() as db:
            cursor = db.execute("INSERT OR IGNORE INTO events (event_id) VALUES (?)", (event_id,))
            first = cursor.rowcount == 1
            if first:
                db.execute(
                    "DELETE FROM events WHERE rowid <= (SELECT MAX(rowid) FROM events) - ?",
                    (MAX_EVENTS,),
                )
        return first

    # --- conversation memory -------------------------------------------------------

    def append_turn(self, thread_key: str, role: str, text: str, now: datetime | float) -> None:
        """Add one turn to a thread's memory, keeping only its latest 20 turns."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO turns (thread_key, role, text, at) VALUES (?, ?, ?, ?)",
                (thread_key, role, text, _seconds(now)),
            )
            db.execute(
                "DELETE FROM turns WHERE thread_key = ? AND id NOT IN "
                "(SELECT id FROM turns WHERE thread_key = ? ORDER BY id DESC LIMIT ?)",
                (thread_key, thread_key, MAX_TURNS_PER_THREAD),
            )

    def recent_turns(
        self, thread_key: str, limit: int, max_age_seconds: float, now: datetime | float
    ) -> list[tuple[str, str]]:
        """Up to ``limit`` (role, text) turns no older than ``max_age_seconds``, oldest first."""
        rows = self._all(
            "SELECT role, text FROM turns WHERE thread_key = ? AND at >= ? "
            "ORDER BY id DESC LIMIT ?",
            (thread_key, _seconds(now) - max_age_seconds, max(0, limit)),
        )
        return [(str(r["role"]), str(r["text"])) for r in reversed(rows)]

    # --- plumbing ------------------------------------------------------------------------

    def _migrate(self) -> None:
        with self._transaction() as db:
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            current = self._version()
            for version, statements in MIGRATIONS:
                if version > current:
                    for statement in statements:
                        db.execute(statement)
                    db.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))

    def _version(self) -> int:
        row = self._db.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _run(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._transaction() as db:
            db.execute(sql, params)

    def _all(self, sql: str, params: tuple[Any, ...]) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._db.execute(sql, params).fetchall())

    def _one(self, sql: str, params: tuple[Any, ...]) -> sqlite3.Row | None:
        rows = self._all(sql, params)
        return rows[0] if rows else None


def _result(row: sqlite3.Row) -> dict[str, Any]:
    return {
        **_loads(row["result_json"]),
        "platform": row["platform"],
        "workspace": row["workspace"],
        "user": row["user"],
        "assessment_id": row["assessment_id"],
        "mode": row["mode"],
        "completed_at": row["completed_at"],
    }


def _loads(text: str) -> dict[str, Any]:
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


def _seconds(now: datetime | float) -> float:
    return now.timestamp() if isinstance(now, datetime) else float(now)
