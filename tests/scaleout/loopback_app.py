"""Serve an aiohttp application on loopback from a thread of its own.

The scale-out tests are synchronous and talk to real processes; their small HTTP
stand-ins (the token gate, the Slack Web API) run on their own event loop thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web

from tests.scaleout.servers import LOOPBACK


@contextmanager
def serving(app: web.Application, port: int) -> Iterator[None]:
    """Serve ``app`` on ``127.0.0.1:port`` until the block ends."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, LOOPBACK, port).start())
    thread = threading.Thread(target=loop.run_forever, name=f"loopback-{port}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.run_until_complete(runner.cleanup())
        loop.close()
