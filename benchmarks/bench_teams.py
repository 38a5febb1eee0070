"""Teams under load: 100 concurrent authenticated activities against the served app.

Starts, all on 127.0.0.1: the advisor's web app with the Teams channel, a local
token issuer (OpenID metadata and JWKS, as in tests/teams) and a mock Bot
Connector. Then it posts N activities at once, each signed like the Bot
Framework's, from N different users, and reports:

- HTTP latency (p50, p95, max): how long the channel waited for each request;
  Teams gives up after about 15 s.
- answered: activities whose reply reached the connector, in the turn or later
  as a proactive message (the ones answered 202).

Run:  python benchmarks/bench_teams.py [--requests 100] [--budget 10] [--data-dir DIR]
Exits 0 when every activity was answered and every request took under 15 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import workload  # noqa: E402
from benchmarks.stats import percentile  # noqa: E402
from bot.settings import Settings, configure_offline  # noqa: E402

configure_offline()

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from adapters.composition import open_advisor  # noqa: E402
from adapters.teams.app import TEAMS_KEY, TeamsOptions, mount_teams  # noqa: E402
from adapters.teams.auth import AuthOverrides  # noqa: E402
from benchmarks.peers.teams_activities import APP_ID, personal  # noqa: E402
from benchmarks.peers.teams_connector import MockConnector  # noqa: E402
from benchmarks.peers.teams_credentials import StubCredentialsFactory  # noqa: E402
from benchmarks.peers.teams_issuer import LocalIssuer  # noqa: E402

TEAMS_LIMIT = 15.0
# A quick scale check among the questions; the last one (an answer) warms the model up.
QUESTIONS = [*workload.QUESTIONS[:6], "scale-check quick", *workload.QUESTIONS[6:]]


async def run(requests: int, budget: float, data_dir: Path) -> int:
    settings = Settings(_env_file=None, data_dir=data_dir, microsoft_app_id=APP_ID)  # type: ignore[call-arg]
    workload.remove_state(settings.state_db_path)  # each run starts with empty conversations
    print(f"opening the advisor in {data_dir} (ingests the knowledge base on first use)...")
    advisor = open_advisor(settings)
    issuer = LocalIssuer().start()
    connector = await MockConnector().start()
    overrides = AuthOverrides(
        openid_metadata_url=issuer.metadata_url,
        token_issuer=issuer.issuer,
        credentials_factory=StubCredentialsFactory(APP_ID),
    )
    app = web.Application()
    described = await mount_teams(app, advisor, TeamsOptions(overrides, reply_budget=budget))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/api/messages"
    print(f"serving {described} at {url}; connector at {connector.url}")

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def post(index: int) -> tuple[int, float]:
            activity = personal(QUESTIONS[index % len(QUESTIONS)], connector.url, user=f"u{index}")
            token = issuer.token(APP_ID, connector.url)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            started = time.perf_counter()
            async with session.post(url, data=json.dumps(activity), headers=headers) as response:
                await response.read()
                return response.status, time.perf_counter() - started

        status, warm = await post(-1)  # loads the signing keys and warms the model
        print(f"warm-up request: HTTP {status} in {warm:.2f} s (not counted)")
        connector.clear()

        started = time.perf_counter()
        results = await asyncio.gather(*(post(i) for i in range(requests)))

    def answered_users() -> set[str]:
        return {c.body["recipient"]["id"] for c in connector.messages}

    try:
        await connector.wait_for(lambda _: len(answered_users()) >= requests, timeout=120)
    except TimeoutError:
        pass
    all_answered = time.perf_counter() - started
    await app[TEAMS_KEY].late_replies.drain(5)
    await runner.cleanup()
    await connector.stop()
    issuer.stop()
    advisor.close()

    latencies = [seconds for _, seconds in results]
    statuses = [code for code, _ in results]
    answered = len(answered_users())
    within = sum(1 for s in latencies if s < TEAMS_LIMIT)
    print()
    print(f"requests:      {requests} concurrent, reply budget {budget:g} s")
    counts = ", ".join(f"{code} x{statuses.count(code)}" for code in sorted(set(statuses)))
    deferred = " (202: finished as a proactive message)" if 202 in statuses else ""
    print(f"HTTP statuses: {counts}{deferred}")
    print(
        f"latency:       p50 {statistics.median(latencies):.2f} s, "
        f"p95 {percentile(latencies, 0.95):.2f} s, max {max(latencies):.2f} s"
    )
    print(f"within {TEAMS_LIMIT:g} s:  {within}/{requests}")
    print(
        f"answered:      {answered}/{requests} "
        f"(last reply at the connector {all_answered:.2f} s after the burst began)"
    )
    ok = answered == requests and within == requests and all(s in (200, 202) for s in statuses)
    print("target met" if ok else "TARGET MISSED")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--budget", type=float, default=10.0, help="reply budget in seconds")
    workload.add_data_dir(parser, "teams")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    return asyncio.run(run(args.requests, args.budget, args.data_dir))


if __name__ == "__main__":
    raise SystemExit(main())
