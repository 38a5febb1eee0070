"""The Teams channel's parts on their own: retries, settings, translation, the app package."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from botbuilder.schema import Activity
from PIL import Image

from adapters.teams.auth import AuthOverrides, bot_framework_config
from adapters.teams.cards import action_data
from adapters.teams.feedback import BadFeedback, NativeVote, message_key, parse_vote
from adapters.teams.inbound import is_foreign_click, to_inbound
from adapters.teams.mentions import is_personal, mentions_bot, mentions_others
from adapters.teams.package import build_package, manifest_for, normalise_app_id
from adapters.teams.retry import RetryPolicy, retry_after, with_retries
from benchmarks.peers.teams_activities import (
    CHANNEL,
    channel_mention,
    channel_message,
    foreign_click,
    personal,
)
from bot.messages import Action, ActionKind
from tests.conftest import make_settings

APP_GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


# --- retries ----------------------------------------------------------------------------------


class HttpError(Exception):
    """Shaped like msrest's HttpOperationError: ``response.status_code`` and ``headers``."""

    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.response = SimpleNamespace(status_code=status, headers=headers or {})


class Flaky:
    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "sent"


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.mark.parametrize("status", [429, 412, 502, 504])
async def test_retryable_statuses_are_retried_with_growing_jittered_delays(status) -> None:
    call, sleeps = Flaky(HttpError(status), HttpError(status), HttpError(status)), Sleeps()
    policy = RetryPolicy(attempts=4, base_delay=1.0, max_delay=10.0)
    assert await with_retries(call, policy, "test", sleep=sleeps) == "sent"
    assert call.calls == 4
    for retry, slept in enumerate(sleeps):
        assert 2**retry / 2 <= slept <= 2**retry


@pytest.mark.parametrize(
    "error", [HttpError(400), HttpError(403), HttpError(500), OSError("reset")]
)
async def test_other_failures_are_not_retried(error) -> None:
    call = Flaky(error)
    with pytest.raises(type(error)):
        await with_retries(call, RetryPolicy(), "test", sleep=Sleeps())
    assert call.calls == 1


async def test_retries_stop_after_the_last_attempt() -> None:
    call = Flaky(*[HttpError(429)] * 5)
    with pytest.raises(HttpError):
        await with_retries(call, RetryPolicy(attempts=3), "test", sleep=Sleeps())
    assert call.calls == 3


async def test_retry_after_is_honoured_and_too_long_a_wait_gives_up() -> None:
    sleeps = Sleeps()
    call = Flaky(HttpError(429, {"Retry-After": "3"}))
    await with_retries(call, RetryPolicy(base_delay=0.1), "test", sleep=sleeps)
    assert sleeps == [3.0]

    call = Flaky(HttpError(429, {"Retry-After": "120"}))
    with pytest.raises(HttpError):
        await with_retries(call, RetryPolicy(max_delay=10), "test", sleep=Sleeps())
    assert call.calls == 1


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=7), usegmt=True)
    assert retry_after(HttpError(429, {"Retry-After": "2.5"})) == 2.5
    assert retry_after(HttpError(429, {"Retry-After": later}), now=now) == 7.0
    assert retry_after(HttpError(429, {"Retry-After": "soon"})) is None
    assert retry_after(HttpError(429)) is None
    assert retry_after(ValueError()) is None


# --- settings -----------------------------------------------------------------------------------


def settings(tmp_path: Path, **overrides: object):
    return make_settings(tmp_path, **overrides)


def test_single_tenant_config(tmp_path) -> None:
    config = bot_framework_config(
        settings(
            tmp_path,
            microsoft_app_id="id",
            microsoft_app_password="secret",
            microsoft_app_type="singletenant",
            microsoft_app_tenant_id="tenant-a",
        )
    )
    assert (config.APP_ID, config.APP_PASSWORD, config.APP_TYPE, config.APP_TENANTID) == (
        "id",
        "secret",
        "SingleTenant",
        "tenant-a",
    )
    assert config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL is None  # the public cloud


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"microsoft_app_type": "Personal"}, "not one of"),
        ({"microsoft_app_type": "SingleTenant", "microsoft_app_password": "s"}, "TenantId"),
        ({"microsoft_app_type": "UserAssignedMSI"}, "TenantId"),
        ({"microsoft_app_type": "MultiTenant"}, "Password"),
    ],
)
def test_settings_that_cannot_work_are_refused_at_start(tmp_path, overrides, message) -> None:
    with pytest.raises(ValueError, match=message):
        bot_framework_config(settings(tmp_path, microsoft_app_id="id", **overrides))


