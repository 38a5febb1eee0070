"""The state store in SQL, written once for SQLite and PostgreSQL.

``SqlStateStore`` holds every query of the core's ``bot.ports.StateStore``;
``adapters.storage.sqlite.SqliteStateStore`` (stdlib ``sqlite3``, WAL journal), the
embedded default, and ``adapters.storage.postgres.PostgresStateStore``, which several
replicas share, supply the connections. ``adapters.storage.open_state_store`` picks
one from the settings.

The schema is versioned: ``MIGRATIONS`` is applied at open, inside one
transaction, and recorded in ``schema_version``. Its statements are templates;
``Dialect`` fills in the few column types and defaults the two databases spell
differently. Queries use ``?`` placeholders and quote ``"user"`` (reserved in
PostgreSQL), so the same text runs on both.

Methods are synchronous; async callers wrap them in ``asyncio.to_thread``. Both
stores are safe to use from threads and from several processes at once.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.ports import Exchange, Lease, StoredResult, UserKey, Vote

__all__ = [
    "MAX_EVENT_ATTEMPTS",
    "MAX_EVENTS",
    "MAX_TURNS_PER_THREAD",
    "MIGRATIONS",
    "Dialect",
    "SqlStateStore",
    "Transaction",
    "apply_migrations",
]

MAX_TURNS_PER_THREAD = 20
MAX_EVENTS = 10_000
# A stored event is taken over at most this many times: one whose processing keeps
# killing the process must not crash every replica, one after the other, forever.
MAX_EVENT_ATTEMPTS = 5
THREAD_PEOPLE_KEPT_SECONDS = 90 * 24 * 3600.0  # who was answered where, kept this long
MAX_REPLY_LINKS = 100_000  # posted answers whose platform message ids are kept
_PROBE_THREAD = "#write-probe"  # never a real thread key: those join four parts with "|"
_PROBE_CHARS = 8192  # two SQLite pages: the probe needs pages of its own, as real writes do

# "user" is quoted in every statement: it is a reserved word in PostgreSQL (SQLite
# reads the quoted name as the same column, so existing databases are unaffected).
# Columns are named rather than "*": PostgreSQL's answers table has a rowid column too.
_SELECT_ANSWERS = (
    'SELECT answer_id, platform, workspace, "user", question, answer, covered, created_at '
    "FROM answers"
)


@dataclass(frozen=True)
class Dialect:
    """The schema's words that differ between databases; queries are shared."""

    name: str
    serial_key: str  # an integer primary key numbered by the database
    double: str  # an 8-byte float (PostgreSQL's REAL has 4 bytes: minutes off for timestamps)
    utc_now_text: str  # a column default: the current UTC time as "YYYY-MM-DDTHH:MM:SSZ"
    rowid_column: str  # SQLite has an implicit rowid; elsewhere ", rowid <identity>"

    def ddl(self, template: str) -> str:
        """A ``MIGRATIONS`` statement in this dialect."""
        return template.format(
            serial_key=self.serial_key,
            double=self.double,
            utc_now_text=self.utc_now_text,
            rowid_column=self.rowid_column,
        )


MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        1,
        (
            """CREATE TABLE progress (
                platform TEXT NOT NULL, workspace TEXT NOT NULL, "user" TEXT NOT NULL,
                state_json TEXT NOT NULL,
                PRIMARY KEY (platform, workspace, "user"))""",
            """CREATE TABLE results (
                id {serial_key},
                platform TEXT NOT NULL, workspace TEXT NOT NULL, "user" TEXT NOT NULL,
                assessment_id TEXT NOT NULL, mode TEXT NOT NULL,
                result_json TEXT NOT NULL, completed_at TEXT NOT NULL,
                UNIQUE (platform, workspace, "user", assessment_id))""",
            """CREATE TABLE feedback (
                id {serial_key},
                platform TEXT NOT NULL, workspace TEXT NOT NULL, "user" TEXT NOT NULL,
                answer_id TEXT NOT NULL, vote TEXT NOT NULL,
                question TEXT NOT NULL, answer TEXT NOT NULL,
                created_at TEXT NOT NULL DEFAULT {utc_now_text},
                UNIQUE (platform, workspace, "user", answer_id))""",
            "CREATE TABLE events (event_id TEXT PRIMARY KEY{rowid_column})",
            """CREATE TABLE turns (
                id {serial_key},
                thread_key TEXT NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL,
                at {double} NOT NULL)""",
            "CREATE INDEX turns_by_thread ON turns (thread_key, id)",
        ),
    ),
    (
        2,
        (
            # What was asked and answered, so feedback and reports can name it.
            """CREATE TABLE answers (
                answer_id TEXT PRIMARY KEY,
                platform TEXT NOT NULL, workspace TEXT NOT NULL, "user" TEXT NOT NULL,
                question TEXT NOT NULL, answer TEXT NOT NULL, covered INTEGER NOT NULL,
                created_at TEXT NOT NULL DEFAULT {utc_now_text}{rowid_column})""",
        ),
    ),
    (
        3,
        (
            # Exactly-once delivery: an event's body is kept from before its acknowledgement
            # until it is answered; a claim carries its owner and lease, and a done mark.
            # Rows from before (plain "seen" marks) count as done.
            "ALTER TABLE events ADD COLUMN body TEXT",
            "ALTER TABLE events ADD COLUMN owner TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE events ADD COLUMN lease_until {double} NOT NULL DEFAULT 0",
            "ALTER TABLE events ADD COLUMN done INTEGER NOT NULL DEFAULT 1",
            "ALTER TABLE events ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0",
            "CREATE INDEX events_pending ON events (done, lease_until)",
        ),
    ),
    (
        4,
        (
            # Who the advisor answered in each thread, and when: only they get answers to
            # follow-ups without a new mention.
            """CREATE TABLE thread_people (
                thread_key TEXT NOT NULL, "user" TEXT NOT NULL, at {double} NOT NULL,
                PRIMARY KEY (thread_key, "user"))""",
            "CREATE INDEX thread_people_by_time ON thread_people (at)",
            # What admins chose per channel (one row per conversation key).
            """CREATE TABLE channel_settings (
                conversation_key TEXT PRIMARY KEY, follow_ups INTEGER NOT NULL)""",
            # A platform's id of a posted answer, for feedback that names only the message.
            """CREATE TABLE reply_links (
                message_key TEXT PRIMARY KEY, answer_id TEXT NOT NULL{rowid_column})""",
            "ALTER TABLE feedback ADD COLUMN comment TEXT NOT NULL DEFAULT ''",
        ),
    ),
)
"""(version, statement templates) in order; a schema change is a new entry at the end.

Templates name ``Dialect`` fields in braces: ``{serial_key}``, ``{double}``,
``{utc_now_text}``, ``{rowid_column}``.
"""


class Transaction(Protocol):
    """One open transaction (or read) on a backend's connection; ``?`` placeholders."""

    def execute(self, sql: str, params: tuple[Any, ...] | None = None) -> int:
        """Run one statement; the number of rows it changed."""
        ...

    def fetch(self, sql: str, params: tuple[Any, ...] | None = None) -> list[dict[str, Any]]:
        """Run one query; its rows as dicts."""
        ...


def apply_migrations(tx: Transaction, dialect: Dialect) -> None:
    """Bring the schema up to the last of ``MIGRATIONS`` inside ``tx``.

    The caller holds a lock that keeps other processes from migrating at the same
    time (SQLite's write lock, a PostgreSQL advisory lock), so reading the version
    and applying what is missing cannot interleave with another process doing it.

    Args:
        tx: The transaction to migrate in.
        dialect: How to spell the statements for this database.

    """
    tx.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    current = current_version(tx)
    for version, statements in MIGRATIONS:
        if version > current:
            for statement in statements:
                tx.execute(dialect.ddl(statement))
            tx.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))


