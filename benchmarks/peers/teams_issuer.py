"""A local stand-in for the Bot Framework token issuer: an RSA key, OpenID metadata, JWKS.

botbuilder fetches the metadata and keys with blocking ``requests`` calls made
on the event loop's thread, so they are served from a daemon thread
(``http.server``), never from the test's loop, which would deadlock.

Tokens look like the Bot Framework channel's: RS256, ``kid`` in the JWKS,
``iss`` the configured issuer, ``aud`` the app id, a ``serviceurl`` claim equal
to the activity's serviceUrl, and no ``ver``/``appid`` claims (those would make
botbuilder read it as a skill token).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.test"
KEY_ID = "local-test-key"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class LocalIssuer:
    """Serves ``/.well-known/openidconfiguration`` and ``/keys`` on 127.0.0.1 from a thread."""

    def __init__(self, issuer: str = ISSUER) -> None:
        self.issuer = issuer
        self.key = new_key()
        self.requests: list[str] = []
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": KEY_ID, "use": "sig", "alg": "RS256", "endorsements": ["msteams"]})
        self._jwks = {"keys": [jwk]}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/.well-known/openidconfiguration"

    def start(self) -> LocalIssuer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def token(
        self,
        app_id: str,
        service_url: str,
        *,
        issuer: str | None = None,
        audience: str | None = None,
        expires_in: float = 3600,
        key: rsa.RSAPrivateKey | None = None,
        kid: str = KEY_ID,
        **extra: Any,
    ) -> str:
        now = int(time.time())
        claims = {
            "iss": issuer or self.issuer,
            "aud": audience or app_id,
            "serviceurl": service_url,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + int(expires_in),
            **extra,
        }
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": kid})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer.requests.append(self.path)
                if self.path == "/.well-known/openidconfiguration":
                    body: dict[str, Any] = {
                        "issuer": issuer.issuer,
                        "jwks_uri": f"{issuer.base_url}/keys",
                        "id_token_signing_alg_values_supported": ["RS256"],
                    }
                elif self.path == "/keys":
                    body = issuer._jwks
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # keep test output clean

        return Handler
