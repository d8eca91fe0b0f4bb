"""Login lockout (django-axes, settings AXES_*): per username and per address, on the dashboard's login and
Django admin's, with a clear message, and lifted by an admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client

from tests.factories import DashboardUserFactory

pytestmark = pytest.mark.django_db
LOGIN, ADMIN_LOGIN = "/accounts/login/", "/admin/login/"


def attempt(password: str, *, username: str = "mia", ip: str = "198.51.100.1", url: str = LOGIN):
    client = Client(REMOTE_ADDR=ip)
    response = client.post(url, {"username": username, "password": password, "next": "/queue/"})
    response.logged_in = "_auth_user_id" in client.session
    return response


@pytest.fixture
def mia():
    return DashboardUserFactory(username="mia", password="right", role="Moderators")


def test_thirty_wrong_passwords_then_the_right_one_is_refused(mia, settings):
    assert settings.AXES_FAILURE_LIMIT == 10
    answers = [attempt("wrong") for _ in range(30)]
    assert [a.status_code for a in answers[:9]] == [200] * 9  # the form again, "didn't match"
    assert {a.status_code for a in answers[9:]} == {429}
    right = attempt("right")
    assert right.status_code == 429 and not right.logged_in
    text = right.content.decode()
    assert "Too many failed logins" in text and "locked for 15 minutes" in text and "Access attempts" in text
    assert 'role="alert"' in text and 'value="mia"' in text  # the login page again, saying why


def test_a_username_is_locked_from_every_address_and_an_address_for_every_username(mia):
    DashboardUserFactory(username="vic", password="right", role="Viewers")
    for n in range(10):
        attempt("wrong", ip=f"203.0.113.{n}")  # one username, many addresses
    assert attempt("right", ip="192.0.2.50").status_code == 429
    assert attempt("right", username="vic", ip="203.0.113.1").logged_in  # that address is not locked for vic
    for n in range(10):
        attempt("wrong", username=f"guess-{n}", ip="192.0.2.99")  # one address, many usernames
    locked = attempt("right", username="vic", ip="192.0.2.99")
    assert locked.status_code == 429 and not locked.logged_in
    assert attempt("right", username="vic", ip="192.0.2.100").logged_in


def test_django_admin_login_is_covered_and_counts_with_the_dashboards(settings):
    DashboardUserFactory(username="root", password="right")
    from django.contrib.auth.models import User

    User.objects.filter(username="root").update(is_staff=True, is_superuser=True)
    for _ in range(5):
        attempt("wrong", username="root", url=ADMIN_LOGIN)
    for _ in range(5):
        attempt("wrong", username="root")
    refused = attempt("right", username="root", url=ADMIN_LOGIN, ip="192.0.2.7")
    assert refused.status_code == 429 and not refused.logged_in
    assert "Too many failed logins" in refused.content.decode()


def test_an_admin_lifts_the_lockout_in_django_admin(mia):
    for _ in range(10):
        attempt("wrong")
    assert attempt("right").status_code == 429
    admin = DashboardUserFactory(username="boss", password="pw")
    from django.contrib.auth.models import User

    User.objects.filter(pk=admin.pk).update(is_staff=True, is_superuser=True)
    staff = Client()
    staff.force_login(User.objects.get(pk=admin.pk))
    changelist = staff.get("/admin/axes/accessattempt/")
    assert changelist.status_code == 200 and b"mia" in changelist.content
    ids = [str(pk) for pk in AccessAttempt.objects.filter(username="mia").values_list("pk", flat=True)]
    lifted = staff.post("/admin/axes/accessattempt/",
                        {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert lifted.status_code == 302 and not AccessAttempt.objects.filter(username="mia").exists()
    assert attempt("right").logged_in


def test_the_command_line_lifts_it_too_and_it_ends_by_itself_after_the_cool_off(mia, settings):
    for _ in range(10):
        attempt("wrong")
    call_command("axes_reset_username", "mia")
    assert attempt("right").logged_in
    for _ in range(10):
        attempt("wrong", ip="192.0.2.1")
    assert attempt("right", ip="192.0.2.1").status_code == 429
    # The failures age past the cool-off (moved back rather than waited for).
    for row in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=row.pk).update(attempt_time=row.attempt_time - settings.AXES_COOLOFF_TIME
                                                       - timedelta(seconds=1))
    assert attempt("right", ip="192.0.2.1").logged_in
