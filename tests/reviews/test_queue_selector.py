from datetime import timedelta

import pytest
from django.utils import timezone

from reviews import actions
from reviews.errors import ModerationError
from reviews.models import EntityType, ReviewQueueItem
from reviews.selectors.queue import filter_custom, queue_filter, queue_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(alice, bob, moderator):
    def flag(entity_id, reporter, creator, reason, texts, **kw):
        return actions.flag_content(
            reporter=reporter, entity_type=EntityType.MESSAGE, entity_id=entity_id, entity_creator=creator,
            actor=reporter, reason=reason, moderation_payload={"texts": texts, **kw.pop("payload", {})}, **kw,
        )[1]

    a = flag("m1", alice, bob, "spam", ["buy followers"], payload={"custom": {"page": "home"}},
             channel_cid="messaging:general")
    b = flag("m2", bob, alice, "harassment", ["you idiot"], payload={"images": ["https://x/i.png"]})
    c = flag("m3", moderator, bob, "spam", ["hello there"])
    ReviewQueueItem.objects.filter(pk=a.pk).update(severity=25, labels=["spam"])
    ReviewQueueItem.objects.filter(pk=b.pk).update(severity=100, labels=["INSULT", "toxic"], escalated=True)
    ReviewQueueItem.objects.filter(pk=c.pk).update(severity=50, created_at=timezone.now() - timedelta(days=2))
    actions.mark_reviewed(item=c, actor=moderator)
    return a, b, c


def ids(data, **kw):
    """The page's entity ids, read both ways: the ORM's queryset (with people joined, as the API reads) and the
    page query compiled once per filter (plain rows, as the dashboard reads); both must agree."""
    found = []
    for with_people in (True, False):
        fs = queue_filter(data, with_people=with_people)
        assert fs.is_valid(), fs.errors
        found.append([i.entity_id for i in queue_page(filterset=fs, with_flags=with_people, **kw).rows])
    assert found[0] == found[1]
    return found[0]


def test_filters(items):
    assert ids({"status": "pending"}) == ["m2", "m1"]
    assert ids({"status": "pending,reviewed"}) == ["m2", "m1", "m3"]
    assert ids({"creator": "bob"}) == ["m1", "m3"]
    assert ids({"reason": "harassment"}) == ["m2"]
    assert ids({"reporter": "mod-1"}) == ["m3"]
    assert ids({"label": "INSULT"}) == ["m2"]
    assert ids({"severity_min": "medium"}) == ["m2", "m3"]
    assert ids({"severity_min": "50", "severity_max": "high"}) == ["m3"]
    assert ids({"escalated": "true"}) == ["m2"]
    assert ids({"has_image": "true"}) == ["m2"]
    assert ids({"reviewed": "true"}) == ["m3"]
    assert ids({"q": "FOLLOWERS"}) == ["m1"]
    assert ids({"channel_cid": "messaging:general"}) == ["m1"]
    assert ids({"created_before": (timezone.now() - timedelta(days=1)).isoformat()}) == ["m3"]


def test_sorts(items):
    assert ids({}, sort="severity") == ["m2", "m3", "m1"]
    assert ids({}, sort="oldest") == ["m3", "m1", "m2"]


def test_custom_keys_match_the_payload_custom(items):
    fs = queue_filter({})
    fs.is_valid()
    assert [i.entity_id for i in filter_custom(fs.qs, {"page": "home"})] == ["m1"]


def test_bad_severity_is_an_error_naming_the_field(items):
    fs = queue_filter({"severity_min": "extreme"})
    assert not fs.is_valid() and "severity_min" in fs.errors


def test_keyset_pages_forward_and_back_without_gaps(alice, bob):
    for i in range(7):
        actions.flag_content(reporter=alice, entity_type=EntityType.MESSAGE, entity_id=f"p{i}",
                             entity_creator=bob, actor=alice)
    fs = queue_filter({})
    fs.is_valid()
    seen, cursor = [], None
    while True:
        page = queue_page(filterset=fs, limit=3, next_cursor=cursor)
        seen += [i.entity_id for i in page.rows]
        if not page.next:
            break
        cursor = page.next
    assert seen == [f"p{i}" for i in reversed(range(7))]
    second = queue_page(filterset=fs, limit=3, next_cursor=queue_page(filterset=fs, limit=3).next)
    back = queue_page(filterset=fs, limit=3, prev_cursor=second.prev)
    assert [i.entity_id for i in back.rows] == ["p6", "p5", "p4"]


def test_malformed_cursor_is_a_clear_error(items):
    fs = queue_filter({})
    fs.is_valid()
    with pytest.raises(ModerationError) as exc:
        queue_page(filterset=fs, next_cursor="not-a-cursor")
    assert exc.value.field == "next"


