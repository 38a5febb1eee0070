"""The console's JSON API, /metrics, /readyz and the logs, against the real served app."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from html import escape as html_escape
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from yarl import URL

from adapters.console.app import BROWSER_COOKIE, STATIC_DIR
from adapters.console.markup import to_html
from bot.logs import REDACTED, configure_logging, redact, request_scope
from bot.messages import Action, ActionKind, AnswerReply, Inbound, QuestionReply, ResultReply
from bot.metrics import AdvisorMetrics, outcome_of
from tests.conftest import make_settings
from tests.console.conftest import ConsoleServer, ask, browser_client, press

pytestmark = pytest.mark.integration

COVERED = "How do we move a pilot into production?"
NOT_COVERED = "What is the best recipe for banana bread?"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def finish_quick_check(client: aiohttp.ClientSession, option: str = "2") -> dict[str, Any]:
    [reply] = await press(client, "assess_start", "quick")
    while reply["kind"] == "question":
        ref = f"{reply['assessment_id']}:{reply['question_id']}"
        [reply] = await press(client, "assess_answer", option, ref)
    assert reply["kind"] == "result", reply
    return reply


async def metric_samples(client: aiohttp.ClientSession) -> dict[tuple[str, frozenset[Any]], float]:
    async with client.get("/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def sample(name: str, **labels: str) -> tuple[str, frozenset[Any]]:
    return (name, frozenset(labels.items()))


# --- the page ---------------------------------------------------------------------------------


async def test_the_page_is_served_at_the_root_with_a_browser_cookie(
    client: aiohttp.ClientSession,
) -> None:
    async with client.get("/") as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert BROWSER_COOKIE in response.cookies
        page = await response.text()
    assert '<script src="/console/static/console.js"' in page
    # The welcome is in the served HTML, not fetched by a script after the page loads.
    log_html = page.split('<section id="log"', 1)[1].split("</section>", 1)[0]
    assert 'class="entry advisor notice"' in log_html and "scale-check" in log_html
    assert log_html.count('class="chip"') >= 3 and "<!-- welcome -->" not in page
    for asset in ("/console/static/console.js", "/console/static/console.css"):
        async with client.get(asset) as response:
            assert response.status == 200, asset


def test_the_page_loads_nothing_from_elsewhere() -> None:
    for path in STATIC_DIR.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", text), path.name
        assert "@import" not in text and "url(http" not in text, path.name
        assert "fonts.googleapis" not in text and "cdn" not in text.lower(), path.name


# --- answers and feedback ---------------------------------------------------------------------


async def test_a_question_gets_an_answer_with_sources_and_feedback_buttons(
    client: aiohttp.ClientSession,
) -> None:
    [answer] = await ask(client, COVERED)
    assert answer["kind"] == "answer" and answer["covered"]
    assert answer["sources"] and all(s["title"] and s["source"] for s in answer["sources"])
    html = answer["html"]
    assert 'class="sources"' in html and answer["sources"][0]["title"] in html
    assert f'data-action="feedback" data-value="up" data-ref="{answer["answer_id"]}"' in html
    [thanks] = await press(client, "feedback", "up", answer["answer_id"])
    assert thanks["kind"] == "notice" and "Thanks" in thanks["text"]


async def test_see_also_links_ask_their_sections_question(client: aiohttp.ClientSession) -> None:
    [answer] = await ask(client, COVERED)
    see_also = answer["see_also"]
    assert 2 <= len(see_also) <= 3
    assert '<div class="see-also">' in answer["html"]
    for related in see_also:
        assert f'<a href="#" data-ask="{html_escape(related["question"], quote=True)}">' in (
            answer["html"]
        )
    [followed] = await ask(client, see_also[0]["question"])  # what the link sends
    assert followed["covered"] and followed["sources"]


async def test_text_from_users_and_documents_is_escaped(client: aiohttp.ClientSession) -> None:
    [answer] = await ask(client, "<script>alert(1)</script> what is <b>MLOps</b>?")
    assert "<script>" not in answer["html"] and "<b>" not in answer["html"]
    assert to_html("- a <i>b</i> [1]", {1: 'T "x"'}) == (
        '<ul><li>a &lt;i&gt;b&lt;/i&gt;&nbsp;<sup class="cite" title="T &quot;x&quot;">[1]'
        "</sup></li></ul>"
    )


async def test_two_browsers_do_not_share_a_conversation(console_server: ConsoleServer) -> None:
    async with browser_client(console_server) as first, browser_client(console_server) as other:
        await ask(first, "What is the EU AI Act's high-risk category?")
        # The other browser has asked nothing: its follow-up has no topic to lean on.
        [stranger] = await ask(other, "and when does that apply?")
        [follow_up] = await ask(first, "and when does that apply?")
    assert any("EU AI Act" in s["title"] for s in follow_up["sources"])
    assert not any("EU AI Act" in s["title"] for s in stranger["sources"])


async def test_a_new_question_after_another_is_answered_on_its_own(
    client: aiohttp.ClientSession,
) -> None:
    await ask(client, "What is the EU AI Act's high-risk category?")
    [follow_up] = await ask(client, "and when does that apply?")
    [new] = await ask(client, "What does a model registry do?")
    assert any("EU AI Act" in s["title"] for s in follow_up["sources"])
    assert new["covered"] and not any("EU AI Act" in s["title"] for s in new["sources"])
    assert new["sources"][0]["title"] == "Platform approach"


# --- scale-check and chart --------------------------------------------------------------------


async def test_a_quick_scale_check_by_buttons_ends_with_a_result_and_its_chart(
    console_server: ConsoleServer, client: aiohttp.ClientSession
) -> None:
    [first] = await press(client, "assess_start", "quick")
    assert first["kind"] == "question" and first["number"] == 1
    ref = f"{first['assessment_id']}:{first['question_id']}"
    [second] = await press(client, "assess_answer", "1", ref)
    assert second["number"] == 2 and 'data-action="assess_back"' in second["html"]
    [back] = await press(client, "assess_back", "", f"{first['assessment_id']}:")
    assert back["question_id"] == first["question_id"] and "option chosen" in back["html"]
    [restarted] = await press(client, "assess_restart", "quick", ref)
    assert restarted["number"] == 1

    result = await finish_quick_check(client)
    assert result["phase"] and result["mlops_level"] and result["operating_model"]
    assert len(result["dimensions"]) >= 3 and result["recommendations"]
    assert all(r["source"] and r["ask"] for r in result["recommendations"])
    assert 'data-ask="' in result["html"] and result["chart_url"] in result["html"]
    async with client.get(result["chart_url"]) as response:
        assert response.status == 200 and response.content_type == "image/png"
        assert (await response.read()).startswith(PNG_SIGNATURE)
    async with (
        browser_client(console_server) as stranger,
        stranger.get(result["chart_url"]) as response,
    ):
        assert response.status == 404  # another browser's chart is not served

    # Another replica (or a restart) redraws the chart from the stored history.
    cookie = client.cookie_jar.filter_cookies(URL(console_server.url))[BROWSER_COOKIE].value
    browser = cookie.partition(".")[0]  # the id; the signature follows the dot
    png = await console_server.advisor.door.chart(
        ("console", "local", browser), result["assessment_id"]
    )
    assert png is not None and png.startswith(PNG_SIGNATURE)


async def test_an_unfinished_scale_check_is_offered_again_on_the_next_visit(
    client: aiohttp.ClientSession,
) -> None:
    [first] = await press(client, "assess_start", "full")
    async with client.get("/console/api/welcome") as response:
        welcome = await response.json()
    kinds = [r["kind"] for r in welcome["replies"]]
    assert kinds == ["notice", "notice", "question"]
    assert welcome["replies"][-1]["question_id"] == first["question_id"]
    assert welcome["suggestions"] and all(s.endswith("?") for s in welcome["suggestions"])
    async with client.get("/") as response:  # the page itself opens with the same question
        page = await response.text()
    assert f'data-ref="{first["assessment_id"]}:{first["question_id"]}"' in page


# --- bad input --------------------------------------------------------------------------------

JSON = "application/json"
BAD_REQUESTS = [
    ("GET", "/console/api/ask", None, JSON, 405),
    ("POST", "/console/api/ask", '{"text": "hi"}', "text/plain", 415),
    ("POST", "/console/api/ask", "text=hi", "application/x-www-form-urlencoded", 415),
    ("POST", "/console/api/ask", "{not json", JSON, 400),
    ("POST", "/console/api/ask", b"\xff\xfe not utf-8", JSON, 400),
    ("POST", "/console/api/ask", "[1, 2]", JSON, 400),
    ("POST", "/console/api/ask", "{}", JSON, 400),
    ("POST", "/console/api/ask", '{"text": 42}', JSON, 400),
    ("POST", "/console/api/ask", '{"text": "   "}', JSON, 400),
    ("POST", "/console/api/ask", json.dumps({"text": "x" * 2001}), JSON, 400),
    ("POST", "/console/api/ask", '{"text": "hi", "thread": "../etc"}', JSON, 400),
    ("POST", "/console/api/ask", json.dumps({"text": "x" * 1_100_000}), JSON, 413),
    ("POST", "/console/api/action", '{"kind": "explode"}', JSON, 400),
    ("POST", "/console/api/action", '{"value": "up"}', JSON, 400),
    ("POST", "/console/api/action", '{"kind": "feedback", "value": 1}', JSON, 400),
    ("POST", "/console/api/action", json.dumps({"kind": "feedback", "ref": "r" * 201}), JSON, 400),
    ("GET", "/console/api/chart/not*an*id", None, JSON, 400),
    ("GET", "/console/api/chart/0123456789ab", None, JSON, 404),
    ("GET", "/console/api/nothing-here", None, JSON, 404),
]


@pytest.mark.parametrize(("method", "path", "body", "content_type", "status"), BAD_REQUESTS)
async def test_bad_input_is_a_json_4xx_never_a_500(
    client: aiohttp.ClientSession,
    method: str,
    path: str,
    body: str | bytes | None,
    content_type: str,
    status: int,
) -> None:
    raw = body.encode() if isinstance(body, str) else body
    # A stream, not raw bytes: aiohttp warns that a megabyte of raw bytes blocks its loop.
    data = io.BytesIO(raw) if raw is not None else None
    headers = {"Content-Type": content_type}
    async with client.request(method, path, data=data, headers=headers) as response:
        assert response.status == status
        assert response.content_type == "application/json"
        error = await response.json()
    assert error["error"] and "Traceback" not in error["error"]
    assert re.fullmatch(r"[0-9a-f]{16}", error["request_id"])


async def test_presses_that_do_not_fit_get_a_notice_not_an_error(
    client: aiohttp.ClientSession,
) -> None:
    [stale] = await press(client, "assess_answer", "0", "old-run:q1")
    assert stale["kind"] == "notice"  # nothing in progress
    [vote] = await press(client, "feedback", "up", "no-such-answer")
    assert "couldn't record" in vote["text"]
    first = (await press(client, "assess_start", "quick"))[0]
    [wrong] = await press(client, "assess_answer", "99", f"{first['assessment_id']}:")
    assert wrong["kind"] == "notice"


# --- metrics ----------------------------------------------------------------------------------


async def test_metrics_count_answers_feedback_and_assessments(
    client: aiohttp.ClientSession,
) -> None:
    before = await metric_samples(client)
    assert before[sample("scale_advisor_answers_total", coverage="covered")] == 0
    assert before[sample("scale_advisor_llm_fallbacks_total", cause="timeout")] == 0

    [answer] = await ask(client, COVERED)
    [missed] = await ask(client, NOT_COVERED)
    assert answer["covered"] and not missed["covered"]
    await press(client, "feedback", "up", answer["answer_id"])
    await press(client, "feedback", "down", missed["answer_id"])
    await press(client, "feedback", "down", "no-such-answer")  # not recorded, not counted
    await finish_quick_check(client)

    after = await metric_samples(client)
    expected = {
        sample("scale_advisor_answers_total", coverage="covered"): 1,
        sample("scale_advisor_answers_total", coverage="not_covered"): 1,
        sample("scale_advisor_feedback_total", vote="up"): 1,
        sample("scale_advisor_feedback_total", vote="down"): 1,
        sample("scale_advisor_assessments_started_total", mode="quick"): 1,
        sample("scale_advisor_assessments_started_total", mode="full"): 0,
        sample("scale_advisor_assessments_completed_total"): 1,
        sample("scale_advisor_requests_total", platform="console", outcome="answered"): 1,
        sample("scale_advisor_requests_total", platform="console", outcome="not_covered"): 1,
        sample("scale_advisor_requests_total", platform="console", outcome="feedback"): 3,
        sample("scale_advisor_requests_total", platform="console", outcome="assessment"): 7,
        sample(
            "scale_advisor_requests_total", platform="console", outcome="assessment_completed"
        ): 1,
        sample("scale_advisor_answer_latency_seconds_count", mode="extractive"): 2,
    }
    assert {key: after.get(key) for key in expected} == expected
    latency = after[sample("scale_advisor_answer_latency_seconds_sum", mode="extractive")]
    assert 0 < latency < 60


def test_each_metrics_object_has_its_own_registry() -> None:
    first, second = AdvisorMetrics(), AdvisorMetrics()
    first.count_feedback("up")
    first.count_llm_fallback("RateLimitError")
    assert first.registry is not second.registry
    assert b'scale_advisor_feedback_total{vote="up"} 1.0' in first.exposition()[0]
    assert b'scale_advisor_feedback_total{vote="up"} 0.0' in second.exposition()[0]
    assert (
        b'scale_advisor_llm_fallbacks_total{cause="RateLimitError"} 1.0' in (first.exposition()[0])
    )


def test_outcomes_and_starts_are_read_from_the_replies() -> None:
    text = Inbound("slack", "T1", "U1", text="scale-check quick")
    question = QuestionReply("a1", "q1", "Data", "?", ("a", "b"), 1, 7, False, "quick")
    answer = AnswerReply("why?", "because", covered=True)
    metrics = AdvisorMetrics()
    metrics.record(text, [question], 0.1)
    # A question asked mid-assessment, still on question 1: an answer, not a new run.
    metrics.record(Inbound("slack", "T1", "U1", text="why?"), [answer, question], 0.1)
    restart = Inbound("slack", "T1", "U1", action=Action(ActionKind.ASSESS_RESTART, "quick"))
    metrics.record(restart, [question], 0.1)
    exposition = metrics.exposition()[0].decode()
    assert 'scale_advisor_assessments_started_total{mode="quick"} 1.0' in exposition
    assert outcome_of(restart, [question]) == "assessment"
    result = ResultReply("a1", "Scale", 2, "manual", "federated", (), (), ())
    assert outcome_of(restart, [result]) == "assessment_completed"
    assert outcome_of(text, [answer, question]) == "answered"


# --- health -----------------------------------------------------------------------------------


async def test_readyz_checks_settings_and_the_state_store(
    console_server: ConsoleServer, client: aiohttp.ClientSession
) -> None:
    async with client.get("/readyz") as response:
        assert response.status == 200
        assert await response.json() == {
            "status": "ok",
            "knowledge": True,
            "model": True,
            "settings": True,
            "state_store": True,
            "state_store_writes": True,
        }
    settings = console_server.advisor.settings
    settings.log_format = "xml"  # type: ignore[assignment]  # assignment is not validated
    async with client.get("/readyz") as response:
        assert response.status == 503 and (await response.json())["settings"] is False
    settings.log_format = "auto"
    console_server.advisor.store.close()  # type: ignore[attr-defined]
    async with client.get("/readyz") as response:
        body = await response.json()
        assert response.status == 503 and body["state_store"] is False
        assert body["state_store_writes"] is False and body["status"] == "not ready"
    async with client.get("/healthz") as response:
        assert response.status == 200  # the process is still up


# --- logs -------------------------------------------------------------------------------------


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root, access = logging.getLogger(), logging.getLogger("aiohttp.access")
    handlers, level, access_level = root.handlers[:], root.level, access.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    access.setLevel(access_level)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


SLACK_BOT = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
APP_TOKEN = "xapp-1-A0123456789-1234567890123-abcdef0123456789"
TEAMS_PASSWORD = "Teams~Password.Value-42"


def secret_settings(tmp_path: Path, **overrides: object) -> Any:
    return make_settings(
        tmp_path,
        slack_bot_token=SLACK_BOT,
        slack_signing_secret="signing-secret-value-0123",
        slack_app_token=APP_TOKEN,
        microsoft_app_password=TEAMS_PASSWORD,
        **overrides,
    )


def test_logs_are_json_lines_off_a_terminal_with_request_ids_and_no_secrets(
    tmp_path: Path, restore_logging: None
) -> None:
    stream = io.StringIO()
    configure_logging(secret_settings(tmp_path), stream)
    log = logging.getLogger("scale_advisor.test")
    with request_scope("req-42"):
        log.info("calling Slack with %s", SLACK_BOT, extra={"header": f"Bearer {SLACK_BOT}"})
        log.warning("socket mode token %s; auth: Bearer abc.def-ghi", APP_TOKEN)
        log.info("teams password is %s", TEAMS_PASSWORD)
        try:
            raise RuntimeError(f"signing failed with signing-secret-value-0123 and {SLACK_BOT}")
        except RuntimeError:
            log.exception("request failed")
    log.info("database postgresql://advisor:hunter2pass@db:5432/state")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["request_id"] for line in lines] == ["req-42"] * 4 + ["-"]
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    output = stream.getvalue()
    for secret in (SLACK_BOT, APP_TOKEN, TEAMS_PASSWORD, "signing-secret-value", "abc.def"):
        assert secret not in output
    assert "hunter2pass" not in output and "postgresql://advisor:[REDACTED]@db" in output
    assert lines[0]["header"] == f"Bearer {REDACTED}"
    assert "RuntimeError" in lines[3]["exception"] and "message withheld" in lines[3]["exception"]


def test_logs_are_readable_text_on_a_terminal(tmp_path: Path, restore_logging: None) -> None:
    stream = Terminal()
    configure_logging(secret_settings(tmp_path), stream)
    with request_scope("req-7"):
        logging.getLogger("scale_advisor.test").info("token %s", SLACK_BOT, extra={"ms": 3})
    [line] = stream.getvalue().splitlines()
    assert not line.startswith("{")
    assert "INFO scale_advisor.test [req-7] token [REDACTED] ms=3" in line
    forced = io.StringIO()
    configure_logging(secret_settings(tmp_path, log_format="json"), forced)
    logging.getLogger("scale_advisor.test").info("again")
    assert json.loads(forced.getvalue())["message"] == "again"
    assert len([h for h in logging.getLogger().handlers if h.get_name() == "scale-advisor"]) == 1


def test_redaction_patterns() -> None:
    assert redact("a xoxp-1-2-3 b") == f"a {REDACTED} b"
    assert redact("authorization: bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl") == (
        f"authorization: {REDACTED}"
    )
    assert redact("key sk-abcdefghijklmnopqrstuv used") == f"key {REDACTED} used"
    assert redact("my own s3cr3t-value here", ["s3cr3t-value"]) == f"my own {REDACTED} here"
    assert redact("nothing secret here") == "nothing secret here"


async def test_a_message_is_logged_with_its_request_id_and_without_its_text(
    console_server: ConsoleServer, client: aiohttp.ClientSession, restore_logging: None
) -> None:
    stream = io.StringIO()
    configure_logging(console_server.advisor.settings, stream)
    secret_question = "How do we move a pilot into production with project zanzibar?"
    async with client.post(
        "/console/api/ask", json={"text": secret_question}, headers={"X-Request-Id": "trace-1"}
    ) as response:
        assert response.status == 200
        assert response.headers["X-Request-Id"] == "trace-1"
    async with client.get("/healthz", headers={"X-Request-Id": "bad id!"}) as response:
        generated = response.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{16}", generated)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    handled = [line for line in lines if line["message"] == "message handled"]
    assert len(handled) == 1 and handled[0]["request_id"] == "trace-1"
    assert handled[0]["text_chars"] == len(secret_question)
    assert handled[0]["outcome"] in ("answered", "not_covered")
    http = [line for line in lines if line["logger"] == "scale_advisor.http"]
    assert http[0]["message"] == "POST /console/api/ask 200" and http[0]["request_id"] == "trace-1"
    assert "zanzibar" not in stream.getvalue()
