"""The log and the Overview tell a moderator's decision from an end user's own act and from the system's; only
moderators' decisions are offered for undo, and only they count as decisions per moderator."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from reviews import actions
from reviews.actions import registry
from reviews.errors import ModerationError
from reviews.models import ModerationLog
from reviews.permissions import identity_for
from tests.factories import DashboardUserFactory, EndUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mod_client(client):
    user = DashboardUserFactory(username="mia", role="Moderators")
    client.force_login(user)
    client.identity = identity_for(user)
    return client


@pytest.fixture
def entries(mod_client):
    """An end user blocks and mutes someone (their own acts), a moderator bans, and a ban expires (the system)."""
    a, b = EndUserFactory(id="user-0096"), EndUserFactory(id="user-0197")
    own_moderator = EndUserFactory(id="mod-own", role="moderator")
    actions.block_user(blocker=a, blocked=b, actor=a)
    registry.apply("mute", actor=a, own=True, params={"target_user_id": b.pk})
    registry.apply("mute", actor=own_moderator, own=True, params={"target_user_id": b.pk})  # a moderator's own mute
    registry.apply("ban", actor=mod_client.identity, params={"target_user_id": b.pk, "reason": "spam"})
    with time_machine.travel(timezone.now() - timedelta(hours=2)):
        actions.ban_user(target=a, actor=mod_client.identity, timeout_minutes=1)
    actions.expire_bans()
    return {e.action + ":" + (e.actor_id or "system"): e for e in ModerationLog.objects.all()}


def _row(page: bytes, entry: ModerationLog) -> str:
    body = page.decode()
    start = body.index(f'<tr id="log-{entry.pk}"')
    return body[start:body.index("</tr>", start)]


def test_the_log_says_who_and_offers_undo_only_for_moderators_decisions(mod_client, entries):
    page = mod_client.get(reverse("reviews:log")).content
    block = _row(page, entries["block_user:user-0096"])
    assert "end user, their own" in block and "Undo" not in block
    for key in ("mute:user-0096", "mute:mod-own"):
        row = _row(page, entries[key])
        assert "end user, their own" in row and "Undo" not in row
    ban = _row(page, entries["ban:mia"])
    assert "moderator" in ban and "Undo" in ban
    expired = _row(page, entries["unban:system"])
    assert "system" in expired and "Undo" not in expired


def test_undo_refuses_what_is_not_a_moderators_decision(mod_client, entries):
    for key in ("mute:user-0096", "unban:system"):
        with pytest.raises(ModerationError, match="not a moderator's decision"):
            actions.undo_entry(entry=entries[key], actor=mod_client.identity)
    with pytest.raises(ModerationError, match="cannot be undone"):
        actions.undo_entry(entry=entries["block_user:user-0096"], actor=mod_client.identity)


def test_decisions_per_moderator_count_moderators_only(mod_client, entries):
    page = mod_client.get(reverse("reviews:overview")).content
    assert b"mia 2" in page  # the two bans
    assert b"user-0096" not in page and b"mod-own" not in page
