"""The reliability suite: faults and bad inputs over real HTTP on loopback.

Every test gets ``tally`` (the suite's totals, printed at the end of the run) and
``leaks`` (plant user text, then no log line may hold it; checked after each test).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

# The channels' own fixtures (served apps, mock Web API and connector), shared here.
from tests.console.conftest import console_server  # noqa: F401
from tests.reliability.leaks import LeakWatch
from tests.reliability.tally import SUITE, Tally
from tests.slack.conftest import serve, web_api  # noqa: F401
from tests.teams.conftest import connector, issuer, serve_teams  # noqa: F401


@pytest.fixture
def tally() -> Tally:
    """The suite's totals."""
    return SUITE


@pytest.fixture(autouse=True)
def leaks(caplog: pytest.LogCaptureFixture) -> Iterator[LeakWatch]:
    """Plant markers in user text; fail the test if any log line holds one."""
    caplog.set_level(logging.DEBUG)
    watch = LeakWatch()
    yield watch
    hits = watch.found_in(caplog.records)
    assert not hits, "user text reached the logs:\n" + "\n".join(hits)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the suite's totals when any reliability test ran."""
    if SUITE.tried or SUITE.expected_replies:
        terminalreporter.section("reliability totals")
        for line in SUITE.lines():
            terminalreporter.write_line(line)
