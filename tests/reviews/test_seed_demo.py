"""The demo data of `make run`: its policy is made through the actions and `check` against it gives the verdicts a
chat app would expect, so the Policies page's try-it box works on first run; and the queue it seeds is coherent
(what each item recommends is what the policy found, never `keep` at critical)."""

import pytest
from django.core.management import call_command

from reviews import actions
from reviews.engines.policy import ACTIONS
from reviews.management.commands.seed_demo import BLOCKLISTS, MESSAGES, POLICY_BLOCKS, POLICY_KEY
from reviews.models import Blocklist, Flag, ModerationConfig, ModerationLog, ReviewQueueItem, Severity

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_demo", users=60, items=150)


@pytest.fixture
def policy():
    call_command("seed_demo", users=60, items=0)  # the policy is seeded whatever the queue's size


def _check(text: str):
    return actions.check_content(entity_type="stream:chat:v1:message", entity_id="m-1", entity_creator_id="someone",
                                 config_key=POLICY_KEY, moderation_payload={"texts": [text]}, test_mode=True,
                                 actor=None)


def test_the_demo_policy_and_its_blocklists_are_made_through_the_actions(policy):
    config = ModerationConfig.objects.get(key=POLICY_KEY, team="")
    assert set(config.blocks) == set(POLICY_BLOCKS)
    assert sorted(Blocklist.objects.values_list("name", "type")) == sorted((n, t) for n, t, _, _ in BLOCKLISTS)
    # Each written by its action, which logs it (a raw ORM write would not).
    assert ModerationLog.objects.filter(action="create_blocklist").count() == len(BLOCKLISTS)
    assert ModerationLog.objects.filter(action="upsert_config", reason=POLICY_KEY).count() == 1
    assert {e.actor.pk for e in ModerationLog.objects.filter(action__in=["create_blocklist", "upsert_config"])} \
        == {"admin"}


@pytest.mark.parametrize(("text", "action", "rule"), [
    ("see you at the station at 5", "keep", None),
    ("this game is bullshit", "flag", "block_list_config/profanity_en"),
    ("Buy 1000 followers now at cheap-followers dot com!!!", "remove", "block_list_config/spam_domains"),
    ("Earn $500/day from home, message me", "shadow_block", "block_list_config/scam_patterns"),
    ("call me on +44 20 7946 0958", "flag", "automod_platform_circumvention_config/phone_number"),
    ("more pictures on www.example.org", "flag", "automod_platform_circumvention_config/link"),
    ("write to jo@example.com", "flag", "automod_platform_circumvention_config/email"),
    ("Watch your back, I know where you live", "remove", "ai_text_config/THREAT"),
    ("nobody would miss you, kys", "remove", "ai_text_config/THREAT"),
    ("You are an idiot and everyone hates you", "remove", "ai_text_config/HARASSMENT/severity>=high"),
    ("Shut up loser", "flag", "automod_toxicity_config/toxic>=0.7"),
    ("Your account has been suspended. Verify your account at secure-verify dot xyz", "remove",
     "ai_text_config/SCAM/severity>=high"),
])
def test_check_against_the_demo_policy(policy, text, action, rule):
    result = _check(text)
    assert result.action == action, [r.as_dict() for r in result.decision.fired]
    if rule is None:
        assert result.decision.fired == []
    else:
        assert rule in {r.rule_id for r in result.decision.fired}
    assert not result.stored  # test mode, as the try-it box runs it


def test_the_seeded_queue_is_coherent(seeded):
    items = list(ReviewQueueItem.objects.all())
    assert len(items) >= 100
    checked = [i for i in items if i.labels]
    assert len(checked) >= 30, "the policy found something in a good share of the reports"
    assert {i.recommended_action for i in items} >= {"flag", "remove"}
    for item in items:
        assert item.recommended_action != "keep", item.pk  # pending in the queue: something to decide
        if not item.labels:  # a report the policy found nothing in: flagged for a moderator, no severity claimed
            assert (item.recommended_action, item.severity) == ("flag", Severity.NONE), item.pk
            continue
        # Labels, severity and action are the policy's verdict, and its automod flag says why.
        automod = Flag.objects.filter(item=item, type=Flag.Type.AUTOMOD).latest("created_at")
        fired = [r for r in automod.custom["triggered_rules"] if r["action"] != "keep"]
        assert sorted({r["label"] for r in fired}) == item.labels, item.pk
        assert item.severity == max(Severity.from_label(r["severity"]).value for r in fired), item.pk
        assert item.recommended_action == max((r["action"] for r in fired), key=ACTIONS.index), item.pk
        assert item.config_key == POLICY_KEY
    # Every user's report gives the reason its message was written for.
    for flag in Flag.objects.filter(type=Flag.Type.USER_REPORT).select_related("item")[:300]:
        assert flag.item.content_text in MESSAGES[flag.reason], (flag.reason, flag.item.content_text)


def test_a_policy_the_user_changed_or_deleted_is_left_alone():
    call_command("seed_demo", users=60, items=0)
    actions.delete_config(key=POLICY_KEY, actor=None)
    call_command("seed_demo", users=60, items=0)
    assert not ModerationConfig.objects.filter(key=POLICY_KEY).exists()  # blocklists remain: theirs now
