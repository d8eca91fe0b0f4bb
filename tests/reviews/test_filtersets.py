"""The selectors' FilterSet base: the form class is built once per class, and nothing leaks between instances."""

import django_filters
import pytest

from reviews.models import ReviewQueueItem
from reviews.selectors.filtersets import FilterSet
from reviews.selectors.queue import ReviewQueueFilter, queue_filter
from tests.factories import ReviewQueueItemFactory


class _Plain(django_filters.FilterSet):
    """ReviewQueueFilter's filters on django-filter's own base, to compare against."""

    class Meta:
        model = ReviewQueueItem
        fields: list[str] = []


for _name, _filter in ReviewQueueFilter.base_filters.items():
    _Plain.base_filters[_name] = _filter


def test_form_class_is_built_once_and_matches_django_filters():
    a, b = queue_filter({"status": "pending"}), queue_filter({"status": "reviewed", "severity_min": "bogus"})
    assert a.get_form_class() is b.get_form_class()
    plain = _Plain(data={}, queryset=ReviewQueueItem.objects.all()).form
    ours = a.form
    assert list(ours.fields) == list(plain.fields)
    assert [(f.label, type(f)) for f in ours.fields.values()] == [(f.label, type(f)) for f in plain.fields.values()]


@pytest.mark.django_db
def test_instances_keep_their_own_data_errors_and_parent():
    ReviewQueueItemFactory(entity_id="a", severity=90)
    ReviewQueueItemFactory(entity_id="b", severity=10)
    bad = queue_filter({"severity_min": "bogus"})
    good = queue_filter({"severity_min": "high"})
    assert not bad.is_valid() and "severity_min" in bad.errors
    assert good.is_valid() and not good.errors
    assert [i.entity_id for i in good.qs] == ["a"]  # a method= filter, run against this instance
    assert good.filters["severity_min"].parent is good and bad.filters["severity_min"].parent is bad
    assert good.filters["status"] is not ReviewQueueFilter.base_filters["status"]
    unbound = ReviewQueueFilter(queryset=ReviewQueueItem.objects.all())
    assert not unbound.is_bound and sorted(i.entity_id for i in unbound.qs) == ["a", "b"]


def test_every_selector_filterset_uses_the_base():
    from reviews.selectors import bans, calls, logs, policies, users

    for cls in (ReviewQueueFilter, bans.BanFilter, calls.CallMemberFilter, logs.ModerationLogFilter, logs.FlagFilter,
                policies.ConfigFilter, users.UserFilter):
        assert issubclass(cls, FilterSet), cls
