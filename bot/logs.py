"""Structured logs: JSON lines off a terminal, text on one, a request id, secrets redacted.

``configure_logging`` installs one handler on the root logger. Every record it
writes passes a ``RedactionFilter`` first, so Slack tokens, bearer tokens and the
configured secrets' values never reach the output, whichever module logged them.
Message bodies are never logged on purpose: callers log lengths and ids.

The request id lives in a context variable: the HTTP middleware sets one per
HTTP request, and the router sets one per inbound message that arrives without
one (Socket Mode, tests). ``asyncio.to_thread`` and new tasks copy the context,
so work done for a message logs with its id.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import TracebackType
from typing import TextIO

from pydantic import SecretStr

from bot.settings import Settings

__all__ = [
    "REDACTED",
    "REQUEST_ID_HEADER",
    "JsonFormatter",
    "RedactionFilter",
    "TextFormatter",
    "configure_logging",
    "current_request_id",
    "redact",
    "request_scope",
    "secret_values",
]

REDACTED = "[REDACTED]"
REQUEST_ID_HEADER = "X-Request-Id"
NO_REQUEST = "-"
# Shorter configured "secrets" would blank out ordinary words all over the logs.
MIN_SECRET_LENGTH = 6

_request_id: ContextVar[str] = ContextVar("scale_advisor_request_id", default=NO_REQUEST)
# A caller-supplied id is echoed into logs and headers, so only plain tokens are kept.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

_TOKEN_PATTERNS = (
    re.compile(r"\bxox[a-z]-[A-Za-z0-9-]+"),  # Slack bot, user and legacy tokens
    re.compile(r"\bxapp-[A-Za-z0-9-]+"),  # Slack app-level (Socket Mode) tokens
    re.compile(r"\bBearer\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),  # a bare JWT
    re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"),  # OpenAI-style API keys in provider errors
)
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")  # postgresql://user:password@host

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is a field.
_STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)


# --- request ids ---------------------------------------------------------------------------


def current_request_id() -> str:
    """The request id of the message being handled, or ``"-"`` outside one."""
    return _request_id.get()


def new_request_id() -> str:
    """A fresh request id: 16 hex digits."""
    return uuid.uuid4().hex[:16]


@contextmanager
def request_scope(request_id: str | None = None) -> Iterator[str]:
    """Run a block under a request id: the given one, the current one, or a new one.

    Args:
        request_id: Use this id (if it is a plain token); by default the id already
            set in this context is kept, and a new one is made when there is none.

    Yields:
        The request id in force inside the block.

    """
    if request_id is not None and _VALID_REQUEST_ID.match(request_id):
        chosen = request_id
    elif _request_id.get() != NO_REQUEST:
        chosen = _request_id.get()
    else:
        chosen = new_request_id()
    token = _request_id.set(chosen)
    try:
        yield chosen
    finally:
        _request_id.reset(token)


# --- redaction -------------------------------------------------------------------------------

ExcInfo = tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
MAX_CHAINED_EXCEPTIONS = 10


def secret_values(settings: Settings) -> list[str]:
    """The values of every secret setting (``SecretStr`` fields) that is set."""
    values = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            secret = value.get_secret_value()
            if len(secret) >= MIN_SECRET_LENGTH:
                values.append(secret)
    return values


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with tokens, URL passwords and the given secret values replaced by a marker."""
    for secret in sorted(secrets, key=len, reverse=True):  # longest first: one may contain another
        text = text.replace(secret, REDACTED)
    for pattern in _TOKEN_PATTERNS:
        text = pattern.sub(REDACTED, text)
    return _URL_PASSWORD.sub(rf"\1{REDACTED}@", text)


def traceback_without_messages(exc_info: ExcInfo) -> str:
    """A traceback's frames and exception types, without the exceptions' messages.

    An exception's message may quote what a user wrote (a provider's error repeating
    the prompt, a database error with the row it refused), and nothing a user wrote
    may reach a log. The frames and the types are what a maintainer needs to find
    the fault.
    """
    _, error, _ = exc_info
    if error is None:
        return ""
    chain: list[traceback.TracebackException] = []
    current: traceback.TracebackException | None = traceback.TracebackException.from_exception(
        error
    )
    while current is not None and len(chain) < MAX_CHAINED_EXCEPTIONS:
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    parts: list[str] = []
    for link in reversed(chain):  # the original cause first, as Python prints it
        if parts:
            parts.append("\nWhile handling it, another exception was raised:\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(link.stack.format())
        name = link.exc_type.__qualname__ if link.exc_type is not None else "Exception"
        parts.append(f"{name} (message withheld: it may quote what a user wrote)\n")
    return "".join(parts).rstrip("\n")


class RedactionFilter(logging.Filter):
    """Rewrites each record so its message, traceback and extra fields carry no secrets.

    Attached to the handler (not a logger), so it sees records from every logger
    that propagates to the root, the libraries' included.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        """Remember the secret values to remove, besides the token patterns.

        Args:
            secrets: Exact values to redact wherever they appear.

        """
        super().__init__()
        self._secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; always lets it through."""
        record.msg = redact(record.getMessage(), self._secrets)
        record.args = None
        if record.exc_info:
            # Always afresh: another handler (or a formatter before) may have cached the
            # traceback with its messages in exc_text.
            record.exc_text = traceback_without_messages(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self._secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self._secrets)
        for key, value in _extra_fields(record).items():
            if isinstance(value, str):
                setattr(record, key, redact(value, self._secrets))
        return True


# --- formats -----------------------------------------------------------------------------------


def _extra_fields(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRIBUTES}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": current_request_id(),
        }
        for key, value in _extra_fields(record).items():
            entry.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = traceback_without_messages(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Readable lines for a terminal: time, level, logger, request id, message, fields."""

    def __init__(self) -> None:
        """Use the advisor's line layout."""
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """The record as one (or, with a traceback, several) lines of text."""
        fields = " ".join(f"{k}={v}" for k, v in _extra_fields(record).items())
        setattr(record, "request_id", current_request_id())  # noqa: B010 - not a LogRecord field
        try:
            line = super().format(record)
        finally:
            delattr(record, "request_id")
        if not fields:
            return line
        head, newline, rest = line.partition("\n")
        return f"{head} {fields}{newline}{rest}"


_HANDLER_NAME = "scale-advisor"


def configure_logging(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Send every log record to ``stream`` (stderr), redacted, as JSON or text.

    JSON lines when the stream is not a terminal (containers, files, log shippers),
    readable text when it is; ``SCALE_ADVISOR_LOG_FORMAT`` overrides the choice.
    Calling it again replaces the handler it installed before.

    Args:
        settings: Supplies the level, the format and the secret values to redact.
        stream: Where to write; standard error by default.

    Returns:
        The installed handler.

    """
    stream = stream or sys.stderr
    as_json = settings.log_format == "json" or (
        settings.log_format == "auto" and not _is_terminal(stream)
    )
    handler = logging.StreamHandler(stream)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RedactionFilter(secret_values(settings)))
    handler.setFormatter(JsonFormatter() if as_json else TextFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # aiohttp's own access log would repeat the middleware's line without the request id.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    return handler


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty()) if callable(isatty) else False
