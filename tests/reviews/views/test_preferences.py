"""Wellness preferences: the action, the page, what <body> carries, and that the login's one query loads them."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from reviews import actions
from reviews.backends import DashboardBackend
from reviews.errors import ModerationError
from reviews.models import ModerationLog, ModeratorPreferences
from tests.factories import DashboardUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(client):
    user = DashboardUserFactory(username="mia", role="Moderators")
    client.force_login(user)
    client.login_user = user
    return client


def test_save_preferences_writes_only_changes_and_is_idempotent(login):
    user = login.login_user
    prefs = actions.save_preferences(user=user, greyscale=True, blur="light")
    stamp = prefs.updated_at
    again = actions.save_preferences(user=user, greyscale=True, blur="light")
    assert again.updated_at == stamp and ModeratorPreferences.objects.count() == 1
    assert (again.greyscale, again.blur, again.break_after_decisions) == (True, "light", 40)  # the rest: defaults
    assert not ModerationLog.objects.exists()  # not moderation state


@pytest.mark.parametrize(("values", "field"), [
    ({"blur": "extreme"}, "blur"), ({"break_after_minutes": -1}, "break_after_minutes"),
    ({"break_after_decisions": 10**6}, "break_after_decisions"), ({"greyscale": "yes"}, "greyscale"),
    ({"colour": "pink"}, "colour"),
])
def test_bad_preferences_name_the_field(login, values, field):
    with pytest.raises(ModerationError) as exc:
        actions.save_preferences(user=login.login_user, **values)
    assert exc.value.field == field
    assert not ModeratorPreferences.objects.exists()


def test_the_page_saves_and_every_page_applies_them(login):
    page = login.get(reverse("reviews:preferences")).content.decode()
    assert 'class="blur-strong"' in page and 'data-break-decisions="40"' in page  # defaults, nothing saved
    assert 'href="/preferences/" aria-current="page"' in page
    response = login.post(reverse("reviews:preferences"), {
        "greyscale": "on", "blur": "none", "audio_muted": "on", "break_after_decisions": "5",
        "break_after_minutes": "0"})
    assert response.status_code == 302
    prefs = ModeratorPreferences.objects.get(user=login.login_user)
    assert (prefs.greyscale, prefs.blur, prefs.video_autoplay, prefs.audio_muted, prefs.break_after_decisions,
            prefs.break_after_minutes) == (True, "none", False, True, 5, 0)
    queue = login.get(reverse("reviews:queue")).content.decode()
    assert 'class="wellness-greyscale blur-none"' in queue
    assert 'data-video-autoplay="off" data-audio-muted="on" data-break-decisions="5" data-break-minutes="0"' in queue
    assert "reviews/shift.css" in queue and "reviews/wellness.js" in queue
    form = login.get(reverse("reviews:preferences")).content.decode()
    assert 'id="p-greyscale" checked' in form and 'value="none" id="p-blur-none" checked' in form


def test_bad_input_on_the_page_is_a_400_naming_the_field(login):
    response = login.post(reverse("reviews:preferences"), {"blur": "extreme", "break_after_decisions": "5",
                                                           "break_after_minutes": "5"})
    assert response.status_code == 400 and "blur: Select a valid choice" in response.content.decode()
    response = login.post(reverse("reviews:preferences"), {"blur": "light", "break_after_decisions": "-3",
                                                           "break_after_minutes": "5"})
    assert response.status_code == 400 and "break_after_decisions" in response.content.decode()
    assert not ModeratorPreferences.objects.exists()


def test_viewers_have_preferences_too(client):
    client.force_login(DashboardUserFactory(username="vic", role="Viewers"))
    assert client.post(reverse("reviews:preferences"), {"greyscale": "on", "blur": "strong",
                                                        "break_after_decisions": "0",
                                                        "break_after_minutes": "0"}).status_code == 302
    assert ModeratorPreferences.objects.get().greyscale


def test_the_login_query_loads_the_preferences_too(django_assert_num_queries):
    user = User.objects.create_user("carol", password="pw")
    with django_assert_num_queries(1):
        loaded = DashboardBackend().get_user(user.pk)
        assert getattr(loaded, "moderator_preferences", None) is None  # none saved: the defaults, no query
    actions.save_preferences(user=user, greyscale=True, break_after_minutes=15)
    with django_assert_num_queries(1):
        loaded = DashboardBackend().get_user(user.pk)
        prefs = loaded.moderator_preferences
    assert (prefs.greyscale, prefs.blur, prefs.break_after_minutes, prefs.user_id) == (True, "strong", 15, user.pk)
    assert not prefs._state.adding
