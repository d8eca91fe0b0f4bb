"""Authentication backend for dashboard logins.

Django's ModelBackend loads the session's user with one query; every dashboard page then needs the login's
role (its groups: one more query), the EndUser it acts as (another) and its wellness preferences (a third, for
<body>'s classes). This backend loads all four in the user's own query, so a page pays for one query instead.
The query (two EXISTS subqueries and two joins) is compiled once per process (reviews/prepared.py): compiling
it cost more than running it, on every request.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import router
from django.db.models import Exists, OuterRef

from reviews.models import EndUser, ModeratorPreferences
from reviews.permissions import ROLE_ORDER
from reviews.prepared import PreparedQuery

_NO_USER = -0x7FFF_FFF0  # a primary key no user has, replaced by the real one on every call


def _role_column(name: str) -> str:
    return f"in_role_{name.lower()}"


@cache
def _user_query() -> tuple[PreparedQuery, list[str], list[str], list[str]]:
    model = get_user_model()
    user_fields = [f.name for f in model._meta.concrete_fields]
    identity_fields = [f.name for f in EndUser._meta.concrete_fields]
    preference_fields = [f.attname for f in ModeratorPreferences._meta.concrete_fields]

    def build(pk):
        memberships = model.groups.through.objects.filter(**{f"{model._meta.model_name}_id": OuterRef("pk")})
        roles = {_role_column(name): Exists(memberships.filter(group__name=name)) for name in ROLE_ORDER}
        return (model._default_manager.annotate(**roles).filter(pk=pk)
                .values_list(*user_fields, *roles, *(f"end_user__{f}" for f in identity_fields),
                             *(f"moderator_preferences__{f}" for f in preference_fields)))

    return PreparedQuery(build, {"pk": _NO_USER}), user_fields, identity_fields, preference_fields


class DashboardBackend(ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except Exception:  # noqa: BLE001 - a session naming a malformed id is simply no user, as in ModelBackend
            return None
        query, user_fields, identity_fields, preference_fields = _user_query()
        rows = query.values(pk=pk)
        if not rows:
            return None
        row = rows[0]
        alias = router.db_for_read(model)
        n_user, n_roles = len(user_fields), len(ROLE_ORDER)
        user = model.from_db(alias, user_fields, row[:n_user])
        if not self.user_can_authenticate(user):
            return None
        user.dashboard_roles = {name for name, held in zip(ROLE_ORDER, row[n_user:n_user + n_roles], strict=True)
                               if held}
        n_identity = len(identity_fields)
        identity_row = row[n_user + n_roles:n_user + n_roles + n_identity]
        preferences_row = row[n_user + n_roles + n_identity:]
        identity = None
        if identity_row[0] is not None:  # the primary key: None when no EndUser is linked to this login
            identity = EndUser.from_db(alias, identity_fields, identity_row)
            EndUser.dashboard_user.field.set_cached_value(identity, user)
        model.end_user.related.set_cached_value(user, identity)  # what select_related("end_user") would leave
        preferences = None
        if preferences_row[0] is not None:  # the primary key (the login's): None when it has none saved
            preferences = ModeratorPreferences.from_db(alias, preference_fields, preferences_row)
        model.moderator_preferences.related.set_cached_value(user, preferences)
        return user
