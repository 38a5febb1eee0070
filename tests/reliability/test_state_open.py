"""A state store that cannot be used stops the advisor with one clear line, not a traceback.

Real processes: ``scale-advisor serve`` (as ``tests/scaleout/replicas.py`` starts it) and
the CLI commands that open the store, over a SQLite file cut to 100 bytes, a file that
is no database at all, and a path that cannot be opened. Each must exit non-zero with
a single line that names the file and says what to do, so an orchestrator's log shows
the cause instead of a traceback on every restart.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.storage.sqlite import SqliteStateStore
from tests.reliability.leaks import LeakWatch
from tests.reliability.tally import Tally
from tests.scaleout.replicas import Replica

pytestmark = pytest.mark.integration

EXIT_TIMEOUT = 120.0  # the store is opened before the model loads: this is generous


def _truncated(path: Path, leaks: LeakWatch) -> None:
    """A real store holding a user's question, then cut to 100 bytes (its header survives)."""
    with SqliteStateStore(path) as store:
        store.record_answer(("console", "local", "u1"), "a1", leaks.planted(), "an answer", True)
    for leftover in path.parent.glob(path.name + "-*"):  # the WAL went with the crash
        leftover.unlink()
    with path.open("r+b") as handle:
        handle.truncate(100)


def _not_a_database(path: Path, leaks: LeakWatch) -> None:
    path.write_text(f"notes kept here by mistake: {leaks.planted()}\n" * 40, encoding="utf-8")


def _unopenable(path: Path, leaks: LeakWatch) -> None:
    # A folder where the file should be: SQLite cannot open it, whoever runs the test
    # (chmod 000 would not stop root, which CI containers often are).
    path.mkdir()


BROKEN_STORES: dict[str, Callable[[Path, LeakWatch], None]] = {
    "truncated": _truncated,
    "not-a-database": _not_a_database,
    "unopenable": _unopenable,
}
ADVICE = {
    "truncated": "restore it from a backup, or move it aside",
    "not-a-database": "restore it from a backup, or move it aside",
    "unopenable": "check that it is a file this user can read and write",
}


def _data_dir(tmp_path: Path, kind: str, leaks: LeakWatch) -> Path:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    BROKEN_STORES[kind](data_dir / "state.sqlite3", leaks)
    return data_dir


def _assert_one_clear_line(output: str, data_dir: Path, kind: str) -> None:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    (line,) = lines
    assert "Traceback" not in output
    assert str((data_dir / "state.sqlite3").absolute()) in line
    assert ADVICE[kind] in line


def test_serve_with_a_truncated_state_file_exits_with_one_clear_line(
    tmp_path: Path, tally: Tally, leaks: LeakWatch
) -> None:
    data_dir = _data_dir(tmp_path, "truncated", leaks)
    log = tmp_path / "serve.log"
    leaks.watch_file(log)
    replica = Replica("broken-store", {"SCALE_ADVISOR_DATA_DIR": str(data_dir)}, log)
    replica.start()
    assert replica.process is not None
    try:
        returncode = replica.process.wait(EXIT_TIMEOUT)
    finally:
        replica.stop()
    tally.requests(1, refused=1)  # a start that must not come up, and did not
    assert returncode != 0
    _assert_one_clear_line(replica.output(), data_dir, "truncated")


@pytest.mark.parametrize("kind", sorted(BROKEN_STORES))
@pytest.mark.parametrize("command", [["report"], ["scale-check", "--quick"]])
def test_cli_commands_that_open_a_broken_store_exit_with_one_clear_line(
    tmp_path: Path, tally: Tally, leaks: LeakWatch, kind: str, command: list[str]
) -> None:
    data_dir = _data_dir(tmp_path, kind, leaks)
    executable = shutil.which("scale-advisor")
    assert executable is not None, "the scale-advisor command is missing: pip install -e ."
    done = subprocess.run(  # noqa: S603 - our own command
        [executable, *command],
        input=b"",
        capture_output=True,
        env={**os.environ, "SCALE_ADVISOR_DATA_DIR": str(data_dir)},
        timeout=EXIT_TIMEOUT,
        check=False,
    )
    output = tmp_path / "cli.log"
    output.write_bytes(done.stdout + done.stderr)
    leaks.watch_file(output)
    tally.requests(1, refused=1)
    assert done.returncode == 1, output.read_text()
    assert done.stdout == b""
    _assert_one_clear_line(done.stderr.decode(), data_dir, kind)
    assert done.stderr.decode().startswith(f"scale-advisor {command[0]}: ")
