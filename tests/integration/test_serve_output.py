"""``scale-advisor serve`` on a new data dir: every line it writes is a JSON log record.

A real process on loopback: it loads the model, ingests the built-in knowledge base
(the data dir is empty) and serves. Log shippers read one JSON object per line, so the
first-use ingest's messages must be records like the rest, not plain text between them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.scaleout.replicas import Replica

pytestmark = pytest.mark.integration


def test_first_start_logs_the_ingest_as_json_records(tmp_path: Path) -> None:
    replica = Replica(
        "fresh",
        {
            "SCALE_ADVISOR_DATA_DIR": str(tmp_path / "data"),
            "SCALE_ADVISOR_LOG_FORMAT": "auto",  # not a terminal: JSON
            "HF_HUB_OFFLINE": "1",
        },
        tmp_path / "serve.log",
    )
    replica.start()
    try:
        replica.wait_ready()
    finally:
        replica.stop()
    lines = [line for line in replica.output().splitlines() if line.strip()]
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"a line of serve's output is not JSON: {line!r}")
    messages = [str(record.get("message", "")) for record in records]
    assert any(m.startswith("Knowledge base is new or changed") for m in messages), messages
    ingested = next(r for r in records if str(r.get("message", "")).startswith("Ingested: "))
    assert ingested["logger"] == "scale_advisor.knowledge"
    assert "chunks added" in ingested["message"]
