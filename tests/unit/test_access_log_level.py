import logging

from adapters.http.request_log import _access_level


def test_successful_webhook_deliveries_and_probes_are_debug() -> None:
    assert _access_level("/slack/events", 200) == logging.DEBUG
    assert _access_level("/api/messages", 202) == logging.DEBUG
    assert _access_level("/healthz", 200) == logging.DEBUG


def test_failed_deliveries_and_everything_else_are_info() -> None:
    assert _access_level("/slack/events", 401) == logging.INFO
    assert _access_level("/api/messages", 400) == logging.INFO
    assert _access_level("/console/api/ask", 200) == logging.INFO
