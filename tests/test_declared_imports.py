"""Every third-party module the project imports is declared in pyproject.toml.

A module that is only installed by hand on a developer's machine makes CI pass there
and fail on a fresh one. This walks every import under the shipped folders and the
benchmarks, maps each top-level module to the distribution that provides it (from the
installed packages' metadata) and checks that distribution is a dependency or belongs
to an extra.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterable, Mapping
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKED_FOLDERS = ("bot", "adapters", "ingest", "benchmarks")
FIRST_PARTY = frozenset({"bot", "adapters", "ingest", "knowledge", "benchmarks", "tests"})


def normalise(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_distributions(pyproject: Path) -> set[str]:
    """The dependencies and every extra's packages, normalised, without versions."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements.extend(extra)
    names = set()
    for requirement in requirements:
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
        if match:
            names.add(normalise(match.group(1)))
    return names


def imported_modules(source: str) -> set[str]:
    """The top-level names of the absolute imports in ``source`` (wherever they sit)."""
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def undeclared_imports(
    files: Iterable[Path],
    declared: set[str],
    providers: Mapping[str, list[str]],
) -> dict[str, str]:
    """Third-party modules imported by ``files`` whose distribution is not declared.

    Returns a mapping of module to the reason, naming a file that imports it.
    """
    problems: dict[str, str] = {}
    for path in files:
        for module in imported_modules(path.read_text(encoding="utf-8")):
            if module in sys.stdlib_module_names or module in FIRST_PARTY or module in problems:
                continue
            distributions = {normalise(d) for d in providers.get(module, [])}
            if not distributions:
                problems[module] = f"imported by {path.name}, but no installed package provides it"
            elif not distributions & declared:
                names = ", ".join(sorted(distributions))
                problems[module] = f"imported by {path.name}, from {names}, which is not declared"
    return problems


def project_files() -> list[Path]:
    return sorted(
        path for folder in CHECKED_FOLDERS for path in (ROOT / folder).rglob("*.py")
    )


def test_every_imported_third_party_module_is_declared() -> None:
    declared = declared_distributions(ROOT / "pyproject.toml")
    assert undeclared_imports(project_files(), declared, packages_distributions()) == {}


def test_an_undeclared_import_is_reported(tmp_path: Path) -> None:
    module = tmp_path / "uses_things.py"
    module.write_text(
        "import os\nimport yaml\nfrom numpy import array\nfrom bot.answering.text import tokenize\n"
        "if True:\n    from . import sibling\n    import not_installed_anywhere\n",
        encoding="utf-8",
    )
    providers = {"yaml": ["PyYAML"], "numpy": ["numpy"]}
    problems = undeclared_imports([module], {"pyyaml"}, providers)
    assert set(problems) == {"numpy", "not_installed_anywhere"}
    assert "numpy, which is not declared" in problems["numpy"]
    assert undeclared_imports([module], {"pyyaml", "numpy"}, providers).keys() == {
        "not_installed_anywhere"
    }


def test_extras_and_version_markers_are_read_from_pyproject(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "x"\ndependencies = ["PyYAML>=6", "psycopg[binary]>=3"]\n'
        '[project.optional-dependencies]\nollama = ["langchain_ollama>=0.3"]\n',
        encoding="utf-8",
    )
    assert declared_distributions(pyproject) == {"pyyaml", "psycopg", "langchain-ollama"}
