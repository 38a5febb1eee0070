"""The short notices come from knowledge/ui.yaml, one line each, every one required."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from bot.chat_text import UI_FILE, Notices


def test_every_notice_is_read_from_the_ui_file_as_one_line() -> None:
    written = yaml.safe_load(UI_FILE.read_text(encoding="utf-8"))["notices"]
    loaded = Notices.load()
    for field in fields(Notices):
        text = getattr(loaded, field.name)
        assert text == " ".join(str(written[field.name]).split()), field.name
        assert text and "\n" not in text, field.name


def test_the_slack_usage_names_the_command_it_is_given() -> None:
    usage = Notices.load().scale_check_usage.format(command="/scale-check")
    assert "`/scale-check`" in usage and "`/scale-check quick`" in usage


def test_a_ui_file_without_a_notice_is_refused_naming_it(tmp_path: Path) -> None:
    data = yaml.safe_load(UI_FILE.read_text(encoding="utf-8"))
    del data["notices"]["vote_not_yours"]
    edited = tmp_path / "ui.yaml"
    edited.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(KeyError, match="vote_not_yours"):
        Notices.load(edited)
