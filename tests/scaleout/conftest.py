"""Fixtures for the scale-out tests: a real Chroma server and a real PostgreSQL.

PostgreSQL comes from ``SCALE_ADVISOR_TEST_DATABASE_URL`` (what ``.ci/setup-postgres.sh``
prints) or, without it, from a throwaway cluster these fixtures start with Debian's
binaries. Either way the session works in a database of its own, dropped at the
end. With neither, the tests fail and say what to install: never skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.knowledge_runtime import KnowledgeRuntime
from bot.settings import Settings
from tests.conftest import make_settings
from tests.scaleout.servers import (
    EXTERNAL_URL_VARIABLE,
    NO_POSTGRES,
    ChromaServer,
    SessionDatabase,
    ThrowawayCluster,
    postgres_bindir,
    with_database,
)

# Read once at import: the suite-wide autouse fixture clears SCALE_ADVISOR_* variables
# from the environment of every test.
EXTERNAL_DATABASE_URL = os.environ.get(EXTERNAL_URL_VARIABLE, "").strip()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """A ``chroma run`` server on a free loopback port, with its data in a temp folder."""
    folder = tmp_path_factory.mktemp("chroma-server")
    server = ChromaServer(path=folder / "data", log=folder / "chroma.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A URL whose role may create databases: the CI server's, or a throwaway cluster's."""
    if EXTERNAL_DATABASE_URL:
        yield EXTERNAL_DATABASE_URL
        return
    bindir = postgres_bindir()
    if bindir is None:
        pytest.fail(NO_POSTGRES, pytrace=False)
    cluster = ThrowawayCluster(bindir)
    try:
        cluster.start()
    except AssertionError as error:
        cluster.stop()
        pytest.fail(f"{NO_POSTGRES}\nStarting a throwaway cluster failed: {error}", pytrace=False)
    yield cluster.url
    cluster.stop()


@pytest.fixture(scope="session")
def postgres_database(postgres_admin_url: str) -> Iterator[SessionDatabase]:
    """A database of this session's own (random name), dropped at the end."""
    database = SessionDatabase(postgres_admin_url)
    try:
        database.create()
    except Exception as error:  # psycopg's errors, or a malformed URL
        pytest.fail(
            f"cannot create a test database with {EXTERNAL_URL_VARIABLE}: {error}\n{NO_POSTGRES}",
            pytrace=False,
        )
    yield database
    database.drop()


@pytest.fixture
def postgres_url(postgres_database: SessionDatabase) -> Iterator[str]:
    """A URL for an empty schema of its own: one test's tables, dropped after it."""
    schema = postgres_database.new_schema()
    yield with_database(postgres_database.admin_url, postgres_database.name, search_path=schema)
    postgres_database.drop_schema(schema)


@pytest.fixture(scope="session")
def server_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data dir of the session's knowledge runtime (only the ingest state lives here)."""
    return tmp_path_factory.mktemp("scaleout-data")


@pytest.fixture(scope="session")
def server_settings(
    chroma_server: ChromaServer, postgres_database: SessionDatabase, server_data_dir: Path
) -> Settings:
    """Settings for a replica: the Chroma server and the session's PostgreSQL database."""
    return make_settings(
        server_data_dir,
        chroma_host=chroma_server.host,
        chroma_port=chroma_server.port,
        database_url=postgres_database.url,
    )


@pytest.fixture(scope="session")
def server_runtime(server_settings: Settings) -> KnowledgeRuntime:
    """The real model over the Chroma server, with the built-in knowledge ingested into it."""
    from adapters.knowledge_runtime import open_knowledge

    return open_knowledge(server_settings, auto_ingest=True)
