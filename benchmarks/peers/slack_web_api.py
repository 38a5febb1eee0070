"""A local stand-in for Slack's Web API: a real aiohttp server on 127.0.0.1 that records calls.

Like slack-bolt's ``tests/mock_web_api_server``: point ``AsyncWebClient(base_url=...)``
(our ``SLACK_API_URL``) at ``base_url`` and every call lands here, parsed and
recorded in order. It can be told to answer one call with 429 + Retry-After, to
fail a method with a Slack error code (``disallow`` fails the AI app methods the way
a workspace that does not allow them does), or to refuse messages carrying a block
type (``refuse_blocks``). It keeps native streams as Slack does: started, appended
to and stopped, in that order, and refused in a channel without the recipient.
Also serves the file upload URL it hands out and a ``response_url`` for slash
commands.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TEAM_ID = "T0SCALE"
BOT_USER_ID = "UADVISOR"
BOT_ID = "BADVISOR"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The Web API methods of Slack's AI apps: thread status, suggested prompts, streaming.
AI_APP_METHODS = (
    "assistant.threads.setStatus",
    "assistant.threads.setSuggestedPrompts",
    "chat.startStream",
    "chat.appendStream",
    "chat.stopStream",
)
MESSAGE_CALLS = ("chat.postMessage", "chat.update", "chat.postEphemeral", "chat.stopStream")


@dataclass
class Stream:
    """A natively streamed message: its Markdown so far, and the blocks it was stopped with."""

    channel: str
    thread_ts: str
    markdown: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    stopped: bool = False


@dataclass
class Call:
    """One request the mock received."""

    method: str
    params: dict[str, Any]
    status: int = 200  # 429 when rate limited; 400 when answered {"ok": false}
    body: bytes = field(default=b"", repr=False)
    result: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)


class MockSlackWebApi:
    """The Web API methods the adapter calls, recorded."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.uploads: dict[str, bytes] = {}
        self._rate_limits: dict[str, int] = {}
        self._failures: dict[tuple[str, str | None], str] = {}
        self._counter = itertools.count(1)
        self.admins: set[str] = set()  # user ids users.info calls workspace admins
        self.streams: dict[str, Stream] = {}  # by the streamed message's ts
        self._refused_blocks: set[str] = set()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # slack_sdk reads some methods by GET
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/response/{token}", self._response_url)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/api/"

    @property
    def response_url(self) -> str:
        return f"{self.root}/response/cmd"

    # --- behaviour switches ---------------------------------------------------------------

    def rate_limit(self, method: str, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with 429 and ``Retry-After: 1``."""
        self._rate_limits[method] = times

    def fail(self, method: str, error: str, channel: str | None = None) -> None:
        """Answer ``method`` (for one channel, or any) with ``{"ok": false, "error": ...}``."""
        self._failures[(method, channel)] = error

    def disallow(
        self, error: str = "not_allowed", methods: tuple[str, ...] = AI_APP_METHODS
    ) -> None:
        """Answer the AI app methods as a workspace that does not allow them does."""
        for method in methods:
            self.fail(method, error)

    def refuse_blocks(self, block_type: str) -> None:
        """Answer ``invalid_blocks`` to any message carrying a block of ``block_type``."""
        self._refused_blocks.add(block_type)

    # --- reading what happened ------------------------------------------------------------

    def calls_to(self, method: str, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)]

    @property
    def messages(self) -> list[Call]:
        """Successful chat.postMessage calls."""
        return self.calls_to("chat.postMessage")

    async def wait_for(
        self, check: Callable[[MockSlackWebApi], bool], timeout: float = 60.0
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not check(self):
            if loop.time() > deadline:
                raise AssertionError(f"timed out; calls so far: {[c.method for c in self.calls]}")
            await asyncio.sleep(0.02)

    async def wait_for_calls(self, method: str, count: int, timeout: float = 60.0) -> list[Call]:
        await self.wait_for(lambda m: len(m.calls_to(method)) >= count, timeout)
        return self.calls_to(method)

    # --- handlers ----------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        params["_token"] = request.headers.get("Authorization", "")
        left = self._rate_limits.get(method, 0)
        if left > 0:
            self._rate_limits[method] = left - 1
            self.calls.append(Call(method, params, status=429))
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"}
            )
        channel = params.get("channel") or params.get("channel_id")
        error = (
            self._failures.get((method, channel))
            or self._failures.get((method, None))
            or self._refusal(method, params)
        )
        if error:
            self.calls.append(Call(method, params, status=400))
            return web.json_response({"ok": False, "error": error})
        result = self._answer(method, params)
        self.calls.append(Call(method, params, result=result))
        return web.json_response(result)

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        n = next(self._counter)
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://scale.slack.com/",
                "team": "Scale",
                "user": "advisor",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if method in ("chat.postMessage", "chat.update"):
            channel = str(params.get("channel", ""))
            if channel.startswith("U"):  # posting to a user id lands in the DM with them
                channel = "D" + channel[1:]
            ts = str(params.get("ts") or f"{1_700_000_000 + n}.{n:06d}")
            return {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts}}
        if method in ("chat.startStream", "chat.appendStream", "chat.stopStream"):
            return self._stream(method, params, f"{1_700_000_000 + n}.{n:06d}")
        if method == "users.info":
            user = str(params.get("user", ""))
            admin = user in self.admins
            return {
                "ok": True,
                "user": {"id": user, "is_admin": admin, "is_owner": False, "is_bot": False},
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{1_700_000_000 + n}.{n:06d}"}
        if method == "views.publish":
            return {"ok": True, "view": {"id": f"V{n}", **dict(params.get("view") or {})}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{n:08d}"
            return {"ok": True, "upload_url": f"{self.root}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = params.get("files") or []
            return {
                "ok": True,
                "files": [{"id": f.get("id"), "title": f.get("title")} for f in files],
            }
        return {"ok": True}

    def _refusal(self, method: str, params: dict[str, Any]) -> str:
        """The error Slack itself would answer this call with ("" for none)."""
        blocks = params.get("blocks") or []
        if method in MESSAGE_CALLS and any(b.get("type") in self._refused_blocks for b in blocks):
            return "invalid_blocks"
        channel = str(params.get("channel", ""))
        if method == "chat.startStream" and not channel.startswith("D"):
            # Outside a DM a stream is for someone: Slack wants the user and their team.
            if not (params.get("recipient_user_id") and params.get("recipient_team_id")):
                return "invalid_arguments"
        if method in ("chat.appendStream", "chat.stopStream"):
            stream = self.streams.get(str(params.get("ts", "")))
            if stream is None or stream.stopped or stream.channel != channel:
                return "message_not_in_streaming_state"
        return ""

    def _stream(self, method: str, params: dict[str, Any], new_ts: str) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        if method == "chat.startStream":
            ts = new_ts
            self.streams[ts] = Stream(channel, str(params.get("thread_ts", "")))
        else:
            ts = str(params["ts"])
        stream = self.streams[ts]
        stream.markdown += str(params.get("markdown_text") or "") + "".join(
            str(c.get("text", ""))
            for c in params.get("chunks") or []
            if c.get("type") == "markdown_text"
        )
        if method == "chat.stopStream":
            stream.stopped = True
            stream.blocks = list(params.get("blocks") or [])
        return {"ok": True, "channel": channel, "ts": ts}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        body = await request.read()
        self.uploads[file_id] = body  # slack_sdk posts the file's bytes as the body
        self.calls.append(Call("upload", {"file_id": file_id}, body=body))
        return web.Response(text=f"OK - {len(body)}")

    async def _response_url(self, request: web.Request) -> web.Response:
        self.calls.append(Call("response_url", await request.json()))
        return web.Response(text="ok")


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json())
    elif request.can_read_body:
        form = await request.post()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    for key in ("blocks", "files", "view", "attachments"):  # form posts carry JSON strings
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params
