"""The queue's marks for a full shift: stale rows (past the queue's age threshold, from created_at, no query),
watched users' new items (folded into the rows' one side query) and graphic items; the switcher's stale alert;
watching from the user page and the item drawer."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from reviews import actions
from reviews.actions import custom_queues as queue_actions
from reviews.models import EntityType, ModerationLog, OutboxEvent, Watch
from reviews.permissions import identity_for
from reviews.selectors.queue import row_facts
from tests.factories import DashboardUserFactory, EndUserFactory

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def mod_client(client):
    user = DashboardUserFactory(username="mia", role="Moderators")
    client.force_login(user)
    client.identity = identity_for(user)
    client.login_user = user
    return client


def relogin(client):
    """After time travel the session made at the real time may have expired: log in again at the new time."""
    client.force_login(client.login_user)


def flag(n, *, creator="creator", labels=None, images=None, channel="messaging:general"):
    creator = EndUserFactory(id=creator) if isinstance(creator, str) else creator
    payload = {"texts": [f"message {n}"], **({"images": images} if images else {})}
    _, item = actions.flag_content(reporter=None, entity_type=EntityType.MESSAGE, entity_id=f"m-{n}",
                                   entity_creator=creator, actor=None, reason="spam", channel_cid=channel,
                                   moderation_payload=payload)
    if labels:
        item.labels = labels
        item.save(update_fields=["labels"])
    return item


def row_of(body: str, item) -> str:
    start = body.index(f'id="item-{item.pk}"')
    return body[body.rindex("<tr", 0, start):body.index("</tr>", start)]


def test_a_watched_users_new_items_are_marked_and_older_ones_are_not(mod_client, moderator, time_machine):
    time_machine.move_to("2030-01-01 12:00Z", tick=False)
    bob = EndUserFactory(id="bob")
    before = flag(1, creator=bob)
    time_machine.move_to("2030-01-01 12:05Z", tick=False)
    actions.watch_user(target=bob, actor=moderator, reason="borderline")
    time_machine.move_to("2030-01-01 12:10Z", tick=False)
    after = flag(2, creator=bob)
    other = flag(3, creator="carol")
    relogin(mod_client)
    body = mod_client.get(reverse("reviews:queue")).content.decode()
    assert "watched" in row_of(body, after).split(">")[0]
    assert '<span class="badge badge-watched">Watched user</span>' in row_of(body, after)
    assert "Watched user" not in row_of(body, before) and "Watched user" not in row_of(body, other)
    assert row_facts([before.pk, after.pk, other.pk]).watched == {after.pk}
    actions.unwatch_user(target=bob, actor=moderator)
    body = mod_client.get(reverse("reviews:queue")).content.decode()
    assert "Watched user" not in row_of(body, after)


def test_watch_marks_cost_the_queue_no_query(mod_client, moderator, django_assert_num_queries):
    bob = EndUserFactory(id="bob")
    actions.watch_user(target=bob, actor=moderator)
    for i in range(60):
        flag(i, creator=bob if i % 2 else f"c-{i}")
    mod_client.get(reverse("reviews:queue"))
    # The same counts as tests/reviews/views/test_queue_rows.py asserts without a watch: the marks ride on the
    # top-reasons query.
    with django_assert_num_queries(5):
        page = mod_client.get(reverse("reviews:queue"))
    assert page.content.count(b"badge-watched") == 25
    with django_assert_num_queries(4):
        more = mod_client.get(reverse("reviews:queue"), {"next": page.context["page"].next}, **HX)
    assert more.content.count(b"badge-watched") == 5


def test_top_reasons_are_unchanged_by_watch_rows(moderator):
    bob = EndUserFactory(id="bob")
    actions.watch_user(target=bob, actor=moderator)
    item = flag(1, creator=bob)
    facts = row_facts([item.pk])
    assert facts.reasons == {item.pk: [("spam", 1)]} and facts.watched == {item.pk}


@override_settings(MODERATION_STALE_AFTER_MINUTES=30)
def test_pending_items_past_the_threshold_are_marked_stale(mod_client, moderator, time_machine):
    time_machine.move_to("2030-01-01 12:00Z", tick=False)
    old, decided = flag(1), flag(2)
    actions.mark_reviewed(item=decided, actor=moderator)
    time_machine.move_to("2030-01-01 12:20Z", tick=False)
    fresh = flag(3)
    time_machine.move_to("2030-01-01 12:31Z", tick=False)
    relogin(mod_client)
    body = mod_client.get(reverse("reviews:queue"), {"status": ""}).content.decode()
    assert 'class="queue-row stale"' in row_of(body, old)
    assert '<span class="badge badge-stale">Stale</span>' in row_of(body, old)
    assert "stale" not in row_of(body, fresh) and "stale" not in row_of(body, decided)
    # The switcher (loaded after the page) says which queue is stale.
    switcher = mod_client.get(reverse("reviews:queue-switcher"), **HX).content.decode()
    assert 'id="stale-alert"' in switcher and "All pending items" in switcher and "threshold 30 min" in switcher
    # Live updates mark the same.
    since = (timezone.now() - timedelta(minutes=40)).isoformat()
    live = mod_client.get(reverse("reviews:queue-changes"), {"since": since}, **HX).content.decode()
    assert 'class="queue-row stale"' in row_of(live, old)


def test_a_custom_queue_marks_with_its_own_threshold(mod_client, moderator, time_machine):
    time_machine.move_to("2030-01-01 12:00Z", tick=False)
    queue = queue_actions.create_queue(name="Urgent", type="custom", filters={"channel_cid": "messaging:urgent"},
                                       actor=None)
    queue_actions.update_queue(queue_id=queue.pk, actor=None, stale_after_minutes=5)
    item = flag(1, channel="messaging:urgent")
    time_machine.move_to("2030-01-01 12:06Z", tick=False)
    relogin(mod_client)
    in_queue = mod_client.get(reverse("reviews:queue"), {"cq": str(queue.pk)}).content.decode()
    assert "badge-stale" in row_of(in_queue, item)
    everything = mod_client.get(reverse("reviews:queue")).content.decode()
    assert "badge-stale" not in row_of(everything, item)  # 6 minutes is fresh for the default 60
    switcher = mod_client.get(reverse("reviews:queue-switcher"), **HX).content.decode()
    assert '<span class="badge badge-stale">stale</span>' in switcher and "Urgent" in switcher
    # The drawer's row update, made from that queue's page, keeps the queue's threshold.
    page_url = "http://testserver" + reverse("reviews:queue") + f"?cq={queue.pk}"
    drawer = mod_client.get(reverse("reviews:item", args=[item.pk]), HTTP_HX_CURRENT_URL=page_url, **HX)
    assert "badge-stale" in row_of(drawer.content.decode(), item)


def test_images_and_nudity_or_violence_labels_make_an_item_graphic(mod_client):
    plain = flag(1)
    image = flag(2, images=["https://example.com/a.png"])
    labelled = flag(3, labels=["Graphic Violence"])
    body = mod_client.get(reverse("reviews:queue")).content.decode()
    assert " graphic" in row_of(body, image).split(">")[0] and " graphic" in row_of(body, labelled).split(">")[0]
    assert "graphic" not in row_of(body, plain).split(">")[0]
    drawer = mod_client.get(reverse("reviews:item", args=[image.pk]), **HX).content.decode()
    assert 'data-graphic="1"' in drawer


def test_watch_and_stop_watching_from_the_user_page(mod_client):
    EndUserFactory(id="bob")
    page = mod_client.get(reverse("reviews:user", args=["bob"])).content.decode()
    assert 'id="watch-form-user"' in page and "On watch" not in page
    response = mod_client.post(reverse("reviews:user-act", args=["bob"]),
                               {"action": "watch", "reason": "borderline", "timeout": "1440"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200 and "bob: on watch." in html and "On watch since" in html
    assert 'value="unwatch"' in html and 'id="watch-form-user"' not in html
    watch = Watch.objects.get()
    assert watch.watched_by == mod_client.identity and watch.review_after is not None
    entry = ModerationLog.objects.get(action="watch")
    assert f'name="entries" value="{entry.pk}"' in html  # the toast offers undo
    response = mod_client.post(reverse("reviews:undo"), {"entries": [entry.pk]}, **HX)
    assert response.status_code == 200 and not Watch.objects.filter(ended_at__isnull=True).exists()
    mod_client.post(reverse("reviews:user-act", args=["bob"]), {"action": "watch"}, **HX)
    html = mod_client.post(reverse("reviews:user-act", args=["bob"]), {"action": "unwatch"}, **HX).content.decode()
    assert "bob: no longer watched." in html
    assert OutboxEvent.objects.filter(type="user.unwatched").count() == 2


def test_a_bad_review_time_is_a_clear_error(mod_client):
    EndUserFactory(id="bob")
    response = mod_client.post(reverse("reviews:user-act", args=["bob"]), {"action": "watch", "timeout": "7"}, **HX)
    # The error names the field by its label (the form's `timeout`, "Duration"), as every dashboard error does.
    assert response.status_code == 400 and "Duration: Select a valid choice" in response.content.decode()
    assert not Watch.objects.exists()


def test_the_drawer_offers_watch_for_the_creator(mod_client, moderator):
    item = flag(1, creator="bob")
    drawer = mod_client.get(reverse("reviews:item", args=[item.pk]), **HX).content.decode()
    assert 'id="watch-form-drawer"' in drawer and 'hx-swap="none"' in drawer
    actions.watch_user(target=item.entity_creator, actor=moderator, reason="looks like spam")
    drawer = mod_client.get(reverse("reviews:item", args=[item.pk]), **HX).content.decode()
    assert 'id="watch-form-drawer"' not in drawer and "On watch" in drawer and "looks like spam" in drawer


def test_the_log_offers_undo_of_a_watch(mod_client):
    EndUserFactory(id="bob")
    mod_client.post(reverse("reviews:user-act", args=["bob"]), {"action": "watch"}, **HX)
    log = mod_client.get(reverse("reviews:log")).content.decode()
    entry = ModerationLog.objects.get(action="watch")
    assert f'aria-label="Undo watch #{entry.pk}"' in log


def test_the_compiled_row_facts_query_answers_as_the_orm(moderator):
    from reviews.prepared import bind_ids
    from reviews.selectors.queue import _facts_query, _reasons_by_item, _watched_items

    bob = EndUserFactory(id="bob")
    actions.watch_user(target=bob, actor=moderator)
    items = [flag(1, creator=bob), flag(2, creator="carol"), flag(3, creator=bob)]
    actions.flag_content(reporter=EndUserFactory(id="rep"), entity_type=EntityType.MESSAGE, entity_id="m-2",
                         actor=None, reason="abuse")
    ids = [i.pk for i in items]
    compiled = _facts_query(len(ids)).values(**bind_ids(ids))
    orm = list(_reasons_by_item(ids).union(_watched_items(ids), all=True).order_by("item_id", "-n", "reason"))
    assert compiled == orm and len(orm) == 6
