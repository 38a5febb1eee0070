"""The records the ports carry: a stored result is read back in one place."""

from __future__ import annotations

import json

from bot.ports import StoredResult

USER = ("slack", "T1", "U1")


def test_a_stored_result_is_read_into_typed_fields() -> None:
    stored = json.dumps(
        {"phase": "Scale", "answers": {"q1": 2}, "dimensions": {"data": 50, "team": 25.5}}
    )
    result = StoredResult.read(USER, "a1", "quick", "2026-12-01T09:00:00Z", stored)
    assert (result.workspace, result.assessment_id, result.mode) == ("T1", "a1", "quick")
    assert result.phase == "Scale" and result.answers == {"q1": 2}
    assert result.dimensions == {"data": 50.0, "team": 25.5}
    assert result.details["phase"] == "Scale"


def test_a_damaged_stored_result_reads_as_empty_fields_not_an_error() -> None:
    for stored in ("not json", "[1, 2]", json.dumps({"dimensions": {"data": "high", "x": True}})):
        result = StoredResult.read(USER, "a1", "full", "2026-12-01", stored)
        assert result.dimensions == {} and result.answers == {} and result.phase == ""
