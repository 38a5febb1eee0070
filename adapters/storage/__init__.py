"""The state store's implementations: SQLite (``sqlite``) and PostgreSQL (``postgres``).

``open_state_store`` picks one from the settings; the core only knows the
``StateStore`` protocol.
"""

from __future__ import annotations

from adapters.storage.sqlite import SqliteStateStore
from bot.errors import BackendUnavailableError
from bot.ports import StateStore
from bot.settings import Settings

__all__ = ["POSTGRES_SCHEMES", "open_state_store"]

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_state_store(settings: Settings) -> StateStore:
    """The store the settings ask for: PostgreSQL with ``DATABASE_URL``, else SQLite.

    Args:
        settings: ``database_url`` (``postgresql://`` or ``postgres://``) selects
            PostgreSQL; without it the SQLite file at ``state_db_path`` is used.

    Returns:
        The opened store, migrated to the current schema.

    Raises:
        BackendUnavailableError: ``DATABASE_URL`` names another kind of database, or
            PostgreSQL cannot be reached.
        StateStoreUnusableError: The SQLite file is damaged, not a database, or
            cannot be opened.

    """
    url = settings.database_url.get_secret_value().strip() if settings.database_url else ""
    if url.startswith(POSTGRES_SCHEMES):
        # psycopg is loaded only when used.
        from adapters.storage.postgres import PostgresStateStore

        return PostgresStateStore(url)
    if url:
        # Falling back to SQLite here would give each replica a store of its own and
        # quietly break de-duplication across replicas, so a wrong URL is an error.
        scheme = url.partition(":")[0]
        raise BackendUnavailableError(
            f"DATABASE_URL must start with postgresql:// or postgres:// (got {scheme}:); "
            "leave it unset for SQLite in the data directory"
        )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteStateStore(settings.state_db_path)
