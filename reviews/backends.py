"""Authentication backend for dashboard logins.

Django's ModelBackend loads the session's user with one query; every dashboard page then needs the login's
role (its groups: one more query) and the EndUser it acts as (another). This backend loads all three in the
user's own query, so a page pays for one query instead of three.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from reviews.permissions import ROLE_ORDER


class DashboardBackend(ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        memberships = model.groups.through.objects.filter(**{f"{model._meta.model_name}_id": OuterRef("pk")})
        roles = {f"in_role_{name.lower()}": Exists(memberships.filter(group__name=name)) for name in ROLE_ORDER}
        user = model._default_manager.select_related("end_user").annotate(**roles).filter(pk=user_id).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        user.dashboard_roles = {name for name in ROLE_ORDER if getattr(user, f"in_role_{name.lower()}")}
        return user
