"""Dashboard views: every page per role, decisions through the action layer, undo, claims, bulk jobs."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews import actions
from reviews.models import Ban, EndUser, EntityType, ItemNote, ModerationLog, Mute, ReviewQueueItem, Task
from reviews.permissions import identity_for
from tests.factories import DashboardUserFactory, EndUserFactory

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def flag(n: int, *, creator=None, reporter=None, reason="spam", channel="messaging:general", images=None):
    reporter = reporter or EndUserFactory(id=f"rep-{n}")
    creator = creator or EndUserFactory(id=f"creator-{n}")
    _, item = actions.flag_content(reporter=reporter, entity_type=EntityType.MESSAGE, entity_id=f"m-{n}",
                                   entity_creator=creator, actor=reporter, reason=reason, channel_cid=channel,
                                   moderation_payload={"texts": [f"message number {n}"], "images": images or []})
    return item


@pytest.fixture
def mod_client(client):
    user = DashboardUserFactory(username="mia", role="Moderators")
    client.force_login(user)
    client.identity = identity_for(user)
    return client


@pytest.fixture
def viewer_client(client):
    client.force_login(DashboardUserFactory(username="vic", role="Viewers"))
    return client


@pytest.mark.parametrize("name", ["queue", "users", "bans", "log", "overview"])
@pytest.mark.parametrize("role", ["Viewers", "Moderators", "Admins"])
def test_every_page_answers_every_role(client, name, role):
    flag(1)
    client.force_login(DashboardUserFactory(role=role))
    assert client.get(reverse(f"reviews:{name}")).status_code == 200


@pytest.mark.parametrize("name", ["queue", "users", "bans", "log", "overview"])
def test_pages_need_a_role(client, name):
    client.force_login(DashboardUserFactory())
    assert client.get(reverse(f"reviews:{name}")).status_code == 403


def test_queue_page_queries_stay_constant_as_rows_grow(mod_client, django_assert_max_num_queries):
    for i in range(3):
        flag(i)
    with django_assert_max_num_queries(9) as small:
        mod_client.get(reverse("reviews:queue"))
    for i in range(3, 60):
        flag(i, reason="harassment" if i % 2 else "spam")
    with django_assert_max_num_queries(len(small.captured_queries)) as big:
        response = mod_client.get(reverse("reviews:queue"))
    assert response.content.count(b'class="queue-row') == 50
    assert len(big.captured_queries) == len(small.captured_queries)


def test_queue_filters_live_in_the_url_and_counts_say_if_bounded(mod_client):
    flag(1, reason="spam")
    flag(2, reason="harassment", images=["https://example.com/x.png"])
    response = mod_client.get(reverse("reviews:queue"), {"reason": "harassment", "sort": "oldest"})
    assert b"message number 2" in response.content and b"message number 1" not in response.content
    assert b"1 item matches" in response.content
    assert b'class="blurred"' in response.content
    bad = mod_client.get(reverse("reviews:queue"), {"severity_min": "enormous"})
    assert bad.status_code == 200 and b"Filter problem" in bad.content


def test_one_submit_applies_several_actions_all_or_nothing(mod_client):
    item = flag(1)
    response = mod_client.post(reverse("reviews:decide", args=[item.pk]),
                               {"actions": ["delete", "ban", "mark_reviewed"], "ban_timeout": "1440",
                                "reason": "spam run", "ban_scope": "channel"}, **HX)
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.content_state == "deleted" and item.status == "reviewed"
    ban = Ban.objects.get(target_id="creator-1")
    assert ban.channel_cid == "messaging:general" and ban.expires_at is not None
    assert b"Undo" in response.content and b'id="item-' in response.content
    # A failing part rolls the whole decision back: a channel ban on an item without a channel.
    other = flag(2, channel="")
    bad = mod_client.post(reverse("reviews:decide", args=[other.pk]),
                          {"actions": ["delete", "ban"], "ban_scope": "channel", "reason": "spam"}, **HX)
    # The error names the field as the form labels it.
    assert bad.status_code == 400 and bad["HX-Retarget"] == "#toasts" and b"Ban scope: " in bad.content
    other.refresh_from_db()
    assert other.content_state == "" and not Ban.objects.filter(target_id="creator-2").exists()


def test_viewers_change_nothing(viewer_client):
    item = flag(1)
    response = viewer_client.post(reverse("reviews:decide", args=[item.pk]), {"actions": ["mark_reviewed"]}, **HX)
    assert response.status_code == 403 and b"read-only" in response.content
    item.refresh_from_db()
    assert item.status == "pending"
    page = viewer_client.get(reverse("reviews:queue"))
    assert b'name="actions" value="mark_reviewed"' not in page.content


def test_csrf_is_enforced_on_posts(client):
    from django.test import Client

    user = DashboardUserFactory(role="Moderators")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    item = flag(1)
    assert strict.post(reverse("reviews:decide", args=[item.pk]), {"actions": ["mark_reviewed"]}).status_code == 403


def test_deciding_claims_an_item_and_others_are_refused(client, mod_client):
    item = flag(1)
    drawer = mod_client.get(reverse("reviews:item", args=[item.pk]), **HX)
    assert b"Nobody holds this item" in drawer.content and b"message number 1" in drawer.content
    item.refresh_from_db()
    assert item.locked_by_id is None  # looking claims nothing (tests/reviews/views/test_sessions_and_claims.py)
    taken = mod_client.post(reverse("reviews:claim", args=[item.pk]), {"place": "drawer", "quiet": "1"}, **HX)
    assert taken.status_code == 200 and b"You hold this item" in taken.content
    item.refresh_from_db()
    assert item.locked_by_id == "mia"

    from django.test import Client

    other = Client()
    other.force_login(DashboardUserFactory(username="otto", role="Moderators"))
    seen = other.get(reverse("reviews:item", args=[item.pk]), **HX)
    assert b"Held by mia" in seen.content
    refused = other.post(reverse("reviews:decide", args=[item.pk]), {"actions": ["mark_reviewed"]}, **HX)
    assert refused.status_code == 409 and b"mia is reviewing" in refused.content
    second = flag(2)
    handed = other.post(reverse("reviews:queue-next"), {"f_status": "pending"}, **HX)
    assert handed.status_code == 200 and str(second.pk).encode() in handed.content
    assert str(item.pk).encode() not in handed.content.split(b"drawer-inner")[1][:200]


def test_changes_since_reports_new_gone_and_held(mod_client):
    first = flag(1)
    since = (timezone.now() - timedelta(seconds=1)).isoformat()
    later = flag(2)
    actions.mark_reviewed(item=first, actor=None)
    ReviewQueueItem.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    actions.claim_item(item=later, holder=EndUserFactory(id="otto"))
    response = mod_client.get(reverse("reviews:queue-changes"), {"since": since})
    body = response.content.decode()
    assert f'id="item-{later.pk}"' in body and 'data-oob="upsert"' in body
    assert f'<hx-partial hx-target="#item-{first.pk}" hx-swap="delete">' in body
    assert "otto" in body and 'hx-trigger="every 3s"' in body


def test_note_and_undo_of_a_decision(mod_client):
    item = flag(1)
    mod_client.post(reverse("reviews:decide", args=[item.pk]), {"actions": ["note"], "note": "looks like a bot"}, **HX)
    assert ItemNote.objects.get(item=item).text == "looks like a bot"
    mod_client.post(reverse("reviews:decide", args=[item.pk]), {"actions": ["delete", "mute"]}, **HX)
    assert Mute.objects.filter(target_id="creator-1").exists()
    entries = list(ModerationLog.objects.filter(action__in=["delete_message", "mute"]).values_list("id", flat=True))
    response = mod_client.post(reverse("reviews:undo"), {"entries": entries}, **HX)
    assert response.status_code == 200 and b"Undone" in response.content
    item.refresh_from_db()
    assert item.content_state == "" and item.status == "pending"
    assert not Mute.objects.filter(target_id="creator-1").exists()
    again = mod_client.post(reverse("reviews:undo"), {"entries": entries}, **HX)
    assert b"Already undone" in again.content
    assert ModerationLog.objects.filter(action="undo").count() == 2


def test_bulk_decision_over_a_filter_and_its_undo(mod_client, django_capture_on_commit_callbacks):
    items = [flag(i, reason="spam") for i in range(5)] + [flag(9, reason="other")]
    held = items[0]
    actions.claim_item(item=held, holder=EndUserFactory(id="otto"))
    with django_capture_on_commit_callbacks(execute=True):
        response = mod_client.post(reverse("reviews:queue-bulk"), {"actions": "mark_reviewed", "scope": "all",
                                                                   "f_status": "pending", "f_reason": "spam"}, **HX)
    assert response.status_code == 200 and b"<progress" in response.content
    task = Task.objects.get(kind="queue_decision")
    assert task.status == "completed" and task.total == 5
    assert task.result["changed"] == 4 and task.result["skipped"] == 1
    assert ReviewQueueItem.objects.filter(status="reviewed").count() == 4
    entry = ModerationLog.objects.get(action="bulk_decision")
    page = mod_client.get(reverse("reviews:task", args=[task.pk]), **HX)
    assert b"Undo this bulk decision" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        undo = mod_client.post(reverse("reviews:undo"), {"entries": [entry.pk]}, **HX)
    assert undo.status_code == 200
    assert Task.objects.get(kind="undo_queue_decision").status == "completed"
    assert ReviewQueueItem.objects.filter(status="reviewed").count() == 0
    assert ReviewQueueItem.objects.get(pk=held.pk).locked_by_id == "otto"  # never taken from its holder
    log = mod_client.get(reverse("reviews:log"), {"action": "bulk_decision"})
    assert b"undone" in log.content


def test_users_page_actions_and_bulk_deactivation(mod_client, django_capture_on_commit_callbacks):
    EndUserFactory(id="alice", name="Alice")
    EndUserFactory(id="bob", name="Bob")
    found = mod_client.get(reverse("reviews:users"), {"q": "ali"})
    assert b"alice" in found.content and b">bob<" not in found.content
    for action in ("ban", "mute", "unmute", "unban", "shadow_ban", "deactivate", "reactivate"):
        r = mod_client.post(reverse("reviews:user-act", args=["alice"]),
                            {"action": action, "timeout": "60", "reason": "spam wave"}, **HX)
        assert r.status_code == 200, (action, r.content)
    assert Ban.objects.in_force().filter(target_id="alice", shadow=True).exists()
    page = mod_client.get(reverse("reviews:user", args=["alice"]))
    assert b"Shadow banned" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        r = mod_client.post(reverse("reviews:users-bulk"), {"ids": ["alice", "bob"], "action": "deactivate"}, **HX)
    assert r.status_code == 200 and b"<progress" in r.content
    assert Task.objects.get(kind="deactivate_users").status == "completed"


def test_banned_means_the_same_on_the_users_page_as_in_the_api(mod_client):
    """One user FilterSet: the Users page's "Banned" is the API's `banned` (an app-wide ban in force, not a
    shadow ban), so a channel ban or a shadow ban does not list a user there."""
    from reviews.selectors.users import UserFilter

    actor = mod_client.identity
    for user_id in ("hard", "shadow", "channel", "lifted", "free"):
        EndUserFactory(id=user_id)
    actions.ban_user(target=EndUser.objects.get(pk="hard"), actor=actor)
    actions.ban_user(target=EndUser.objects.get(pk="shadow"), actor=actor, shadow=True)
    actions.ban_user(target=EndUser.objects.get(pk="channel"), actor=actor, channel_cid="messaging:general")
    actions.ban_user(target=EndUser.objects.get(pk="lifted"), actor=actor)
    actions.unban_user(target=EndUser.objects.get(pk="lifted"), actor=actor)
    page = mod_client.get(reverse("reviews:users"), {"status": "banned"})
    api = UserFilter(data={"banned": True}, queryset=EndUser.objects.all()).qs
    assert {u.pk for u in page.context["users"]} == set(api.values_list("pk", flat=True)) == {"hard"}


def test_bans_page_lists_kinds_and_lifts_many(mod_client):
    a, b, c = EndUserFactory(id="a"), EndUserFactory(id="b"), EndUserFactory(id="c")
    actor = mod_client.identity
    bans = [actions.ban_user(target=a, actor=actor), actions.ban_user(target=b, actor=actor, channel_cid="x:y"),
            actions.ban_user(target=c, actor=actor, ip_ban=True)]
    ip_page = mod_client.get(reverse("reviews:bans"), {"kind": "ip"})
    assert b">c<" in ip_page.content and b">a<" not in ip_page.content
    r = mod_client.post(reverse("reviews:bans-lift"), {"ids": [bans[0].pk, bans[1].pk]}, **HX)
    assert r.status_code == 200 and b"Lifted 2 bans" in r.content
    assert list(Ban.objects.in_force().values_list("target_id", flat=True)) == ["c"]


def test_log_filters_and_links(mod_client):
    item = flag(1)
    actions.mark_reviewed(item=item, actor=mod_client.identity)
    page = mod_client.get(reverse("reviews:log"), {"moderator": "mia", "action": "mark_reviewed"})
    assert page.content.count(b'<tr id="log-') == 1
    assert reverse("reviews:item", args=[item.pk]).encode() in page.content
    assert reverse("reviews:user", args=["creator-1"]).encode() in page.content
    today = timezone.now().date().isoformat()
    assert mod_client.get(reverse("reviews:log"), {"created_after": today}).content.count(b'<tr id="log-') >= 2


def test_overview_draws_svg_charts(mod_client):
    item = flag(1)
    actions.mark_reviewed(item=item, actor=mod_client.identity)
    page = mod_client.get(reverse("reviews:overview"))
    # Two hourly charts; decisions per moderator is a list, one line per moderator (names never overlap).
    assert page.content.count(b"<svg") == 2 and b'<table class="mod-bars"' in page.content
    assert b"Decisions per moderator" in page.content and b"mia 1" in page.content
    assert b'<th scope="row"><bdi>mia</bdi></th>' in page.content
