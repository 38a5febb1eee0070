"""Two ``scale-advisor serve`` processes sharing one Chroma server and one PostgreSQL.

Slack re-sends an event it saw no acknowledgement for (same ``event_id``, header
``X-Slack-Retry-Num``), and a load balancer may hand the retry to another replica.
The replicas share the event ledger in PostgreSQL, so the answer is posted once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.scaleout.replicas import Replica
from tests.scaleout.servers import ChromaServer
from tests.scaleout.slack_web_api import BOT_USER_ID, TEAM_ID, RecordingSlackWebApi

pytestmark = pytest.mark.integration

SIGNING_SECRET = "replica-test-signing-secret"
CHANNEL = "C0SCALE"


def slack_signature(secret: str, timestamp: str, body: str) -> str:
    """What Slack sends in ``X-Slack-Signature``: v0= HMAC-SHA256 of ``v0:{ts}:{body}``."""
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    return f"v0={digest.hexdigest()}"


def app_mention(event_id: str, ts: str, question: str) -> str:
    """An Events API ``app_mention`` callback, as Slack posts it."""
    return json.dumps(
        {
            "token": "unused",
            "team_id": TEAM_ID,
            "api_app_id": "A0SCALE",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(float(ts)),
            "event": {
                "type": "app_mention",
                "user": "U0ASKER",
                "text": f"<@{BOT_USER_ID}> {question}",
                "ts": ts,
                "event_ts": ts,
                "channel": CHANNEL,
                "channel_type": "channel",
            },
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        }
    )


def deliver(replica: Replica, body: str, retry: int = 0) -> int:
    """POST a signed event to a replica's ``/slack/events``, as Slack would; the status."""
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": slack_signature(SIGNING_SECRET, timestamp, body),
    }
    if retry:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    request = urllib.request.Request(  # noqa: S310 - loopback only
        f"{replica.url}/slack/events", data=body.encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return int(response.status)


@pytest.fixture
def slack_api() -> Iterator[RecordingSlackWebApi]:
    with RecordingSlackWebApi().running() as api:
        yield api


@pytest.fixture
def replicas(
    server_settings: Settings,
    server_runtime: object,  # the knowledge is on the Chroma server before they start
    chroma_server: ChromaServer,
    slack_api: RecordingSlackWebApi,
    tmp_path: Path,
) -> Iterator[tuple[Replica, Replica]]:
    assert server_settings.database_url is not None
    env = {
        "SCALE_ADVISOR_DATA_DIR": str(server_settings.data_dir),
        "CHROMA_HOST": chroma_server.host,
        "CHROMA_PORT": str(chroma_server.port),
        "DATABASE_URL": server_settings.database_url.get_secret_value(),
        "SLACK_BOT_TOKEN": "xoxb-replica-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.base_url,
        "HF_HUB_OFFLINE": "1",
    }
    pair = (
        Replica("A", env, tmp_path / "replica-a.log"),
        Replica("B", env, tmp_path / "replica-b.log"),
    )
    try:
        for replica in pair:
            replica.start()
        for replica in pair:
            replica.wait_ready()
        yield pair
    finally:
        for replica in pair:
            replica.stop()


def test_a_slack_retry_on_the_other_replica_is_not_answered_again(
    replicas: tuple[Replica, Replica], slack_api: RecordingSlackWebApi
) -> None:
    a, b = replicas
    first_ts, later_ts = "1800000001.000100", "1800000002.000200"
    mention = app_mention("Ev0SCALE0001", first_ts, "How do we move a pilot into production?")

    assert deliver(a, mention) == 200
    assert deliver(b, mention, retry=1) == 200  # Slack's retry, routed to the other replica
    assert deliver(a, mention, retry=2) == 200  # and once more, back on the first

    # A new event on B: once it is answered, B has long finished with the retry it got
    # before it, so a second answer to the first mention would already be here.
    later = app_mention("Ev0SCALE0002", later_ts, "What does a model registry do?")
    assert deliver(b, later) == 200
    posts = slack_api.wait_for("chat.postMessage", 2, timeout=120)
    time.sleep(2)  # anything still in flight
    posts = slack_api.calls("chat.postMessage")

    threads = [str(post.params.get("thread_ts")) for post in posts]
    assert sorted(threads) == [first_ts, later_ts], (
        threads,
        a.output()[-2000:],
        b.output()[-2000:],
    )
    assert all(post.params.get("channel") == CHANNEL for post in posts)
    first_answer = next(p for p in posts if p.params.get("thread_ts") == first_ts)
    assert "[1]" in str(first_answer.params.get("text", "")) + json.dumps(
        first_answer.params.get("blocks", "")
    )
