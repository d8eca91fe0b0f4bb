from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from reviews import actions
from reviews.engines import store
from reviews.errors import ModerationError
from reviews.models import Blocklist, Flag, ModerationConfig, ModerationLog, OutboxEvent, ReviewQueueItem

pytestmark = pytest.mark.django_db

BLOCKS = {
    "block_list_config": {"rules": [{"name": "profanity_en", "action": "remove"}]},
    "automod_toxicity_config": {"rules": [{"label": "toxic", "threshold": 0.9, "action": "flag"}]},
    "automod_platform_circumvention_config": {"rules": [{"label": "phone_number", "threshold": 1, "action": "flag"}]},
}


@pytest.fixture
def policy(moderator):
    actions.create_blocklist(name="profanity_en", words=["crap", "shit", "pineapple"], actor=moderator)
    return actions.upsert_config(key="chat:messaging", blocks=BLOCKS, actor=moderator)


def check(text, **kw):
    args = {"entity_type": "stream:chat:v1:message", "entity_id": "m1", "entity_creator_id": "alice",
            "config_key": "chat:messaging", "moderation_payload": {"texts": [text]}, "actor": None, **kw}
    return actions.check_content(**args)


def test_upsert_config_validates_merges_and_is_idempotent(moderator, policy):
    again = actions.upsert_config(key="chat:messaging", blocks=BLOCKS, actor=moderator)
    assert again.pk == policy.pk and ModerationLog.objects.filter(action="upsert_config").count() == 1
    merged = actions.upsert_config(
        key="chat:messaging", actor=moderator,
        blocks={"automod_toxicity_config": {"rules": [{"label": "toxic", "threshold": 0.5, "action": "remove"}]}})
    assert set(merged.blocks) == set(BLOCKS)
    assert merged.blocks["automod_toxicity_config"]["rules"][0]["threshold"] == 0.5
    with pytest.raises(ModerationError, match="block_list_config.rules.0..name: blocklist 'nope' does not exist"):
        actions.upsert_config(key="chat:messaging", actor=moderator,
                              blocks={"block_list_config": {"rules": [{"name": "nope", "action": "flag"}]}})
    assert ModerationConfig.objects.get().blocks == merged.blocks  # nothing half-written


def test_blocklist_lifecycle(moderator, policy):
    with pytest.raises(ModerationError) as exc:
        actions.create_blocklist(name="profanity_en", words=["x"], actor=moderator)
    assert exc.value.status == 409
    with pytest.raises(ModerationError, match=r"words\[1\]: not a valid regular expression"):
        actions.create_blocklist(name="rx", type="regex", words=["ok", "("], actor=moderator)
    with pytest.raises(ModerationError, match="unknown blocklist type 'domain_allowlist'"):
        actions.create_blocklist(name="rx", type="domain_allowlist", words=["a.com"], actor=moderator)
    updated = actions.update_blocklist(name="profanity_en", words=["crap", "shit", "CRAP", " darn "], actor=moderator)
    assert updated.words == ["crap", "shit", "darn"]
    assert actions.update_blocklist(name="profanity_en", words=["crap", "shit", "darn"], actor=moderator) == updated
    assert ModerationLog.objects.filter(action="update_blocklist").count() == 1
    with pytest.raises(ModerationError, match="used by config"):
        actions.delete_blocklist(name="profanity_en", actor=moderator)
    actions.delete_config(key="chat:messaging", actor=moderator)
    actions.delete_blocklist(name="profanity_en", actor=moderator)
    assert not Blocklist.objects.exists()


def test_keep_stores_nothing(policy):
    result = check("have a nice day")
    assert (result.action, result.item, result.stored) == ("keep", None, False)
    assert not ReviewQueueItem.objects.exists() and not ModerationLog.objects.filter(action="check").exists()


def test_a_blocklist_hit_is_removed_queued_flagged_and_logged_with_its_rules(policy, alice):
    result = check("I like p1neapple")
    assert result.action == "remove"
    item = result.item
    assert (item.recommended_action, item.status, item.labels, item.severity) == ("remove", "pending",
                                                                                   ["profanity_en"], 75)
    assert item.entity_creator == alice and item.content_text == "I like p1neapple"
    assert Flag.objects.get(item=item).type == Flag.Type.AUTOMOD
    log = ModerationLog.objects.get(action="check")
    assert log.actor_type == "automod" and log.item == item and log.target_user == alice
    assert log.custom["triggered_rules"][0]["rule_id"] == "block_list_config/profanity_en"
    assert log.custom["triggered_rules"][0]["why"] == "blocklist 'profanity_en' matched 'pineapple'"
    assert OutboxEvent.objects.filter(type="review_queue_item.new").count() == 1


def test_same_check_twice_changes_nothing(policy):
    first = check("call me on +44 7700 900123").item
    second = check("call me on +44 7700 900123").item
    assert first.pk == second.pk and second.flags_count == 1
    assert ModerationLog.objects.filter(action="check").count() == 1


def test_test_mode_stores_nothing(policy):
    result = check("shit", test_mode=True)
    assert result.action == "remove" and result.item is None
    assert not ReviewQueueItem.objects.exists() and not ModerationLog.objects.filter(action="check").exists()


@pytest.mark.parametrize(
    ("ban_kwargs", "options", "expected", "rule"),
    [
        ({}, {}, "remove", "enforcement/app_ban"),
        ({"channel_cid": "messaging:general"}, {"channel_cid": "messaging:general"}, "remove",
         "enforcement/channel_ban"),
        ({"shadow": True}, {}, "shadow_block", "enforcement/shadow_ban"),
    ],
)
def test_enforcement_comes_first(policy, alice, moderator, ban_kwargs, options, expected, rule):
    actions.ban_user(target=alice, actor=moderator, **ban_kwargs)
    result = check("have a nice day", options=options)
    assert result.action == expected
    assert [r.rule_id for r in result.decision.fired] == [rule]


def test_a_ban_in_another_channel_does_not_count(policy, alice, moderator):
    actions.ban_user(target=alice, actor=moderator, channel_cid="messaging:other")
    assert check("have a nice day", options={"channel_cid": "messaging:general"}).action == "keep"


def test_expired_bans_and_deactivation(policy, alice, moderator):
    actions.ban_user(target=alice, actor=moderator, timeout_minutes=5)
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert check("have a nice day").action == "keep"
    actions.unban_user(target=alice, actor=moderator)
    actions.deactivate_user(target=alice, actor=moderator)
    assert check("have a nice day").action == "remove"


def test_inline_config_and_unknown_config(alice):
    result = check("you are an idiot", config_key=None,
                   config={"automod_toxicity_config": {"rules": [{"label": "toxic", "threshold": 0.5,
                                                                  "action": "flag"}]}})
    assert result.action == "flag"
    with pytest.raises(ModerationError) as exc:
        check("hi", config_key="nope")
    assert exc.value.status == 404


def test_a_cached_check_costs_two_queries_and_sees_updates(policy, alice, moderator, django_assert_num_queries):
    check("warm the cache")
    with django_assert_num_queries(2):  # policy versions (one UNION) + creator with ban state
        assert check("have a nice day").action == "keep"
    actions.update_blocklist(name="profanity_en", words=["nice"], actor=moderator)
    assert check("have a nice day", test_mode=True).action == "remove"
    store.forget("chat:messaging")