def test_top_reasons_counts_each_items_reasons_most_common_first(django_assert_num_queries):
    from reviews.models import Flag
    from reviews.selectors.queue import top_reasons
    from tests.factories import EndUserFactory, ReviewQueueItemFactory

    busy, quiet, unflagged = ReviewQueueItemFactory(), ReviewQueueItemFactory(), ReviewQueueItemFactory()
    reasons = ["spam"] * 3 + ["abuse"] * 2 + ["scam"] * 2 + ["other", ""]
    for reason in reasons:
        Flag.objects.create(reporter=EndUserFactory(), entity_type="message", entity_id=busy.entity_id,
                            item=busy, reason=reason)
    Flag.objects.create(reporter=EndUserFactory(), entity_type="message", entity_id=quiet.entity_id, item=quiet,
                        reason="harassment")
    with django_assert_num_queries(1):
        found = top_reasons([busy.pk, quiet.pk, unflagged.pk, busy.pk])
    # Ties break by reason; blank reasons are not a reason; at most 3 an item; items with no flags are absent.
    assert found == {busy.pk: [("spam", 3), ("abuse", 2), ("scam", 2)], quiet.pk: [("harassment", 1)]}
    # Another page size compiles its own query and answers the same.
    assert top_reasons([quiet.pk]) == {quiet.pk: [("harassment", 1)]}
    assert top_reasons([busy.pk], per_item=1) == {busy.pk: [("spam", 3)]}
    assert top_reasons([]) == {}


@pytest.mark.parametrize("sort", ["newest", "oldest", "severity", "flags", "updated", "severity_asc", "flags_asc"])
def test_compiled_pages_equal_the_orms_pages_forward_and_back(alice, bob, sort, django_assert_num_queries):
    """The dashboard's page query is compiled once per filter and direction and re-bound per cursor: every page,
    each way, must be the ORM's page (rows, field values and cursors)."""
    from reviews.selectors import pagination

    for i in range(9):
        _, item = actions.flag_content(reporter=alice, entity_type=EntityType.MESSAGE, entity_id=f"c{i}",
                                       entity_creator=bob, actor=alice)
        ReviewQueueItem.objects.filter(pk=item.pk).update(severity=[0, 25, 50][i % 3], flags_count=i % 2,
                                                          labels=["x", i], moderation_payload={"texts": [f"t{i}"]})
    pagination._pages.clear()

    def page(with_people, **kw):
        fs = queue_filter({"status": "pending"}, with_people=with_people)
        assert fs.is_valid()
        return queue_page(filterset=fs, sort=sort, limit=2, with_flags=False, **kw)

    def same(a, b):
        assert [(i.pk, i.entity_id, i.severity, i.flags_count, i.labels, i.moderation_payload, i.created_at,
                 i.updated_at, i.entity_creator_id, i.status) for i in a.rows] == [
                (i.pk, i.entity_id, i.severity, i.flags_count, i.labels, i.moderation_payload, i.created_at,
                 i.updated_at, i.entity_creator_id, i.status) for i in b.rows]
        assert (a.next, a.prev) == (b.next, b.prev)
        assert all(not i._state.adding and i._state.db == "default" for i in b.rows)

    cursor, pages = None, []
    while True:
        orm, compiled = page(True, next_cursor=cursor), page(False, next_cursor=cursor)
        same(orm, compiled)
        pages.append(compiled)
        if not compiled.next:
            break
        cursor = compiled.next
    assert sum(len(p.rows) for p in pages) == 9
    for p in pages[1:]:
        same(page(True, prev_cursor=p.prev), page(False, prev_cursor=p.prev))
    # One compiled query per shape: the first page, later pages forward, pages backward.
    assert len(pagination._pages) == 3
    with django_assert_num_queries(1):
        page(False, next_cursor=pages[1].next)


def test_compiled_pages_keep_filters_apart_and_odd_cursors_go_through_the_orm(items):
    from reviews.selectors import pagination
    from reviews.selectors.pagination import encode_cursor

    pagination._pages.clear()
    assert ids({"creator": "bob"}) == ["m1", "m3"] and ids({"creator": "alice"}) == ["m2"]
    assert ids({"escalated": "true"}) == ["m2"] and ids({"escalated": "false"}) == ["m1", "m3"]
    assert ids({"severity_min": "50"}) == ["m2", "m3"] and ids({"severity_min": "100"}) == ["m2"]
    # A cursor whose values have other types than its columns (hand-made: a string for the time, an int for the
    # id) is not bound into the compiled query; the ORM reads it, as it did before there was a compiled path.
    from reviews.selectors.queue import SORTS

    odd = encode_cursor(type("Row", (), {"created_at": "2100-01-01T00:00:00+00:00", "id": 7})(), SORTS["newest"],
                        "next")
    compiled_before = len(pagination._pages)
    assert ids({}, next_cursor=odd) == ["m2", "m1", "m3"]
    assert len(pagination._pages) == compiled_before


def test_a_filter_value_equal_to_a_cursor_sentinel_pages_through_the_orm(items):
    """A filter value that equals a compiled query's stand-in for a cursor value (here the time one) must not be
    re-bound with the cursor: that shape pages through the ORM, with the right rows."""
    from reviews.selectors import pagination

    pagination._pages.clear()
    data = {"created_after": "1901-02-03T04:05:06+00:00"}
    first = queue_filter(data, with_people=False)
    first.is_valid()
    cursor = queue_page(filterset=first, limit=1, with_flags=False).next
    assert ids(data, limit=1, next_cursor=cursor) == ["m1"]
    assert None in pagination._pages.values()
