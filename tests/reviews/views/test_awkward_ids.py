"""Ids that are awkward in URLs (`/`, `?`, `#`, `%`, spaces, dots, unicode, 255 characters) on every dashboard
page: users, items, flags, bans, mutes, log rows and call members with such ids, then every page and every
link found in them (to a depth of two) answers 200 or a redirect, never a 500 or a 404 for a row it listed."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.urls import reverse

from reviews import actions
from reviews.converters import id_to_segment, segment_to_id
from reviews.models import EndUser, EntityType, ModerationLog
from tests.factories import DashboardUserFactory, EndUserFactory

pytestmark = pytest.mark.django_db

AWKWARD = [
    "a/b", "/lead", "trail/", "a//b", "q?x=1&y=2", "h#frag", "pct%2Fx%", "%", "%25", "sp ace", " ", ".", "..",
    "../x", "a/../b", "ünïcødé ✓ 名前", "😀" * 60, "x" * 255, "é" * 255, "<b>&amp;\"'", "a+b;c=d",
]


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "hx-get"):
            if attrs.get(name):
                self.links.append(attrs[name])
        if tag == "form" and (attrs.get("method") or "get").lower() == "get" and attrs.get("action"):
            self.links.append(attrs["action"])


def links_in(page_url: str, html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    found = []
    for link in parser.links:
        url = urljoin("http://testserver" + page_url, link)
        parts = urlsplit(url)
        if parts.netloc != "testserver" or parts.path.startswith(("/static/", "/accounts/logout")):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


@pytest.mark.parametrize("value", AWKWARD + ["alice", "user-7", "a.b", "..."])
def test_the_converter_round_trips_and_keeps_plain_ids_plain(value):
    assert segment_to_id(id_to_segment(value)) == value
    assert "/" not in id_to_segment(value) and id_to_segment(value).strip(".")
    assert reverse("reviews:user", args=[value])  # no NoReverseMatch
    if value in ("alice", "user-7", "a.b"):
        assert reverse("reviews:user", args=[value]) == f"/users/{value}/"


def _populate():
    mod = EndUserFactory(id="mod/ü ?#%", role=EndUser.Role.MODERATOR)
    users = [EndUserFactory(id=uid, last_ip="198.51.100.9") for uid in AWKWARD]
    for n, user in enumerate(users):
        reporter = users[(n + 1) % len(users)]
        actions.flag_content(reporter=reporter, entity_type=EntityType.MESSAGE, entity_id=f"m/{n}?#% {user.pk}"[:255],
                             entity_creator=user, actor=reporter, reason="spam", channel_cid="messaging:a/b ?#",
                             moderation_payload={"texts": [f"text {n}"]})
        if n % 3 == 0:
            actions.ban_user(target=user, actor=mod, reason="r", shadow=n % 2 == 0)
        elif n % 3 == 1:
            actions.ban_user(target=user, actor=mod, channel_cid=f"messaging:{user.pk}"[:255], timeout_minutes=60)
        else:
            actions.mute_user(user=mod, target=user, actor=mod)
        actions.block_user(blocker=reporter, blocked=user, actor=reporter)
    call, _, _ = actions.get_or_create_call(call_type="default", call_id="c/ ?#%ü", actor=None, created_by=users[0],
                                            members=[{"user_id": u.pk} for u in users[:6]])
    actions.kick_call_user(call=call, target=users[1], actor=mod)
    return users, call


def test_every_page_and_every_link_works_with_awkward_ids(client):
    users, call = _populate()
    login = DashboardUserFactory(username="boss", role="Admins")
    client.force_login(login)
    assert ModerationLog.objects.filter(target_user__in=users).count() >= len(users)

    start = [reverse(f"reviews:{name}") for name in ("queue", "users", "bans", "log", "overview", "calls")]
    start += [f"{reverse('reviews:calls')}?{urlencode({'call': call.cid})}"]
    start += [reverse("reviews:user", args=[u.pk]) for u in users]
    seen: set[str] = set()
    frontier = start
    failures = []
    for _depth in range(2):
        following = []
        for url in frontier:
            if url in seen:
                continue
            seen.add(url)
            response = client.get(url)
            if response.status_code not in (200, 302):
                failures.append((url, response.status_code))
                continue
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                following += links_in(url, response.content.decode())
        frontier = following
    assert not failures, failures
    # Each awkward user's page was reached through a link on a list page, and names that user.
    for user in users:
        url = reverse("reviews:user", args=[user.pk])
        assert url in seen
        assert client.get(url).context["subject"] == user
    assert len(seen) > 3 * len(users)


def test_claiming_the_next_item_and_acting_on_awkward_users(client):
    users, _call = _populate()
    client.force_login(DashboardUserFactory(username="mia", role="Moderators"))
    response = client.post(reverse("reviews:queue-next"))
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    for user in users:
        act = client.post(reverse("reviews:user-act", args=[user.pk]), {"action": "deactivate"})
        assert act.status_code == 302, (user.pk, act.status_code)
        assert act["Location"] == reverse("reviews:user", args=[user.pk])
        assert client.get(act["Location"]).context["subject"].deactivated_at is not None
    assert client.get(reverse("reviews:user", args=["no/such ?user"])).status_code == 404
