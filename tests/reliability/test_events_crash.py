"""kill -9 of a real ``scale-advisor serve`` between the acknowledgement and the reply.

The Web API stand-in holds ``chat.postMessage``, so the advisor has acknowledged the
event and is sending its answer when it is killed; the held post dies with it. The
server is started again on the same data dir (SQLite state, embedded Chroma):

- the event is answered exactly once, by the restarted process (nothing re-sent);
- Slack's retry (``X-Slack-Retry-Num``) after such a crash is answered exactly once,
  not dropped as "already claimed";
- a replay of an event answered before the restart is dropped.

Each process start loads the model, so the module shares one data dir and keeps at
most one server running, started only when a test needs a fresh one (three in all).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.reliability.holding_web_api import HoldingSlackWebApi
from tests.reliability.leaks import LeakWatch
from tests.reliability.tally import Tally
from tests.scaleout.replicas import Replica
from tests.scaleout.slack_web_api import WebApiCall
from tests.scaleout.test_replicas import SIGNING_SECRET, app_mention, deliver

pytestmark = pytest.mark.integration

LEASE_SECONDS = 2.0  # a dead claim is taken over quickly; restarting takes far longer
ANSWER_TIMEOUT = 180.0
SETTLE_SECONDS = 3.0  # after the answer: time for a second, wrong one to show up


@dataclass
class Advisors:
    """One data dir, at most one ``serve`` on it at a time, and the Web API they post to."""

    data_dir: Path
    logs: Path
    api: HoldingSlackWebApi
    current: Replica | None = None
    starts: int = 0
    started: list[Replica] = field(default_factory=list)

    def running(self) -> Replica:
        """The running server, or a new one on the same data dir."""
        if self.current is None or self.current.process is None:
            self.starts += 1
            env = {
                "SCALE_ADVISOR_DATA_DIR": str(self.data_dir),
                "SLACK_BOT_TOKEN": "xoxb-crash-test",
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": self.api.base_url,
                "EVENT_LEASE_SECONDS": str(LEASE_SECONDS),
                "HF_HUB_OFFLINE": "1",
            }
            replica = Replica(f"run-{self.starts}", env, self.logs / f"serve-{self.starts}.log")
            replica.start()
            self.started.append(replica)
            try:
                replica.wait_ready()
            except AssertionError:
                replica.stop()
                raise
            self.current = replica
        return self.current

    def kill(self) -> None:
        """kill -9 the running server: no shutdown, no draining, nothing flushed."""
        assert self.current is not None and self.current.process is not None
        self.current.process.send_signal(signal.SIGKILL)
        self.current.process.wait(30)
        self.current = None


@pytest.fixture(scope="module")
def advisors(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Advisors]:
    folder = tmp_path_factory.mktemp("crash")
    # Ingested once up front: a busy machine can take minutes to embed the knowledge
    # base, longer than a server start is given; every start then finds it unchanged.
    command = shutil.which("scale-advisor")
    assert command is not None, "the scale-advisor command is missing: pip install -e ."
    subprocess.run(  # noqa: S603 - our own command
        [command, "ingest"],
        env={**os.environ, "SCALE_ADVISOR_DATA_DIR": str(folder / "data"), "HF_HUB_OFFLINE": "1"},
        check=True,
        capture_output=True,
        timeout=1200,
    )
    with HoldingSlackWebApi().running() as api:
        assert isinstance(api, HoldingSlackWebApi)
        advisors = Advisors(folder / "data", folder, api)
        try:
            yield advisors
        finally:
            for replica in advisors.started:
                replica.stop()


def answers_in(api: HoldingSlackWebApi, thread_ts: str) -> list[WebApiCall]:
    """The posts in one mention's thread."""
    return [c for c in api.calls("chat.postMessage") if c.params.get("thread_ts") == thread_ts]


def wait_answers(api: HoldingSlackWebApi, thread_ts: str, replica: Replica) -> int:
    """Wait for the first answer in the thread, then a moment for any second one."""
    deadline = time.monotonic() + ANSWER_TIMEOUT
    while not answers_in(api, thread_ts) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(SETTLE_SECONDS)
    found = answers_in(api, thread_ts)
    assert found, f"no answer in thread {thread_ts}:\n{replica.output()[-3000:]}"
    return len(found)


def crash_while_answering(advisors: Advisors, body: str, leaks: LeakWatch) -> None:
    """Deliver ``body``, see the answer being posted, kill -9 the server, lose the post."""
    replica = advisors.running()
    leaks.watch_file(replica.log)
    advisors.api.hold()
    held = advisors.api.held
    assert deliver(replica, body) == 200  # acknowledged
    advisors.api.wait_held(held + 1, ANSWER_TIMEOUT)
    advisors.kill()
    discarded = advisors.api.discarded
    advisors.api.release()
    advisors.api.wait_discarded(discarded + 1, 30)  # the reply died with the process


def test_an_event_acknowledged_before_a_crash_is_answered_once_after_restart(
    advisors: Advisors, tally: Tally, leaks: LeakWatch
) -> None:
    ts = "1800000101.000100"
    body = app_mention(
        "Ev0CRASH00001", ts, f"How do we move a pilot into production? {leaks.planted()}"
    )
    crash_while_answering(advisors, body, leaks)

    restarted = advisors.running()  # same data dir: the stored event is replayed on start
    leaks.watch_file(restarted.log)
    sent = wait_answers(advisors.api, ts, restarted)
    tally.requests(1)
    tally.replies_for(1, sent)
    assert sent == 1, restarted.output()[-3000:]


def test_a_retry_after_a_crash_is_answered_once_and_a_done_event_is_not_replayed(
    advisors: Advisors, tally: Tally, leaks: LeakWatch
) -> None:
    ts = "1800000201.000100"
    body = app_mention("Ev0CRASH00002", ts, f"What does a model registry do? {leaks.planted()}")
    crash_while_answering(advisors, body, leaks)

    restarted = advisors.running()
    leaks.watch_file(restarted.log)
    # Slack did not see the first acknowledgement in time and sends the event again,
    # twice; the restarted server may be replaying it already: one answer either way.
    assert deliver(restarted, body, retry=1) == 200
    assert deliver(restarted, body, retry=2) == 200
    sent = wait_answers(advisors.api, ts, restarted)
    tally.requests(3)
    tally.replies_for(1, sent)
    assert sent == 1, restarted.output()[-3000:]

    # The first test's event was answered before this restart: its retry is dropped.
    earlier = "1800000101.000100"
    before = len(answers_in(advisors.api, earlier))
    replay = app_mention("Ev0CRASH00001", earlier, f"How do we move a pilot? {leaks.planted()}")
    assert deliver(restarted, replay, retry=3) == 200
    time.sleep(SETTLE_SECONDS)
    tally.requests(1)
    tally.replies_for(0, len(answers_in(advisors.api, earlier)) - before)
    assert len(answers_in(advisors.api, earlier)) == before
