"""Configs, blocklists and check through the real getstream SDK."""

from __future__ import annotations

import pytest
from getstream.exceptions import StreamApiException
from getstream.models import (
    AITextConfig,
    AutomodPlatformCircumventionConfig,
    AutomodRule,
    AutomodToxicityConfig,
    BlockListConfig,
    BlockListRule,
    BodyguardRule,
    BodyguardSeverityRule,
    ModerationConfig,
    ModerationPayload,
)

from reviews import actions
from reviews.engines import store
from reviews.models import EndUser, ModerationLog, ReviewQueueItem
from tests.factories import EndUserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def policy(stream_client):
    stream_client.create_block_list(name="profanity_en", words=["pineapple", "crap"])
    response = stream_client.moderation.upsert_config(
        key="chat:messaging",
        block_list_config=BlockListConfig(enabled=True, rules=[BlockListRule(name="profanity_en", action="remove")]),
        automod_toxicity_config=AutomodToxicityConfig(
            enabled=True, rules=[AutomodRule(label="toxic", threshold=0.9, action="flag")]),
        automod_platform_circumvention_config=AutomodPlatformCircumventionConfig(
            enabled=True, rules=[AutomodRule(label="email", threshold=1, action="flag"),
                                 AutomodRule(label="link", threshold=1, action="shadow_block")]),
    )
    yield response.data.config
    store.forget("chat:messaging")


def check(client, text, *, entity_id="m1", creator="alice", **kw):
    return client.moderation.check(
        entity_type="stream:chat:v1:message", entity_id=entity_id, entity_creator_id=creator,
        config_key=kw.pop("config_key", "chat:messaging"), moderation_payload=ModerationPayload(texts=[text]), **kw,
    ).data


def test_config_round_trip(stream_client, policy):
    assert policy.key == "chat:messaging" and policy.block_list_config.rules[0].name == "profanity_en"
    got = stream_client.moderation.get_config("chat:messaging").data.config
    assert got.automod_toxicity_config.rules[0].threshold == 0.9 and got.created_at.year >= 2024
    listed = stream_client.moderation.query_moderation_configs(filter={"key": {"$in": ["chat:messaging"]}}).data
    assert [c.key for c in listed.configs] == ["chat:messaging"]
    stream_client.moderation.delete_config("chat:messaging")
    with pytest.raises(StreamApiException) as info:
        stream_client.moderation.get_config("chat:messaging")
    assert info.value.status_code == 404


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"automod_toxicity_config": AutomodToxicityConfig(rules=[AutomodRule(label="insult", threshold=0.5,
                                                                               action="flag")])}, "'insult'"),
        ({"block_list_config": BlockListConfig(rules=[BlockListRule(name="nope", action="flag")])}, "'nope'"),
        ({"ai_text_config": AITextConfig(severity_rules=[BodyguardSeverityRule(severity="extreme",
                                                                              action="flag")])}, "'extreme'"),
        ({"ai_text_config": AITextConfig(rules=[BodyguardRule(label="SPAM", action="obliterate")])}, "'obliterate'"),
    ],
)
def test_bad_configs_are_400_naming_the_value(stream_client, kwargs, named):
    with pytest.raises(StreamApiException) as info:
        stream_client.moderation.upsert_config(key="chat:messaging", **kwargs)
    assert info.value.status_code == 400 and named in info.value.api_error.message


def test_blocklist_crud(stream_client):
    created = stream_client.create_block_list(name="words", words=["alpha", "beta"]).data.blocklist
    assert created.name == "words" and created.words == ["alpha", "beta"] and created.is_leet_check_enabled
    stream_client.update_block_list("words", words=["gamma"])
    assert stream_client.get_block_list("words").data.blocklist.words == ["gamma"]
    assert [b.name for b in stream_client.list_block_lists().data.blocklists] == ["words"]
    stream_client.delete_block_list("words")
    with pytest.raises(StreamApiException) as info:
        stream_client.get_block_list("words")
    assert info.value.status_code == 404


def test_clean_text_is_kept_and_stores_nothing(stream_client, policy):
    result = check(stream_client, "have a lovely afternoon")
    assert (result.recommended_action, result.status, result.item, result.triggered_rules) == (
        "keep", "completed", None, [])
    assert not ReviewQueueItem.objects.exists()


def test_blocklist_hit_is_removed_and_queued(stream_client, policy):
    result = check(stream_client, "I want P1NEAPPLE")
    assert result.recommended_action == "remove"
    assert [r.rule_id for r in result.triggered_rules] == ["block_list_config/profanity_en"]
    assert result.item.entity_id == "m1" and result.item.recommended_action == "remove"
    log = ModerationLog.objects.get(action="check")
    assert log.custom["triggered_rules"][0]["rule_id"] == "block_list_config/profanity_en"


def test_toxicity_flags(stream_client, policy):
    result = check(stream_client, "you are an idiot")
    assert result.recommended_action == "flag"
    assert result.triggered_rules[0].rule_id == "automod_toxicity_config/toxic>=0.9"
    assert ReviewQueueItem.objects.get().labels == ["toxic"]


@pytest.mark.parametrize(("text", "action", "rule"), [
    ("write to me: bob (at) example (dot) com", "flag", "automod_platform_circumvention_config/email"),
    ("join me on www.elsewhere.io", "shadow_block", "automod_platform_circumvention_config/link"),
])
def test_circumvention(stream_client, policy, text, action, rule):
    result = check(stream_client, text)
    assert result.recommended_action == action and [r.rule_id for r in result.triggered_rules] == [rule]


@pytest.mark.parametrize(("setup", "options", "action"), [
    ({"ban": {}}, None, "remove"),
    ({"ban": {"channel_cid": "messaging:general"}}, {"channel_cid": "messaging:general"}, "remove"),
    ({"deactivate": True}, None, "remove"),
    ({"ban": {"shadow": True}}, None, "shadow_block"),
])
def test_enforcement_comes_first(stream_client, policy, setup, options, action):
    alice = EndUserFactory(id="alice")
    if "ban" in setup:
        actions.ban_user(target=alice, actor=None, **setup["ban"])
    else:
        actions.deactivate_user(target=alice, actor=None)
    result = check(stream_client, "have a lovely afternoon", options=options)
    assert result.recommended_action == action
    assert result.triggered_rules[0].rule_id.startswith("enforcement/")
    assert result.item.recommended_action == action


def test_test_mode_stores_nothing(stream_client, policy):
    result = check(stream_client, "pineapple", test_mode=True)
    assert result.recommended_action == "remove" and result.item is None
    assert not ReviewQueueItem.objects.exists() and not ModerationLog.objects.filter(action="check").exists()


def test_inline_config_with_ai_text(stream_client):
    config = ModerationConfig(ai_text_config=AITextConfig(
        rules=[BodyguardRule(label="SCAM", action="remove")],
        severity_rules=[BodyguardSeverityRule(severity="high", action="flag")]))
    result = check(stream_client, "send me bitcoin and I will double your money", config_key=None, config=config)
    assert result.recommended_action == "remove"
    assert "ai_text_config/SCAM" in {r.rule_id for r in result.triggered_rules}
    assert EndUser.objects.filter(pk="alice").exists()


def test_user_tokens_cannot_check(user_client, policy):
    with pytest.raises(StreamApiException) as info:
        check(user_client("alice"), "hi")
    assert info.value.status_code == 403
