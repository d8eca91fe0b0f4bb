"""The API's item details (recent flags with reporters, recent log entries) read through precompiled queries as
light rows: the wire output must equal what the models give, newest first, capped per item."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reviews.api import wire
from reviews.models import Flag, ModerationLog
from reviews.selectors import item_details
from tests.factories import EndUserFactory, ReviewQueueItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def page():
    now = timezone.now()
    items = [ReviewQueueItemFactory() for _ in range(3)]
    reporter = EndUserFactory(id="rep", name="Rep", teams=["blue"], custom={"tier": 2}, invisible=True,
                              deactivated_at=now - timedelta(days=1), language="fr")
    for n in range(30):  # more than the cap, half without a reporter (automod)
        Flag.objects.create(item=items[0], entity_type=items[0].entity_type, entity_id=f"{items[0].entity_id}-{n}",
                            entity_creator=items[0].entity_creator, reporter=reporter if n % 2 else None,
                            reason=f"r{n}", custom={"n": n}, labels=["spam"], created_at=now - timedelta(seconds=n),
                            updated_at=now)
    for n in range(2):  # the same instant: the id breaks the tie, as in the models' order
        Flag.objects.create(item=items[1], entity_type=items[1].entity_type, entity_id=f"{items[1].entity_id}-{n}",
                            reporter=EndUserFactory(id=f"other-{n}"), created_at=now, updated_at=now)
    for n in range(27):
        ModerationLog.objects.create(action="flag", item=items[0], actor=reporter, target_user=reporter,
                                     reason=f"log {n}", custom={"n": n}, created_at=now - timedelta(seconds=n))
    ModerationLog.objects.create(action="escalate", item=items[2], created_at=now)
    return items


def _model_flags(item, cap=25):
    return list(Flag.objects.filter(item=item).select_related("reporter").order_by("-created_at", "-id")[:cap])


def _model_entries(item, cap=25):
    return list(ModerationLog.objects.filter(item=item).order_by("-created_at", "-id")[:cap])


def test_rows_give_the_same_wire_objects_as_the_models(page):
    flags = item_details.recent_flags([i.pk for i in page])
    entries = item_details.recent_log_entries([i.pk for i in page])
    for item in page:
        assert [wire.moderation_flag(f) for f in flags.get(item.pk, [])] == [
            wire.moderation_flag(f) for f in _model_flags(item)]
        assert [wire.action_log(e) for e in entries.get(item.pk, [])] == [
            wire.action_log(e) for e in _model_entries(item)]
    assert len(flags[page[0].pk]) == 25 and len(entries[page[0].pk]) == 25  # capped
    assert page[2].pk not in flags and page[1].pk not in entries
    reporter = next(f.reporter for f in flags[page[0].pk] if f.reporter is not None)
    assert (reporter.invisible, reporter.teams, reporter.custom) == (True, ["blue"], {"tier": 2})


def test_one_query_each_for_any_page_size_and_cap(page):
    for ids in ([page[0].pk], [i.pk for i in page], [page[1].pk, page[0].pk, page[1].pk]):
        with CaptureQueriesContext(connection) as ctx:
            flags = item_details.recent_flags(ids, per_item=3)
            entries = item_details.recent_log_entries(ids, per_item=3)
        assert len(ctx.captured_queries) == 2
        for item in page:
            if item.pk in ids:
                assert [f.reason for f in flags.get(item.pk, [])] == [f.reason for f in _model_flags(item, 3)]
                assert [e.pk for e in entries.get(item.pk, [])] == [e.pk for e in _model_entries(item, 3)]
    with CaptureQueriesContext(connection) as ctx:
        assert item_details.recent_flags([]) == {} and item_details.recent_log_entries([]) == {}
    assert not ctx.captured_queries