def current_version(tx: Transaction) -> int:
    """The highest migration applied (0 for a new database)."""
    rows = tx.fetch("SELECT MAX(version) AS version FROM schema_version")
    version = rows[0]["version"] if rows else None
    return int(version) if version is not None else 0


class SqlStateStore(ABC):
    """``StateStore`` in SQL shared by every backend; subclasses supply the connections."""

    def __enter__(self) -> SqlStateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def close(self) -> None:
        """Release the store's connections."""

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[Transaction]:
        """A write transaction: committed at the end, rolled back on an error."""

    @abstractmethod
    def _reading(self) -> AbstractContextManager[Transaction]:
        """A read: sees committed data, changes nothing."""

    def schema_version(self) -> int:
        """The highest migration applied."""
        with self._reading() as tx:
            return current_version(tx)

    # --- assessment progress ---------------------------------------------------

    def load_progress(self, user_key: UserKey) -> dict[str, Any] | None:
        """The stored in-progress assessment state, or None."""
        row = self._one(
            'SELECT state_json FROM progress WHERE platform = ? AND workspace = ? AND "user" = ?',
            user_key,
        )
        return _loads(row["state_json"]) if row else None

    def save_progress(self, user_key: UserKey, state_dict: dict[str, Any]) -> None:
        """Store (replace) the in-progress assessment state."""
        self._run(
            'INSERT INTO progress (platform, workspace, "user", state_json) VALUES (?, ?, ?, ?) '
            'ON CONFLICT (platform, workspace, "user") '
            "DO UPDATE SET state_json = excluded.state_json",
            (*user_key, json.dumps(state_dict)),
        )

    def clear_progress(self, user_key: UserKey) -> None:
        """Forget the in-progress assessment state."""
        self._run(
            'DELETE FROM progress WHERE platform = ? AND workspace = ? AND "user" = ?', user_key
        )

    # --- assessment history ----------------------------------------------------

    def save_result(self, result: StoredResult) -> None:
        """Add a completed assessment to its user's history (idempotent per id)."""
        self._run(
            'INSERT INTO results (platform, workspace, "user", assessment_id, mode, result_json, '
            "completed_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            'ON CONFLICT (platform, workspace, "user", assessment_id) DO UPDATE SET '
            "mode = excluded.mode, result_json = excluded.result_json, "
            "completed_at = excluded.completed_at",
            (
                *result.user_key,
                result.assessment_id,
                result.mode,
                json.dumps(dict(result.details)),
                result.completed_at,
            ),
        )

    def latest_result(self, user_key: UserKey) -> StoredResult | None:
        """The most recent completed result, or None."""
        rows = self._all(
            'SELECT * FROM results WHERE platform = ? AND workspace = ? AND "user" = ? '
            "ORDER BY id DESC LIMIT 1",
            user_key,
        )
        return _result(rows[0]) if rows else None

    def history(self, user_key: UserKey) -> list[StoredResult]:
        """All completed results of one user, oldest first."""
        rows = self._all(
            'SELECT * FROM results WHERE platform = ? AND workspace = ? AND "user" = ? ORDER BY id',
            user_key,
        )
        return [_result(r) for r in rows]

    def all_results(self) -> list[StoredResult]:
        """Every completed result of every user, oldest first (for reports)."""
        return [_result(r) for r in self._all("SELECT * FROM results ORDER BY id", ())]

    # --- answers -------------------------------------------------------------------

    def record_answer(
        self, user_key: UserKey, answer_id: str, question: str, answer: str, covered: bool
    ) -> None:
        """Keep an answer that was given, so a later vote on it can name it."""
        with self._transaction() as tx:
            _insert_answer(tx, user_key, answer_id, question, answer, covered)

    def get_answer(self, answer_id: str) -> dict[str, Any] | None:
        """An answer recorded by ``record_answer`` (question, answer, covered), or None."""
        row = self._one(_SELECT_ANSWERS + " WHERE answer_id = ?", (answer_id,))
        return None if row is None else {**row, "covered": bool(row["covered"])}

    def answers(self) -> list[dict[str, Any]]:
        """Every recorded answer, oldest first."""
        rows = self._all(_SELECT_ANSWERS + " ORDER BY created_at, rowid", ())
        return [{**r, "covered": bool(r["covered"])} for r in rows]

    # --- feedback ----------------------------------------------------------------

    def record_feedback(self, vote: Vote) -> None:
        """Record a vote on an answer (a second vote by the same user replaces the first).

        A later vote without a comment keeps the comment given with an earlier one.
        """
        self._run(
            'INSERT INTO feedback (platform, workspace, "user", answer_id, vote, question, '
            "answer, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            'ON CONFLICT (platform, workspace, "user", answer_id) '
            "DO UPDATE SET vote = excluded.vote, comment = CASE WHEN excluded.comment = '' "
            "THEN feedback.comment ELSE excluded.comment END",
            (*vote.user_key, vote.answer_id, vote.vote, vote.question, vote.answer, vote.comment),
        )

    def feedback(self) -> list[dict[str, Any]]:
        """All recorded feedback, oldest first."""
        return self._all(
            'SELECT platform, workspace, "user", answer_id, vote, question, answer, comment, '
            "created_at FROM feedback ORDER BY id",
            (),
        )

    # --- threads and channels --------------------------------------------------------

    def note_answered(self, thread_key: str, user: str, now: datetime | float) -> None:
        """Remember that the advisor answered ``user`` in a thread, and when."""
        with self._transaction() as tx:
            _note_answered(tx, thread_key, user, now)

    def answered_in_thread(
        self, thread_key: str, user: str, max_age_seconds: float, now: datetime | float
    ) -> bool:
        """Whether the advisor answered ``user`` in the thread within ``max_age_seconds``."""
        row = self._one(
            'SELECT at FROM thread_people WHERE thread_key = ? AND "user" = ? AND at >= ?',
            (thread_key, user, _seconds(now) - max_age_seconds),
        )
        return row is not None

    def set_follow_ups(self, conversation_key: str, enabled: bool) -> None:
        """Turn follow-ups without a mention on or off in one channel."""
        self._run(
            "INSERT INTO channel_settings (conversation_key, follow_ups) VALUES (?, ?) "
            "ON CONFLICT (conversation_key) DO UPDATE SET follow_ups = excluded.follow_ups",
            (conversation_key, int(enabled)),
        )

    def follow_ups_enabled(self, conversation_key: str) -> bool:
        """Whether follow-ups without a mention are answered in a channel (default: yes)."""
        row = self._one(
            "SELECT follow_ups FROM channel_settings WHERE conversation_key = ?",
            (conversation_key,),
        )
        return row is None or bool(row["follow_ups"])

    def link_reply(self, message_key: str, answer_id: str) -> None:
        """Remember which answer a posted message carries (the platform's message id)."""
        with self._transaction() as tx:
            tx.execute(
                "INSERT INTO reply_links (message_key, answer_id) VALUES (?, ?) "
                "ON CONFLICT (message_key) DO UPDATE SET answer_id = excluded.answer_id",
                (message_key, answer_id),
            )
            # Votes come within days of an answer; the oldest links go past a bound.
            tx.execute(
                "DELETE FROM reply_links WHERE rowid <= (SELECT MAX(rowid) FROM reply_links) - ?",
                (MAX_REPLY_LINKS,),
            )

    def linked_answer(self, message_key: str) -> str | None:
        """The answer id a posted message carries, or None."""
        row = self._one("SELECT answer_id FROM reply_links WHERE message_key = ?", (message_key,))
        return None if row is None else str(row["answer_id"])

    # --- platform event de-duplication --------------------------------------------

    def claim_event(self, event_id: str, lease: Lease) -> bool:
        """Claim one event under ``lease`` (see ``claim_events``)."""
        return self.claim_events([event_id], lease) == 1

    def claim_events(self, event_ids: Sequence[str], lease: Lease, body: str | None = None) -> int:
        """Claim events in order under ``lease``, in one transaction; how many were claimed.

        Each is won when it is new, given up, or held by a claim whose lease ran out
        (its owner died or hung): one statement decides, so of two replicas claiming
        at once exactly one wins. It is lost when done, held by a live claim, or taken
        over ``MAX_EVENT_ATTEMPTS`` times already; the claim stops at the first one
        lost. ``body`` (an acknowledged event's payload) is kept with the first, for
        recovery to replay until it is answered.
        """
        claimed = 0
        with self._transaction() as tx:
            for event_id in event_ids:
                if not _claim(tx, event_id, lease, body):
                    break
                body = None  # only the first key carries the payload
                claimed += 1
            if claimed:
                _trim_events(tx)
        return claimed

    def renew_events(self, event_ids: Sequence[str], lease: Lease) -> int:
        """Extend the lease's owner's claims on ``event_ids``; how many it still holds."""
        with self._transaction() as tx:
            return sum(
                tx.execute(
                    "UPDATE events SET lease_until = ? "
                    "WHERE event_id = ? AND owner = ? AND done = 0",
                    (lease.until, event_id, lease.owner),
                )
                for event_id in event_ids
            )

    def finish_events(self, event_ids: Sequence[str], owner: str, done: bool) -> None:
        """Mark ``owner``'s claims done (the body, user text, is dropped), or give them up.

        Given up (``done=False``), a claim is free at once: the next retry, replay or
        start processes the event. A claim taken over meanwhile is left to its new owner.
        """
        update = (
            "UPDATE events SET done = 1, body = NULL"
            if done
            else "UPDATE events SET owner = '', lease_until = 0"
        )
        with self._transaction() as tx:
            for event_id in event_ids:
                tx.execute(
                    update + " WHERE event_id = ? AND owner = ? AND done = 0", (event_id, owner)
                )

    def pending_events(self, prefix: str, now: float, limit: int) -> list[tuple[str, str]]:
        """Stored events not done whose reservation or lease ran out: (id, body), oldest first.

        Args:
            prefix: Only event ids starting with it (one platform's events).
            now: The current time, in seconds since the epoch.
            limit: The most to return.

        """
        rows = self._all(
            "SELECT event_id, body FROM events WHERE done = 0 AND lease_until < ? "
            "AND body IS NOT NULL AND attempts < ? AND substr(event_id, 1, ?) = ? "
            "ORDER BY rowid LIMIT ?",
            (now, MAX_EVENT_ATTEMPTS, len(prefix), prefix, max(0, limit)),
        )
        return [(str(r["event_id"]), str(r["body"])) for r in rows]

    # --- conversation memory -------------------------------------------------------

    def append_turn(self, thread_key: str, role: str, text: str, now: datetime | float) -> None:
        """Add one turn to a thread's memory, keeping only its latest 20 turns."""
        with self._transaction() as tx:
            _append_turn(tx, thread_key, role, text, now)

    def record_exchange(self, exchange: Exchange) -> None:
        """Keep an answered message in one transaction (one round trip to the database).

        Both turns, the asker's mark on the thread and the answer, for a later vote.
        """
        with self._transaction() as tx:
            _append_turn(tx, exchange.thread_key, "user", exchange.asked, exchange.at)
            _append_turn(tx, exchange.thread_key, "assistant", exchange.answer, exchange.at)
            _note_answered(tx, exchange.thread_key, exchange.user_key[2], exchange.at)
            _insert_answer(
                tx,
                exchange.user_key,
                exchange.answer_id,
                exchange.question,
                exchange.answer,
                exchange.covered,
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

    # --- health ----------------------------------------------------------------------------

    def probe_write(self) -> None:
        """Commit a write that leaves nothing behind; raises when the store cannot write.

        A row larger than a page is inserted and deleted in one committed transaction,
        so the database must find new pages and write its journal: a full disk (or a
        database at its size limit, or a read-only file) fails here as an answer would.
        """
        with self._transaction() as tx:
            tx.execute(
                "INSERT INTO turns (thread_key, role, text, at) VALUES (?, ?, ?, ?)",
                (_PROBE_THREAD, "probe", "x" * _PROBE_CHARS, 0.0),
            )
            tx.execute("DELETE FROM turns WHERE thread_key = ?", (_PROBE_THREAD,))

    # --- plumbing ------------------------------------------------------------------------

    def _run(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._transaction() as tx:
            tx.execute(sql, params)

    def _all(self, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        with self._reading() as tx:
            return tx.fetch(sql, params)

    def _one(self, sql: str, params: tuple[Any, ...]) -> dict[str, Any] | None:
        rows = self._all(sql, params)
        return rows[0] if rows else None


def _append_turn(
    tx: Transaction, thread_key: str, role: str, text: str, now: datetime | float
) -> None:
    tx.execute(
        "INSERT INTO turns (thread_key, role, text, at) VALUES (?, ?, ?, ?)",
        (thread_key, role, text, _seconds(now)),
    )
    tx.execute(
        "DELETE FROM turns WHERE thread_key = ? AND id NOT IN "
        "(SELECT id FROM turns WHERE thread_key = ? ORDER BY id DESC LIMIT ?)",
        (thread_key, thread_key, MAX_TURNS_PER_THREAD),
    )


def _note_answered(tx: Transaction, thread_key: str, user: str, now: datetime | float) -> None:
    tx.execute(
        'INSERT INTO thread_people (thread_key, "user", at) VALUES (?, ?, ?) '
        'ON CONFLICT (thread_key, "user") DO UPDATE SET at = excluded.at',
        (thread_key, user, _seconds(now)),
    )
    # Nobody's follow-up reaches back this far; older rows only take space.
    tx.execute(
        "DELETE FROM thread_people WHERE at < ?", (_seconds(now) - THREAD_PEOPLE_KEPT_SECONDS,)
    )


def _insert_answer(
    tx: Transaction, user_key: UserKey, answer_id: str, question: str, answer: str, covered: bool
) -> None:
    tx.execute(
        'INSERT INTO answers (answer_id, platform, workspace, "user", question, answer, '
        "covered) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (answer_id) DO NOTHING",
        (answer_id, *user_key, question, answer, int(covered)),
    )


def _claim(tx: Transaction, event_id: str, lease: Lease, body: str | None) -> bool:
    return (
        tx.execute(
            "INSERT INTO events (event_id, body, owner, lease_until, done, attempts) "
            "VALUES (?, ?, ?, ?, 0, 1) ON CONFLICT (event_id) DO UPDATE SET "
            "owner = excluded.owner, lease_until = excluded.lease_until, "
            "attempts = events.attempts + 1, body = COALESCE(events.body, excluded.body) "
            "WHERE events.done = 0 AND events.attempts < ? "
            "AND (events.owner = '' OR events.lease_until < ?)",
            (event_id, body, lease.owner, lease.until, MAX_EVENT_ATTEMPTS, lease.now),
        )
        == 1
    )


def _trim_events(tx: Transaction) -> None:
    """Keep the latest ``MAX_EVENTS`` done events; never one still owed an answer."""
    tx.execute(
        "DELETE FROM events WHERE done = 1 AND rowid <= (SELECT MAX(rowid) FROM events) - ?",
        (MAX_EVENTS,),
    )


def _result(row: dict[str, Any]) -> StoredResult:
    return StoredResult.read(
        (row["platform"], row["workspace"], row["user"]),
        row["assessment_id"],
        row["mode"],
        row["completed_at"],
        row["result_json"],
    )


def _loads(text: str) -> dict[str, Any]:
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


def _seconds(now: datetime | float) -> float:
    return now.timestamp() if isinstance(now, datetime) else float(now)
