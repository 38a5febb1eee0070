"""Platform SDKs stay inside their adapter folder."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SLACK = ("slack_bolt", "slack_sdk")
TEAMS = ("botbuilder", "botframework", "msrest")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("bot", SLACK + TEAMS),
        ("ingest", SLACK + TEAMS),
        ("knowledge", SLACK + TEAMS),
        ("adapters/slack", TEAMS),
        ("adapters/teams", SLACK),
        ("adapters/console", SLACK + TEAMS),
    ],
)
def test_no_platform_sdk_outside_its_adapter(folder: str, forbidden: tuple[str, ...]) -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted((ROOT / folder).rglob("*.py"))
        for module in imported_modules(path)
        if module.split(".")[0] in forbidden
    ]
    assert offenders == []


# The core reaches transports, databases, the vector store and the ingest pipeline only
# through the protocols it defines; their implementations and the wiring live outside it.
OUTSIDE_THE_CORE = ("aiohttp", "adapters", "ingest", "chromadb", "langchain_chroma", "psycopg")


def test_the_core_imports_no_transport_database_index_or_adapter() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted((ROOT / "bot").rglob("*.py"))
        for module in imported_modules(path)
        if module.split(".")[0] in OUTSIDE_THE_CORE
    ]
    assert offenders == []


def test_the_check_sees_imports() -> None:
    assert "slack_bolt.app" in imported_modules(ROOT / "tests" / "unit" / "fixture_imports.py")


def test_benchmarks_import_the_project_never_the_tests() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted((ROOT / "benchmarks").rglob("*.py"))
        for module in imported_modules(path)
        if module.split(".")[0] == "tests"
    ]
    assert offenders == []


# The channels reach the core through one door (``bot.door.AdvisorDoor``): they import
# only the core's records and texts, and never touch the parts behind the door.
CHANNELS = ("adapters/slack", "adapters/teams", "adapters/console")
CORE_MODULES_CHANNELS_MAY_IMPORT = {
    "bot.door",
    "bot.messages",
    "bot.ports",
    "bot.chat_text",
    "bot.settings",
    "bot.logs",
    "bot.user_text",
    "bot.errors",
    "bot.metrics",
}
PARTS_BEHIND_THE_DOOR = {"router", "assessment", "knowledge", "follow_ups", "store"}


def core_imports(path: Path) -> set[str]:
    return {m for m in imported_modules(path) if m == "bot" or m.startswith("bot.")}


def reaches_past_the_door(path: Path) -> list[str]:
    """``advisor.<part>`` for a part of the core behind the door, wherever it is written."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Attribute) or node.attr not in PARTS_BEHIND_THE_DOOR:
            continue
        owner = node.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if name in ("advisor", "_advisor"):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: advisor.{node.attr}")
    return found


@pytest.mark.parametrize("folder", CHANNELS)
def test_channels_import_only_the_core_records_and_texts(folder: str) -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted((ROOT / folder).rglob("*.py"))
        for module in core_imports(path)
        if module not in CORE_MODULES_CHANNELS_MAY_IMPORT
    ]
    assert offenders == []


@pytest.mark.parametrize("folder", CHANNELS)
def test_channels_go_through_the_door(folder: str) -> None:
    offenders = [
        hit for path in sorted((ROOT / folder).rglob("*.py")) for hit in reaches_past_the_door(path)
    ]
    assert offenders == []


def test_the_door_check_sees_a_reach_past_it() -> None:
    sample = ROOT / "tests" / "unit" / "fixture_imports.py"
    assert reaches_past_the_door(sample) == ["tests/unit/fixture_imports.py:9: advisor.router"]
    assert "bot.router" in core_imports(sample)