def test_managed_identity_needs_no_password(tmp_path) -> None:
    config = bot_framework_config(
        settings(
            tmp_path,
            microsoft_app_id="id",
            microsoft_app_type="UserAssignedMSI",
            microsoft_app_tenant_id="t",
        )
    )
    assert config.APP_TYPE == "UserAssignedMSI"


def test_overrides_point_inbound_auth_elsewhere_and_keep_public_outbound(tmp_path) -> None:
    config = bot_framework_config(
        settings(tmp_path, microsoft_app_id="id", microsoft_app_password="p"),
        AuthOverrides(openid_metadata_url="http://127.0.0.1:1/meta", token_issuer="https://iss"),
    )
    assert config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL == "http://127.0.0.1:1/meta"
    assert config.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER == "https://iss"
    assert config.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE == "https://api.botframework.com"


def test_no_app_id_means_auth_off(tmp_path) -> None:
    assert bot_framework_config(settings(tmp_path)).APP_ID == ""


# --- translation ---------------------------------------------------------------------------------


def activity(payload: dict) -> Activity:
    return Activity().deserialize(payload)


def test_personal_message_becomes_an_inbound() -> None:
    inbound = to_inbound(activity(personal("  How do we scale?  ", "https://smba.example/")))
    assert inbound.platform == "teams"
    assert inbound.workspace == "tenant-a"
    assert inbound.user == "aad-user-1"
    assert inbound.conversation == "a:personal-user-1"
    assert inbound.thread is None
    assert inbound.text == "How do we scale?"
    assert inbound.action is None


def test_channel_mention_is_stripped_and_the_reply_chain_is_the_thread() -> None:
    inbound = to_inbound(activity(channel_mention("What is MLOps?", "https://s/", root="42")))
    assert inbound.text == "What is MLOps?"
    assert inbound.thread == "42"
    assert inbound.conversation == CHANNEL  # the channel's settings hold in all its threads


def test_mentions_tell_the_advisor_from_other_people() -> None:
    url = "https://s/"
    to_bot = activity(channel_message("What is MLOps?", url))
    to_grace = activity(channel_message("thoughts?", url, mention_bot=False, others=("Grace",)))
    to_both = activity(channel_message("compare?", url, others=("Grace",)))
    unmentioned = activity(channel_message("ok", url, mention_bot=False))
    assert (mentions_bot(to_bot), mentions_others(to_bot)) == (True, False)
    assert (mentions_bot(to_grace), mentions_others(to_grace)) == (False, True)
    assert (mentions_bot(to_both), mentions_others(to_both)) == (True, True)
    assert (mentions_bot(unmentioned), mentions_others(unmentioned)) == (False, False)
    assert is_personal(activity(personal("hi", url))) and not is_personal(to_bot)


def test_only_listed_entra_ids_may_configure_a_channel() -> None:
    message = channel_message("follow-ups off", "https://s/", user="admin")
    assert to_inbound(activity(message), admins={"aad-admin"}).can_configure
    assert not to_inbound(activity(message)).can_configure
    message["from"].pop("aadObjectId")  # the "29:" id is per bot: never an admin's
    assert not to_inbound(activity(message), admins={"29:admin", "aad-admin"}).can_configure


def test_clicks_on_cards_the_advisor_did_not_make_are_foreign() -> None:
    ours = personal(None, "https://s/", value=action_data(Action(ActionKind.ASSESS_BACK, "", "a")))
    see_also = personal(None, "https://s/", value={"ask": "What is MLOps?"})
    assert not is_foreign_click(activity(ours)) and not is_foreign_click(activity(see_also))
    assert not is_foreign_click(activity(personal("typed", "https://s/")))
    assert is_foreign_click(activity(foreign_click("https://s/")))


def test_native_votes_read_the_reaction_and_the_forms_comment() -> None:
    def value(reaction: str, feedback: object) -> dict:
        action = {"reaction": reaction, "feedback": feedback}
        return {"actionName": "feedback", "actionValue": action}

    assert parse_vote(value("like", '{"feedbackText": "Spot on"}')) == NativeVote("up", "Spot on")
    assert parse_vote(value("dislike", "{not json")) == NativeVote("down", "")  # vote kept
    assert parse_vote(value("dislike", None)) == NativeVote("down", "")
    with pytest.raises(BadFeedback):
        parse_vote(value("meh", ""))
    # Teams may name a channel thread with or without its reply chain: one key for both.
    assert message_key(f"{CHANNEL};messageid=7", "9") == message_key(CHANNEL, "9")


