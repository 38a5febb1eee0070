"""Real ``scale-advisor serve`` processes, started and stopped by the tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.scaleout.servers import LOOPBACK, free_port, http_ok, stop_process, wait_until

# Loading the model in two processes at once on two cores takes a while.
START_TIMEOUT = 300.0


@dataclass
class Replica:
    """One ``scale-advisor serve`` on a free loopback port, its output in ``log``."""

    name: str
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> None:
        command = shutil.which("scale-advisor")
        if command is None:
            raise AssertionError("the scale-advisor command is missing: pip install -e .")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own command
                [command, "serve", "--host", LOOPBACK, "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
            )

    def wait_ready(self) -> None:
        """Wait until ``/readyz`` answers 200; fail with the log if the process died."""
        wait_until(
            lambda: self._exited() or http_ok(f"{self.url}/readyz"),
            START_TIMEOUT,
            f"replica {self.name}",
            self.log,
        )
        if self._exited():
            raise AssertionError(f"replica {self.name} exited:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def _exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
