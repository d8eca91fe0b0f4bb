"""The assumptions the deliberate speed exceptions rely on (docs/architecture.md, "Speed exceptions"), each checked
against the installed Django and django-filter, so an upgrade that breaks one fails here, by name, instead of
quietly changing what a page shows.

- reviews/views/rows.py formats queue rows in Python: its escaping must be Django's autoescaping, its URLs
  Django's reverse(), and its forms' CSRF input Django's.
- reviews/selectors/filtersets.py builds a FilterSet without django-filter's own __init__: it must set up
  exactly what that __init__ does.
- reviews/prepared.py compiles ORM queries once: the ORM's compiler must still hand back the sentinels as
  parameters (tests/reviews/test_prepared.py compares every prepared query with the ORM's own answer).
"""

from __future__ import annotations

import django_filters
import pytest
from django.template import Context, Template
from django.template.backends.utils import csrf_input
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from reviews.converters import id_to_segment
from reviews.selectors.queue import ReviewQueueFilter
from reviews.views import rows

TRICKY = ["plain", "<script>alert(1)</script>", "a & b", "\"quoted\" 'single'", "ünïcode ☃", "50% off", "a/b c?d#e",
          "tab\tnew\nline", "`backtick` =eq", "x" * 300]
BROKEN = "Django's {what} changed: reviews/views/rows.py reproduces it by hand for speed; update it (see " \
         "docs/architecture.md, Speed exceptions)."


@pytest.mark.parametrize("value", TRICKY)
def test_row_escaping_is_djangos_autoescaping(value):
    autoescaped = Template("{{ v }}").render(Context({"v": value}))
    assert rows._escape(value) == escape(value) == autoescaped, BROKEN.format(what="autoescaping")
    safe = mark_safe("<b>kept</b>")
    assert rows._escape(safe) == Template("{{ v }}").render(Context({"v": safe})), BROKEN.format(what="SafeString")


USER_IDS = ["user 1", "ünï", "50%", "x?y#z", "semi;colon=and&amp+plus", "~tilde:colon@at!", "dots.and-dash_"]
ITEM_IDS = ["00000000-0000-0000-0000-000000000001", "9f1c2e7a-3b4d-4c5e-8f60-718293a4b5c6"]


@pytest.mark.parametrize(("name", "value"), [("reviews:user", v) for v in USER_IDS] +
                         [(n, v) for n in ("reviews:item", "reviews:decide") for v in ITEM_IDS])
def test_row_urls_are_djangos_reverse(name, value):
    # User ids go through the `sid` converter (reviews/converters.py), which reverse() applies before quoting.
    segment = id_to_segment if name == "reviews:user" else str
    made = rows._url_maker(name, segment)(value)
    assert made == reverse(name, args=[value]), BROKEN.format(what="reverse() quoting")


def test_row_forms_csrf_input_is_djangos():
    request = RequestFactory().get("/")
    html = str(csrf_input(request))
    assert html.startswith('<input type="hidden" name="csrfmiddlewaretoken" value="'), \
        BROKEN.format(what="csrf_input (django.template.backends.utils)")


def test_our_filterset_sets_up_what_django_filters_own_init_does(db):
    """Our FilterSet skips django-filter's __init__ (deep copies per request): it must leave the instance with the
    same attributes, and filters bound to this instance, as django-filter's would."""
    data = {"status": "pending", "reason": "spam"}
    ours = ReviewQueueFilter(data)
    stock = django_filters.FilterSet.__new__(ReviewQueueFilter)
    django_filters.FilterSet.__init__(stock, data)
    assert set(vars(ours)) == set(vars(stock)), (
        "django-filter's FilterSet.__init__ changed what it sets up: reviews/selectors/filtersets.py copies it "
        f"for speed; update it (ours {sorted(vars(ours))} vs {sorted(vars(stock))})")
    assert set(ours.filters) == set(stock.filters)
    for name, filter_ in ours.filters.items():
        assert filter_.parent is ours and filter_.model is stock.filters[name].model
        if filter_.method is not None:  # `method=` filters call the method of the FilterSet they belong to
            assert filter_.filter.f is filter_ and filter_.filter.f.parent is ours, \
                f"filter {name}'s method= is bound to another FilterSet (django-filter's FilterMethod changed?)"
    assert list(ours.form.fields) == list(stock.form.fields)
    assert ours.is_valid() and stock.is_valid()
    assert str(ours.qs.query) == str(stock.qs.query)
