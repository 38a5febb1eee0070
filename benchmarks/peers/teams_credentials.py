"""Outbound credentials that never call Entra ID: a static bearer token.

botbuilder asks a ``ServiceClientCredentialsFactory`` for the credentials of
every connector client; the default one would get a token from
login.microsoftonline.com through MSAL. This one hands out a fixed token, in
the style of botframework-connector's tests/authentication_stub.py, so the mock
connector can check that replies were authenticated.
"""

from __future__ import annotations

from typing import Any

from botframework.connector.auth import ServiceClientCredentialsFactory
from msrest.authentication import Authentication

OUTBOUND_TOKEN = "outbound-test-token"


class StaticToken(Authentication):  # type: ignore[misc]
    def signed_session(self, session: Any = None) -> Any:
        session = super().signed_session(session)
        session.headers["Authorization"] = f"Bearer {OUTBOUND_TOKEN}"
        return session


class StubCredentialsFactory(ServiceClientCredentialsFactory):  # type: ignore[misc]
    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        self.created = 0

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == self.app_id

    async def is_authentication_disabled(self) -> bool:
        return not self.app_id

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Authentication:
        self.created += 1
        return StaticToken()
