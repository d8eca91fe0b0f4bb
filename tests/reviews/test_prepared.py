"""reviews/prepared.py: compiled once per database, re-bound per call, the same rows as the ORM."""

import uuid
from datetime import UTC, datetime, timedelta
from datetime import timezone as _tz
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from reviews.models import Flag, ReviewQueueItem
from reviews.prepared import PreparedQuery
from tests.factories import EndUserFactory, ReviewQueueItemFactory

pytestmark = pytest.mark.django_db


def timezone_offset(hours: int) -> _tz:
    return _tz(timedelta(hours=hours))


def _flags(item: uuid.UUID, since: datetime, reporter: str):
    return (Flag.objects.filter(item_id=item, created_at__gte=since, reporter_id=reporter)
            .order_by("created_at").values_list("id", "item_id", "created_at", "custom", "reporter__teams"))


SENTINELS = {"item": uuid.UUID(int=7), "since": datetime(1901, 1, 1, tzinfo=UTC), "reporter": "\x00reporter"}


def test_values_equal_the_querysets_values_list_and_compile_once():
    now = timezone.now()
    items = [ReviewQueueItemFactory(), ReviewQueueItemFactory()]
    reporter = EndUserFactory(id="rep", teams=["a", "b"])
    for item in items:
        for n in range(3):
            Flag.objects.create(item=item, entity_type=item.entity_type, entity_id=f"{item.entity_id}-{n}",
                                reporter=reporter, custom={"n": n}, created_at=now - timedelta(hours=n))
    query = PreparedQuery(_flags, SENTINELS)
    with mock.patch.object(PreparedQuery, "_compile", side_effect=PreparedQuery._compile, autospec=True) as compile_:
        for item in items:
            for since in (now - timedelta(minutes=90), now - timedelta(days=1), now + timedelta(days=1)):
                got = query.values(item=item.pk, since=since, reporter="rep")
                assert got == list(_flags(item.pk, since, "rep")), (item, since)
        assert query.values(item=items[0].pk, since=now - timedelta(days=1), reporter="nobody") == []
    assert compile_.call_count == 1
    assert all(row[2].tzinfo is UTC for row in got)
    raw = query.rows(item=items[0].pk, since=now - timedelta(days=1), reporter="rep")
    assert [r[0] for r in raw] == [r[0] for r in _flags(items[0].pk, now - timedelta(days=1), "rep")]


def test_a_sentinel_the_query_does_not_use_is_an_error():
    query = PreparedQuery(lambda item, unused: Flag.objects.filter(item_id=item), {"item": uuid.UUID(int=7),
                                                                                     "unused": "\x00unused"})
    with pytest.raises(ValueError, match="unused"):
        query.rows(item=uuid.UUID(int=8), unused="x")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a psycopg loader")
def test_postgresql_timestamps_come_through_psycopgs_own_loader_with_the_same_values():
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    written = datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=timezone_offset(-5))
    item = ReviewQueueItemFactory(created_at=written)
    query = PreparedQuery(lambda pk: ReviewQueueItem.objects.filter(pk=pk).values_list("created_at"),
                          {"pk": uuid.UUID(int=7)})
    used = []
    real = BaseTzLoader.load

    def spy(self, data):
        used.append(data)
        return real(self, data)

    with mock.patch.object(BaseTzLoader, "load", spy):
        [(read,)] = query.values(pk=item.pk)
        assert list(ReviewQueueItem.objects.filter(pk=item.pk).values_list("created_at")) == [(read,)]
    assert read == written and read.tzinfo is UTC and read.hour == 4
    assert len(used) == 1  # the ORM's read went through Django's loader; ours did not


def test_json_columns_read_the_same_as_the_orm_even_where_orjson_refuses():
    """JSON columns go through orjson; integers beyond 64 bits (jsonb keeps them) fall back to the json module."""
    item = ReviewQueueItemFactory()
    reporter = EndUserFactory(id="rep-json", teams=[])
    odd = {"big": 2**70, "neg": -(2**65), "nested": {"list": [1, 2.5, None, True, "é\u2028"]}, "empty": {}}
    Flag.objects.create(item=item, entity_type=item.entity_type, entity_id="j-1", reporter=reporter, custom=odd)
    Flag.objects.create(item=item, entity_type=item.entity_type, entity_id="j-2", reporter=reporter, custom=[])
    query = PreparedQuery(_flags, SENTINELS)
    since = timezone.now() - timedelta(days=1)
    got = query.values(item=item.pk, since=since, reporter="rep-json")
    expected = list(_flags(item.pk, since, "rep-json"))
    assert sorted(got, key=repr) == sorted(expected, key=repr)
    # The same types too (no Decimal for 2.5, no float for 2**70), not only equal values.
    assert sorted(repr(row[3]) for row in got) == sorted(repr(row[3]) for row in expected)
    custom = next(row[3] for row in got if row[3])
    assert custom == odd and type(custom["big"]) is int and type(custom["nested"]["list"][1]) is float
