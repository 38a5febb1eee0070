"""The advisor on a real Chroma server (``chroma run``) and a real PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from adapters.composition import Advisor, open_advisor
from adapters.index.chroma import open_client
from adapters.knowledge_runtime import KnowledgeRuntime, open_knowledge
from adapters.storage.postgres import PostgresStateStore
from bot.errors import BackendUnavailableError
from bot.messages import Action, ActionKind, AnswerReply, Inbound, QuestionReply, ResultReply
from bot.settings import Settings
from tests.conftest import make_settings
from tests.scaleout.servers import ChromaServer, free_port
from tests.scaleout.token_gate import TokenGate

pytestmark = pytest.mark.integration

USER = ("console", "acme", "u-scale")


def _cli(args: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "SCALE_ADVISOR_DATA_DIR": str(data_dir), **env}
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "adapters.cli.main", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
        check=False,
    )


def _server_env(chroma: ChromaServer) -> dict[str, str]:
    return {"CHROMA_HOST": chroma.host, "CHROMA_PORT": str(chroma.port)}


# --- ingest and ask ---------------------------------------------------------------------------


def test_the_knowledge_lives_on_the_server(
    server_runtime: KnowledgeRuntime, chroma_server: ChromaServer, server_data_dir: Path
) -> None:
    direct = chromadb.HttpClient(
        host=chroma_server.host,
        port=chroma_server.port,
        settings=ChromaSettings(anonymized_telemetry=False),
    )
    collections = {c.name: c.count() for c in direct.list_collections()}
    chunks = server_runtime.store.count()
    assert chunks > 20
    assert collections["scaling-advisor"] == chunks
    assert collections["scaling-advisor-questions"] > 0
    assert not (server_data_dir / "chroma").exists()  # no embedded store beside it


def test_a_second_ingest_embeds_nothing(server_runtime: KnowledgeRuntime) -> None:
    report = server_runtime.ingest([])
    assert report.failures == []
    assert (report.chunks_added, report.chunks_removed) == (0, 0)
    assert report.chunks_unchanged == server_runtime.store.count()


def test_cli_ingest_and_ask_use_the_server(
    server_runtime: KnowledgeRuntime, chroma_server: ChromaServer, tmp_path: Path
) -> None:
    # A data dir of its own: had ingest used an embedded store there, it would embed it all.
    data_dir = tmp_path / "cli-data"
    ingest = _cli(["ingest", "--json"], data_dir, **_server_env(chroma_server))
    assert ingest.returncode == 0, ingest.stderr
    report = json.loads(ingest.stdout)
    assert report["chunks_added"] == 0 and report["chunks_unchanged"] > 20
    ask = _cli(
        ["ask", "--json", "How do we move a pilot into production?"],
        data_dir,
        **_server_env(chroma_server),
    )
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert answer["covered"] is True and "[1]" in answer["answer"]
    assert answer["sources"] and answer["sources"][0]["source"].startswith("guidance/")
    assert not (data_dir / "chroma").exists()


# --- a full assessment over two replicas ------------------------------------------------------


@pytest.fixture
def two_replicas(
    server_runtime: KnowledgeRuntime, server_settings: Settings
) -> Iterator[list[Advisor]]:
    """Two advisors as two replicas build them: one Chroma server, one PostgreSQL database."""
    replicas = [open_advisor(server_settings), open_advisor(server_settings)]
    yield replicas
    for replica in replicas:
        replica.close()


def _say(text: str) -> Inbound:
    return Inbound(*USER, conversation="c1", thread="t1", text=text)


def _answer(question: QuestionReply, option: str) -> Inbound:
    ref = f"{question.assessment_id}:{question.question_id}"
    return Inbound(*USER, conversation="c1", action=Action(ActionKind.ASSESS_ANSWER, option, ref))


async def test_a_full_assessment_moves_between_replicas(two_replicas: list[Advisor]) -> None:
    first, second = two_replicas
    assert all(isinstance(r.store, PostgresStateStore) for r in two_replicas)
    [reply] = await first.router.handle(_say("What does a model registry do?"))
    assert isinstance(reply, AnswerReply) and reply.covered and reply.sources
    assert second.store.get_answer(reply.answer_id) is not None  # recorded where both see it

    [question] = await first.router.handle(_say("scale-check full"))
    assert isinstance(question, QuestionReply) and question.mode == "full"
    result: ResultReply | None = None
    answered = 0
    while result is None:
        # Every click lands on the other replica, as a load balancer may send it.
        replica = two_replicas[(answered + 1) % 2]
        [reply] = await replica.router.handle(_answer(question, "2"))
        answered += 1
        if isinstance(reply, ResultReply):
            result = reply
        else:
            assert isinstance(reply, QuestionReply) and reply.number == answered + 1
            question = reply
    assert answered == question.total == 16
    assert 3 <= len(result.recommendations) <= 5
    for replica in two_replicas:
        [latest] = replica.store.history(USER)
        assert latest.assessment_id == question.assessment_id and latest.mode == "full"
        assert replica.store.load_progress(USER) is None


# --- what operators see when a server is missing ----------------------------------------------


def test_an_unreachable_chroma_server_is_a_clear_cli_error(tmp_path: Path) -> None:
    port = str(free_port())
    for command in (["ask", "What is MLOps?"], ["ingest"], ["serve", "--port", str(free_port())]):
        result = _cli(command, tmp_path / "data", CHROMA_HOST="127.0.0.1", CHROMA_PORT=port)
        assert result.returncode == 1, (command, result.stderr)
        assert f"cannot use the Chroma server at http://127.0.0.1:{port}" in result.stderr
        assert "Traceback" not in result.stderr


def test_an_unreachable_database_is_a_clear_cli_error(tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text("{}", encoding="utf-8")
    url = f"postgresql://advisor:hunter2@127.0.0.1:{free_port()}/state"
    result = _cli(["scale-check", "--answers", str(answers), "--json"], tmp_path, DATABASE_URL=url)
    assert result.returncode == 1, result.stderr
    assert "cannot use the PostgreSQL database 127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr and "hunter2" not in result.stderr


def test_the_auth_token_is_sent_as_a_bearer_token(
    chroma_server: ChromaServer, server_runtime: KnowledgeRuntime, tmp_path: Path
) -> None:
    with TokenGate(chroma_server.url, "s3cret-token").running() as gate:

        def settings(token: str | None) -> Settings:
            return make_settings(
                tmp_path, chroma_host="127.0.0.1", chroma_port=gate.port, chroma_auth_token=token
            )

        client = open_client(settings("s3cret-token"))
        assert "scaling-advisor" in {c.name for c in client.list_collections()}
        assert set(gate.authorizations) == {"Bearer s3cret-token"}
        for wrong in ("not-the-token", None):
            with pytest.raises(BackendUnavailableError, match="Unauthorized"):
                open_client(settings(wrong))


# --- a replica's start-up never undoes an ingest made elsewhere -------------------------------


def test_a_starting_replica_keeps_documents_ingested_on_another_machine(
    server_runtime: KnowledgeRuntime, chroma_server: ChromaServer, tmp_path: Path
) -> None:
    document = tmp_path / "ops-box" / "playbook.md"
    document.parent.mkdir()
    document.write_text(
        "# Launch playbook\n\nThe zebra review board signs off every model launch.\n",
        encoding="utf-8",
    )
    assert server_runtime.ingest([document]).chunks_added >= 1
    where = {"path": str(document.resolve())}

    def launch_ids() -> list[str]:
        return [s.chunk_id for s in server_runtime.store.sections(where=where)]

    try:
        document.unlink()  # the replica's machine has no such file
        replica_settings = make_settings(
            tmp_path / "replica-data",  # and no ingest state of its own
            chroma_host=chroma_server.host,
            chroma_port=chroma_server.port,
        )
        said: list[str] = []
        open_knowledge(replica_settings, auto_ingest=True, notify=said.append)
        assert not any("ingesting" in line for line in said)
        assert launch_ids()
    finally:
        server_runtime.store.remove_sections(launch_ids())
        server_runtime.retriever.refresh()
