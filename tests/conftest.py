"""Shared fixtures: settings in a temporary data dir, one ingested knowledge base per session."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from bot.settings import Settings  # noqa: E402


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings that ignore the developer's environment and .env, rooted in ``data_dir``."""
    return Settings(_env_file=None, data_dir=data_dir, **overrides)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def onnx_export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ONNX export of the model for the whole run: exporting takes seconds."""
    return tmp_path_factory.mktemp("onnx-export")


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, onnx_export_dir: Path
) -> None:
    """No test reads a developer's Slack, Teams or LLM settings or their .env file.

    Every advisor a test starts, in this process or a child, shares the run's ONNX export.
    """
    for name in list(os.environ):
        if name.startswith(
            (
                "SLACK_",
                "Microsoft",
                "MICROSOFT",
                "LLM_",
                "SCALE_ADVISOR_",
                "TEAMS_",
                "ALLOWED_TENANT",
                "DATABASE_URL",
                "CHROMA_",
            )
        ):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCALE_ADVISOR_ONNX_DIR", str(onnx_export_dir))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def knowledge_runtime(
    tmp_path_factory: pytest.TempPathFactory, onnx_export_dir: Path
) -> Iterator[object]:
    """The real model and a real Chroma store with the built-in knowledge ingested."""
    from adapters.knowledge_runtime import open_knowledge

    data_dir = tmp_path_factory.mktemp("kb-data")
    runtime = open_knowledge(make_settings(data_dir, onnx_dir=onnx_export_dir), auto_ingest=True)
    yield runtime


@pytest.fixture
def advisor_factory(knowledge_runtime: object, tmp_path: Path) -> Iterator[object]:
    """Builds Advisors over the session's ingested knowledge, each with its own state file.

    Call it with a data dir (default: a fresh one) and optional settings overrides;
    two calls with the same data dir share their state, like a restarted server.
    """
    from adapters.composition import Advisor, assemble_advisor
    from adapters.knowledge_runtime import KnowledgeRuntime
    from adapters.storage.sqlite import SqliteStateStore

    assert isinstance(knowledge_runtime, KnowledgeRuntime)
    opened: list[Advisor] = []

    def build(data_dir: Path | None = None, **overrides: object) -> Advisor:
        data_dir = data_dir or tmp_path / "advisor-data"
        data_dir.mkdir(parents=True, exist_ok=True)
        settings = make_settings(data_dir, **overrides)
        store = SqliteStateStore(settings.state_db_path)
        advisor = assemble_advisor(settings, knowledge_runtime, store)
        opened.append(advisor)
        return advisor

    yield build
    for advisor in opened:
        advisor.close()


@pytest.fixture
async def model() -> AsyncIterator[object]:
    """A local OpenAI-compatible chat model on loopback; serve with ``llm_settings(model)``."""
    from tests.generation.fake_openai import FakeOpenAI

    fake = FakeOpenAI()
    await fake.start()
    yield fake
    await fake.stop()
