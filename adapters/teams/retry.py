"""Retrying outbound Bot Connector calls the way Teams asks for.

Teams answers 429 when a bot sends too fast and 412, 502 or 504 on transient
faults; the guidance is exponential backoff with jitter, and ``Retry-After``
when the service sends one. Only those statuses are retried: each of them
means the activity was not posted, so a retry cannot show a message twice.
Timeouts and dropped connections are not retried, because the activity may
have been posted before the connection broke. (msrest's own retries, which do
repeat POSTs after 5xx answers, are switched off by ``middleware.NoConnectorRetries``
so the two policies never multiply.)
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

__all__ = [
    "RETRYABLE_STATUSES",
    "RetryPolicy",
    "brief",
    "http_status",
    "retry_after",
    "with_retries",
]

log = logging.getLogger("scale_advisor.teams")

RETRYABLE_STATUSES = frozenset({412, 429, 502, 504})

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently an outbound call is retried.

    Attributes:
        attempts: Tries in all, the first one included.
        base_delay: Seconds before the first retry (before jitter); doubles each time.
        max_delay: The longest single wait; a ``Retry-After`` asking for more ends
            the retries instead of being cut short.

    """

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 10.0

    def delay(self, retry: int, server_asked: float | None) -> float | None:
        """Seconds to wait before retry number ``retry`` (0-based), or None to give up.

        Args:
            retry: How many retries came before this one.
            server_asked: The ``Retry-After`` seconds, when the answer had one.

        Returns:
            A jittered exponential backoff, never shorter than ``server_asked``;
            None when the server asks for longer than ``max_delay``.

        """
        ceiling = min(self.max_delay, self.base_delay * 2**retry)
        # "Equal jitter": half fixed, half random, so concurrent senders spread out
        # but none retries immediately.
        backoff = random.uniform(ceiling / 2, ceiling)
        if server_asked is None:
            return backoff
        if server_asked > self.max_delay:
            return None
        return max(backoff, server_asked)


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    what: str,
    sleep: Sleep = asyncio.sleep,
) -> T:
    """Run ``call``, retrying it on 412, 429, 502 and 504 answers.

    Args:
        call: Makes one attempt (a fresh awaitable each time).
        policy: Attempts and delays.
        what: What is being sent, for the log.
        sleep: Waits between attempts (tests may pass a fake).

    Returns:
        What ``call`` returned.

    Raises:
        Exception: The last error when it is not retryable or the retries ran out.

    """
    retry = 0
    while True:
        try:
            return await call()
        except Exception as error:
            status = http_status(error)
            if status not in RETRYABLE_STATUSES or retry + 1 >= policy.attempts:
                raise
            wait = policy.delay(retry, retry_after(error))
            if wait is None:
                raise
            log.warning(
                "teams: %s got HTTP %s; retry %d of %d in %.2f s",
                what,
                status,
                retry + 1,
                policy.attempts - 1,
                wait,
            )
            await sleep(wait)
            retry += 1


def brief(error: BaseException) -> str:
    """A failed connector call in one short line for the log (type and message)."""
    return f"{type(error).__name__}: {error}"[:300]


def http_status(error: BaseException) -> int | None:
    """The HTTP status of a failed connector call (msrest errors carry the response)."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return status if isinstance(status, int) else None


def retry_after(error: BaseException, now: datetime | None = None) -> float | None:
    """The seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date)."""
    headers = getattr(getattr(error, "response", None), "headers", None)
    value = headers.get("Retry-After") if headers is not None else None
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
