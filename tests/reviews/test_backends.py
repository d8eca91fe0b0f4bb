"""DashboardBackend: the session's login, its dashboard roles and its EndUser identity in one (precompiled) query."""

import pytest
from django.contrib.auth.models import Group, User

from reviews.backends import DashboardBackend
from reviews.models import EndUser
from reviews.permissions import ADMINS, MODERATORS, VIEWERS, dashboard_role, identity_for

pytestmark = pytest.mark.django_db


def _login(username: str, *groups: str, **fields) -> User:
    user = User.objects.create_user(username, password="pw", **fields)
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


def test_loads_the_login_its_roles_and_its_identity_in_one_query(django_assert_num_queries):
    stored = _login("carol", MODERATORS, VIEWERS, email="carol@example.com", first_name="Carol")
    identity = EndUser.objects.create(id="carol-id", name="Carol", role=EndUser.Role.MODERATOR, dashboard_user=stored)
    with django_assert_num_queries(1):
        user = DashboardBackend().get_user(stored.pk)
        assert user.dashboard_roles == {MODERATORS, VIEWERS}
        assert dashboard_role(user) == MODERATORS
        loaded = identity_for(user)
    assert (user.pk, user.username, user.email, user.first_name, user.is_active) == (
        stored.pk, "carol", "carol@example.com", "Carol", True)
    assert user.check_password("pw")
    assert user._state.db == "default" and not user._state.adding
    assert (loaded.pk, loaded.name, loaded.role, loaded.dashboard_user_id) == (
        identity.pk, "Carol", EndUser.Role.MODERATOR, stored.pk)
    assert loaded.created_at == identity.created_at


def test_each_login_gets_its_own_roles():
    admin = _login("ada", ADMINS)
    viewer = _login("vic", VIEWERS)
    nobody = _login("nora")
    backend = DashboardBackend()
    assert backend.get_user(admin.pk).dashboard_roles == {ADMINS}
    assert backend.get_user(viewer.pk).dashboard_roles == {VIEWERS}
    assert backend.get_user(nobody.pk).dashboard_roles == set()
    assert dashboard_role(backend.get_user(nobody.pk)) is None


def test_a_login_with_no_identity_yet_gets_one_on_first_use():
    stored = _login("dan", MODERATORS)
    user = DashboardBackend().get_user(stored.pk)
    assert User.end_user.is_cached(user) and getattr(user, "end_user", None) is None
    identity = identity_for(user)
    assert identity.pk == "dan" and identity.dashboard_user_id == stored.pk


@pytest.mark.parametrize("user_id", [987654, "987654", "not-a-number", None])
def test_unknown_or_malformed_ids_are_no_user(user_id):
    assert DashboardBackend().get_user(user_id) is None


def test_an_inactive_login_is_no_user():
    stored = _login("eve", MODERATORS, is_active=False)
    assert DashboardBackend().get_user(stored.pk) is None


def test_the_session_id_may_arrive_as_a_string():
    stored = _login("fay", VIEWERS)
    assert DashboardBackend().get_user(str(stored.pk)).pk == stored.pk
