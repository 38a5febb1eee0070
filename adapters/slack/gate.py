"""A bolt middleware that answers some requests itself and passes the rest on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

__all__ = ["Gate"]


class Gate(AsyncMiddleware):
    """Stops a request with the response ``stop`` gives, or passes it on when that is None."""

    def stop(self, req: AsyncBoltRequest) -> BoltResponse | None:
        """The response that ends ``req`` here, or None to run the next middleware."""
        raise NotImplementedError

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],  # bolt calls it with this name
    ) -> BoltResponse:
        """Answer ``req`` with ``stop``'s response, or pass it on."""
        response = self.stop(req)
        return response if response is not None else await next()
