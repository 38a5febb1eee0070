"""The README matches the project: its links lead somewhere, its settings table is whole."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import AliasChoices

from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def relative_links(markdown: str) -> list[str]:
    """Targets of Markdown links that are paths in the repository (not URLs or anchors)."""
    targets = re.findall(r"\]\(([^)\s]+)\)", markdown)
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:|#", t)]


def section(markdown: str, heading: str) -> str:
    """The text under a ``## heading`` up to the next heading of that level."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert match, f"README has no '## {heading}' section"
    return match.group(1)


def tables(text: str) -> list[list[str]]:
    """The Markdown tables in ``text``, each as its lines (a blank line ends a table)."""
    found: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found


def test_every_relative_link_in_the_readme_exists() -> None:
    links = relative_links(README.read_text())
    missing = [t for t in links if not (ROOT / t.split("#")[0]).exists()]
    assert missing == []


def test_link_check_catches_a_missing_file() -> None:
    links = relative_links("[a](adapters/slack/manifest.yaml) [b](https://x.org) [c](#top)")
    assert links == ["adapters/slack/manifest.yaml"]


def setting_variables() -> list[str]:
    """The environment variable each setting is read from (its first name)."""
    names = []
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.append(str(alias.choices[0]))
    return names


def test_the_configuration_table_is_one_table() -> None:
    """A blank line inside a Markdown table ends it: the rows after it show as text."""
    found = tables(section(README.read_text(), "Configuration"))
    assert len(found) == 1
    assert found[0][0].startswith("| setting |")


def test_every_setting_is_in_a_settings_table() -> None:
    settings_tables = [t for t in tables(README.read_text()) if t[0].startswith("| setting |")]
    documented = "\n".join(row for table in settings_tables for row in table)
    missing = [name for name in setting_variables() if f"`{name}`" not in documented]
    assert missing == []
