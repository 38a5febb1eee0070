"""Console identities: issued by the server, signed, and checked on every request.

A browser's identity is a random id the server chose, sent back in a cookie as
``<id>.<HMAC-SHA256(secret, id)>``. A cookie the server did not sign (made up,
edited, copied from an unsigned older release) is not an identity: the browser is
given a new one, so nobody can act as another browser by naming its id.

The secret is ``SCALE_ADVISOR_CONSOLE_SECRET`` when set (replicas behind one load
balancer need the same one); otherwise it is generated once and kept in the data
directory, readable by its owner only. It is never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from bot.settings import Settings

__all__ = ["SECRET_FILE", "BrowserIds", "console_secret"]

SECRET_FILE = "console-secret"  # noqa: S105 - the file name, not the secret
_ID = re.compile(r"^[0-9a-f]{32}$")
_SIGNATURE = re.compile(r"^[0-9a-f]{64}$")


def console_secret(settings: Settings) -> bytes:
    """The key that signs console cookies: from the settings, else from the data dir.

    The first start writes a new random key to ``DATA_DIR/console-secret`` (mode 0600);
    later starts, and other processes sharing the folder, read the same key.
    """
    if settings.console_secret is not None:
        return settings.console_secret.get_secret_value().encode()
    path = settings.data_dir / SECRET_FILE
    if not path.exists():
        _create_secret(path)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise ValueError(f"{path} holds no usable console secret: delete it to make a new one")
    return key.encode()


def _create_secret(path: Path) -> None:
    """Write a new key to ``path`` unless another process got there first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole under a temporary name, then linked into place: a process starting
    # at the same moment reads either no file or the complete key, and one key wins.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        temporary.unlink(missing_ok=True)


@dataclass(frozen=True)
class BrowserIds:
    """Issues browser ids as signed cookie values and reads them back."""

    secret: bytes

    def issue(self) -> tuple[str, str]:
        """A new browser id and the cookie value that carries it."""
        browser_id = secrets.token_hex(16)
        return browser_id, f"{browser_id}.{self._sign(browser_id)}"

    def verify(self, cookie: str) -> str | None:
        """The browser id in a cookie value this server signed, else None."""
        browser_id, _, signature = cookie.partition(".")
        if not (_ID.match(browser_id) and _SIGNATURE.match(signature)):
            return None
        return browser_id if hmac.compare_digest(signature, self._sign(browser_id)) else None

    def _sign(self, browser_id: str) -> str:
        # The purpose is part of the message, so this key's signature means nothing elsewhere.
        message = f"console-browser:{browser_id}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()
