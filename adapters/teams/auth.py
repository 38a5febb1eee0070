"""Bot Framework authentication configured from the advisor's Settings.

``ConfigurationBotFrameworkAuthentication`` reads a configuration object's
upper-case attributes (``APP_ID``, ``APP_TYPE``...). ``bot_framework_config``
builds that object from ``Settings`` and checks it first, so a wrong app type
or a missing tenant id stops the server with a clear message instead of a
failed token request at the first reply.

``AuthOverrides`` points inbound token validation at another OpenID issuer
(a sovereign or private cloud, or a test's local issuer) and can supply the
factory that makes outbound credentials. Setting either override switches
botbuilder to its parameterized authentication; the outbound login URL and
scope then default to the public cloud's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import AuthenticationConstants

from bot.settings import Settings

__all__ = [
    "APP_TYPES",
    "AuthOverrides",
    "BotFrameworkConfig",
    "authentication",
    "bot_framework_config",
]

APP_TYPES = {
    "singletenant": "SingleTenant",
    "multitenant": "MultiTenant",
    "userassignedmsi": "UserAssignedMSI",
}


@dataclass(frozen=True)
class AuthOverrides:
    """Where inbound tokens come from and how outbound ones are made, if not the public cloud.

    Attributes:
        openid_metadata_url: The channel's OpenID metadata (its ``jwks_uri`` lists the keys).
        token_issuer: The ``iss`` every inbound token must carry.
        credentials_factory: A botframework ``ServiceClientCredentialsFactory`` for
            outbound calls; by default one is built from the app id, password and type.
        login_url: The outbound token endpoint.
        oauth_scope: The outbound token scope.

    """

    openid_metadata_url: str | None = None
    token_issuer: str | None = None
    credentials_factory: Any = None
    login_url: str = AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL
    oauth_scope: str = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE


@dataclass(frozen=True)
class BotFrameworkConfig:
    """The configuration object botbuilder reads, with the names it expects."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str | None = None
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str | None = None
    TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL: str | None = None
    TO_CHANNEL_FROM_BOT_LOGIN_URL: str | None = None
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: str | None = None
    OAUTH_URL: str | None = None


def bot_framework_config(
    settings: Settings, overrides: AuthOverrides | None = None
) -> BotFrameworkConfig:
    """The botbuilder configuration for these settings.

    Args:
        settings: ``microsoft_app_id``, ``microsoft_app_password``, ``microsoft_app_type``
            and ``microsoft_app_tenant_id`` are read.
        overrides: Another issuer for inbound tokens, if any.

    Returns:
        The configuration; an empty ``APP_ID`` means authentication is off.

    Raises:
        ValueError: An unknown app type, or a type whose required settings are missing.

    """
    app_type = APP_TYPES.get(settings.microsoft_app_type.strip().lower())
    if app_type is None:
        raise ValueError(
            f"MicrosoftAppType {settings.microsoft_app_type!r} is not one of "
            "SingleTenant, MultiTenant or UserAssignedMSI"
        )
    app_id = settings.microsoft_app_id.strip()
    password = (
        settings.microsoft_app_password.get_secret_value()
        if settings.microsoft_app_password
        else ""
    )
    tenant = settings.microsoft_app_tenant_id.strip()
    custom_credentials = overrides is not None and overrides.credentials_factory is not None
    if app_id and not custom_credentials:  # the default factory needs these to get tokens
        _check_app_type(app_type, password, tenant)
    parameterized = overrides is not None and bool(
        overrides.openid_metadata_url or overrides.token_issuer
    )
    if not parameterized or overrides is None:
        return BotFrameworkConfig(app_id, password, app_type, tenant)
    return BotFrameworkConfig(
        app_id,
        password,
        app_type,
        tenant,
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=overrides.openid_metadata_url,
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=overrides.token_issuer,
        TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL=(
            AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
        ),
        TO_CHANNEL_FROM_BOT_LOGIN_URL=overrides.login_url,
        TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=overrides.oauth_scope,
        OAUTH_URL=AuthenticationConstants.OAUTH_URL,
    )


def authentication(settings: Settings, overrides: AuthOverrides | None = None) -> Any:
    """A ``ConfigurationBotFrameworkAuthentication`` for these settings (and overrides)."""
    config = bot_framework_config(settings, overrides)
    factory = overrides.credentials_factory if overrides is not None else None
    return ConfigurationBotFrameworkAuthentication(config, credentials_factory=factory)


def _check_app_type(app_type: str, password: str, tenant: str) -> None:
    if app_type == "SingleTenant" and not (password and tenant):
        raise ValueError(
            "MicrosoftAppType SingleTenant needs MicrosoftAppPassword and MicrosoftAppTenantId"
        )
    if app_type == "UserAssignedMSI" and not tenant:
        raise ValueError("MicrosoftAppType UserAssignedMSI needs MicrosoftAppTenantId")
    if app_type == "MultiTenant" and not password:
        raise ValueError("MicrosoftAppType MultiTenant needs MicrosoftAppPassword")
