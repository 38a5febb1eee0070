"""The state store on one SQLite file: the embedded default."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from adapters.storage.sql import Dialect, SqlStateStore, Transaction, apply_migrations
from bot.errors import StateStoreUnusableError

__all__ = ["SQLITE", "SqliteStateStore"]


SQLITE = Dialect(
    name="sqlite",
    serial_key="INTEGER PRIMARY KEY AUTOINCREMENT",
    double="REAL",
    utc_now_text="(strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
    rowid_column="",
)


def _enable_wal(db: sqlite3.Connection, attempts: int = 300) -> None:
    """Switch to WAL; it needs a moment alone with the file, so retry while others hold it.

    SQLite answers "database is locked" at once (without the busy timeout) when another
    process is mid-transaction as the journal mode changes, e.g. replicas starting together.
    """
    for _ in range(attempts - 1):
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error):
                raise
            time.sleep(0.1)
    db.execute("PRAGMA journal_mode=WAL")


class SqliteStateStore(SqlStateStore):
    """``StateStore`` on one SQLite file (or ``":memory:"``).

    One connection is shared behind a lock; WAL lets several processes share the
    file, and ``BEGIN IMMEDIATE`` makes every write (and the migration) take the
    database's write lock first.
    """

    dialect = SQLITE

    def __init__(self, path: Path | str) -> None:
        """Open (creating if needed) the database and apply pending migrations.

        Args:
            path: The database file; its folder is created if missing.

        """
        self.path = str(path)
        self._lock = threading.Lock()
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA busy_timeout=30000")
            if self.path != ":memory:":
                _enable_wal(self._db)
            with self._transaction() as tx:
                apply_migrations(tx, self.dialect)
        except (sqlite3.DatabaseError, OSError) as error:
            # A traceback on every start tells an operator nothing; name the file and the fix.
            if hasattr(self, "_db"):
                self._db.close()
            raise _unusable(self.path, error) from None

    def __enter__(self) -> SqliteStateStore:
        return self

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[Transaction]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTransaction(self._db)
                self._db.execute("COMMIT")
            except BaseException:
                # A full disk makes SQLite roll back by itself, and can fail the COMMIT:
                # roll back only what is still open, so the error raised is the real one
                # and the connection is usable again once the disk has room.
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    @contextmanager
    def _reading(self) -> Iterator[Transaction]:
        with self._lock:  # autocommit: each query reads the latest committed data
            yield _SqliteTransaction(self._db)


class _SqliteTransaction:
    """``Transaction`` over a ``sqlite3`` connection (which takes ``?`` as is)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def execute(self, sql: str, params: tuple[Any, ...] | None = None) -> int:
        return self._db.execute(sql, params or ()).rowcount

    def fetch(self, sql: str, params: tuple[Any, ...] | None = None) -> list[dict[str, Any]]:
        return [dict(row) for row in self._db.execute(sql, params or ()).fetchall()]


def _unusable(path: str, error: sqlite3.DatabaseError | OSError) -> StateStoreUnusableError:
    """The one-line error for a SQLite file that cannot serve as the state store."""
    path = str(Path(path).absolute())  # the operator may not know the process's folder
    if isinstance(error, sqlite3.DatabaseError) and not isinstance(
        error, sqlite3.OperationalError
    ):  # SQLITE_CORRUPT, SQLITE_NOTADB: the bytes themselves are wrong
        return StateStoreUnusableError(
            f"the state store {path} is damaged or not a SQLite database ({error}): "
            f"restore it from a backup, or move it aside (mv {path} {path}.broken) "
            "to start with an empty store"
        )
    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return StateStoreUnusableError(
        f"cannot open the state store {path} ({reason}): check that it is a file this "
        "user can read and write, in a folder it can write, on a disk with free space"
    )