def test_card_click_becomes_an_action_and_ignores_text() -> None:
    payload = personal("stray", "https://s/", value={"kind": "assess_back", "ref": "a:q"})
    inbound = to_inbound(activity(payload))
    assert inbound.action == Action(ActionKind.ASSESS_BACK, "", "a:q")
    assert inbound.text == ""


def test_tenant_falls_back_to_the_conversation_and_user_to_the_channel_id() -> None:
    payload = personal("hi", "https://s/")
    del payload["channelData"]
    del payload["from"]["aadObjectId"]
    inbound = to_inbound(activity(payload))
    assert inbound.workspace == "tenant-a"  # conversation.tenantId
    assert inbound.user == "29:user-1"


def test_a_mention_entity_without_a_name_does_not_break_the_turn() -> None:
    payload = channel_mention("Hello", "https://s/")
    payload["entities"] = [{"type": "mention", "text": "<at>Scaling Advisor</at>"}]
    assert to_inbound(activity(payload)).text == "Hello"


def test_other_peoples_mentions_keep_their_names() -> None:
    payload = channel_mention("what would <at>Jane Doe</at> ask?", "https://s/")
    assert to_inbound(activity(payload)).text == "what would Jane Doe ask?"


# --- the app package ------------------------------------------------------------------------------


def test_package_holds_the_filled_manifest_and_both_icons(tmp_path) -> None:
    path = build_package(APP_GUID.upper(), tmp_path / "out" / "teams.zip", host="bot.example.com")
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color = Image.open(archive.open("color.png"))
        outline = Image.open(archive.open("outline.png"))
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_GUID
    assert manifest["manifestVersion"] >= "1.16"
    assert set(manifest["bots"][0]["scopes"]) == {"personal", "team", "groupChat"}
    commands = {c["title"] for c in manifest["bots"][0]["commandLists"][0]["commands"]}
    assert {"scale-check", "scale-check quick"} <= commands
    assert manifest["validDomains"] == ["bot.example.com"]
    assert manifest["developer"]["privacyUrl"] == "https://bot.example.com/privacy"
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80
    assert "{{" not in json.dumps(manifest)
    # Unmentioned channel and group-chat messages (follow-ups) need these RSC permissions.
    granted = manifest["authorization"]["permissions"]["resourceSpecific"]
    assert {p["name"]: p["type"] for p in granted} == {
        "ChannelMessage.Read.Group": "Application",
        "ChatMessage.Read.Chat": "Application",
    }
    assert manifest["webApplicationInfo"]["id"] == APP_GUID
    assert color.size == (192, 192)
    assert outline.size == (32, 32) and outline.mode == "RGBA"
    pixels = {outline.getpixel((x, y)) for x in range(32) for y in range(32)}
    assert pixels <= {(255, 255, 255, 255), (0, 0, 0, 0)}  # white on transparent


def test_package_is_reproducible_and_written_into_a_folder(tmp_path) -> None:
    first = build_package(APP_GUID, tmp_path)
    data = first.read_bytes()
    assert first == tmp_path / "scaling-advisor-teams.zip"
    assert build_package(APP_GUID, tmp_path).read_bytes() == data
    assert manifest_for(APP_GUID)["validDomains"] == []


@pytest.mark.parametrize(
    "bad", ["", "app-id", "3f2504e0-4f89-11d3-9a0c", APP_GUID + "0", "{" + APP_GUID + "}"]
)
def test_app_id_must_be_a_guid(tmp_path, bad) -> None:
    with pytest.raises(ValueError, match="not a Microsoft App ID"):
        build_package(bad, tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()


def test_host_must_be_a_host_name(tmp_path) -> None:
    with pytest.raises(ValueError, match="not a host name"):
        build_package(APP_GUID, tmp_path / "x.zip", host="not a host!")
    assert manifest_for(APP_GUID, "https://Bot.Example.com:8443/api/messages")["validDomains"] == [
        "bot.example.com"
    ]
    assert normalise_app_id(f"  {APP_GUID.upper()} ") == APP_GUID
