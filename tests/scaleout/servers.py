"""Real servers for the scale-out tests: a Chroma server and PostgreSQL on loopback.

Each starts a real process (``chroma run``; Debian's ``initdb`` + ``pg_ctl``) and
stops it again; nothing here is a fake. ``free_port`` and ``wait_until`` are shared
with the replica processes in ``replicas.py``.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def wait_until(ready: Callable[[], bool], timeout: float, what: str, log: Path | None) -> None:
    """Poll ``ready`` until it is true; fail with ``what`` and the log's tail if it is not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise AssertionError(f"{what} not ready after {timeout:.0f} s\n{tail}")


def http_ok(url: str) -> bool:
    """Whether GET ``url`` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
            return int(response.status) == 200
    except (OSError, urllib.error.URLError):
        return False


def stop_process(process: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    """Terminate a process, killing it if it does not exit within ``grace`` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(grace)


# --- Chroma -----------------------------------------------------------------------------------


@dataclass
class ChromaServer:
    """A ``chroma run`` process (installed with the chromadb package)."""

    path: Path
    log: Path
    host: str = LOOPBACK
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        chroma = shutil.which("chroma")
        if chroma is None:
            raise AssertionError("the `chroma` command is missing: pip install chromadb")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own arguments
                [
                    chroma,
                    "run",
                    "--path",
                    str(self.path),
                    "--host",
                    self.host,
                    "--port",
                    str(self.port),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
            )
        wait_until(
            lambda: self._exited() or http_ok(f"{self.url}/api/v2/heartbeat"),
            timeout,
            f"chroma run on port {self.port}",
            self.log,
        )
        if self._exited():
            raise AssertionError(f"chroma run exited:\n{self.log.read_text(errors='replace')}")

    def _exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)


# --- PostgreSQL -------------------------------------------------------------------------------

EXTERNAL_URL_VARIABLE = "SCALE_ADVISOR_TEST_DATABASE_URL"
NO_POSTGRES = (
    'The scale-out tests need PostgreSQL. Either run `eval "$(bash .ci/setup-postgres.sh)"` '
    f"(it sets {EXTERNAL_URL_VARIABLE}), set {EXTERNAL_URL_VARIABLE} to a "
    "postgresql://user:password@host:port/db URL whose role may CREATE DATABASE, or install "
    "Debian's postgresql package (apt-get install postgresql) so the tests can start a "
    "throwaway cluster themselves."
)


def postgres_bindir() -> Path | None:
    """The newest of Debian's PostgreSQL binary folders, if the package is installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key)
    return Path(found[-1]).parent if found else None


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.parent.name
    return tuple(int(p) for p in version.split(".") if p.isdigit())


@dataclass
class ThrowawayCluster:
    """A PostgreSQL cluster in a temporary folder on a free loopback port, trust auth.

    Debian's binaries refuse to run as root, so as root they run as the ``postgres``
    user, in a folder it owns.
    """

    bindir: Path
    port: int = field(default_factory=free_port)
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="scale-pg-")))

    @property
    def url(self) -> str:
        return f"postgresql://postgres@{LOOPBACK}:{self.port}/postgres"

    def start(self) -> None:
        data = self.folder / "data"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self._run(
            "pg_ctl",
            "-D",
            str(data),
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-c listen_addresses={LOOPBACK} -p {self.port} -k {self.folder}",
            "start",
        )

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, binary: str, *args: str) -> None:
        command = [str(self.bindir / binary), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(  # noqa: S603 - our own arguments
            command, capture_output=True, text=True, timeout=120, check=False
        )
        if result.returncode != 0:
            raise AssertionError(f"{binary} failed: {result.stdout}\n{result.stderr}")


def with_database(url: str, database: str, search_path: str | None = None) -> str:
    """``url`` pointing at another database (and, optionally, schema search path)."""
    parts = urlsplit(url)
    query = parts.query
    if search_path:
        option = "options=" + quote(f"-csearch_path={search_path}", safe="")
        query = f"{query}&{option}" if query else option
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", query, ""))


@dataclass
class SessionDatabase:
    """A database with a random name, created on a server and dropped at the end."""

    admin_url: str
    name: str = field(default_factory=lambda: f"scale_advisor_test_{secrets.token_hex(4)}")

    @property
    def url(self) -> str:
        return with_database(self.admin_url, self.name)

    def create(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))

    def drop(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )

    def new_schema(self) -> str:
        """A fresh, empty schema in this database, for one test's tables."""
        schema = f"test_{secrets.token_hex(4)}"
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        return schema

    def drop_schema(self, schema: str) -> None:
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
            )
