"""Ids that are awkward in URLs (`/`, `?`, `#`, `%`, spaces, dots, unicode, 255 characters) on every dashboard
page: users, items, flags, bans, mutes, log rows and call members with such ids, then every page and every
link found in them (to a depth of two) answers 200 or a redirect, never a 500 or a 404 for a row it listed."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import unquote, urlencode, urljoin, urlsplit

import pytest
from django.contrib.admin.utils import quote
from django.contrib.auth.models import User
from django.urls import reverse

from reviews import actions
from reviews.converters import id_to_segment, segment_to_id
from reviews.models import EndUser, EntityType, ModerationLog, ReviewQueueItem
from tests.factories import DashboardUserFactory, EndUserFactory

pytestmark = pytest.mark.django_db

AWKWARD = [
    "a/b", "/lead", "trail/", "a//b", "q?x=1&y=2", "h#frag", "pct%2Fx%", "%", "%25", "sp ace", " ", ".", "..",
    "../x", "a/../b", "ünïcødé ✓ 名前", "😀" * 60, "x" * 255, "é" * 255, "<b>&amp;\"'", "a+b;c=d",
]


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, bool]] = []  # (link, asked for by htmx)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("href"):
            self.links.append((attrs["href"], False))
        if attrs.get("hx-get"):
            self.links.append((attrs["hx-get"], True))
        if tag == "form" and (attrs.get("method") or "get").lower() == "get" and attrs.get("action"):
            self.links.append((attrs["action"], False))


def links_in(page_url: str, html: str) -> list[tuple[str, bool]]:
    parser = _Links()
    parser.feed(html)
    found = []
    for link, htmx in parser.links:
        parts = urlsplit(urljoin("http://testserver" + page_url, link))
        if parts.netloc != "testserver" or parts.path.startswith(("/static/", "/accounts/logout", "/admin/")):
            continue
        # What a browser would do to the path before sending it: resolve `.`/`..` segments. None may be left.
        assert not {".", ".."} & set(parts.path.split("/")), link
        found.append((parts.path + (f"?{parts.query}" if parts.query else ""), htmx))
    return found


def crawl(client, start: list[str], depth: int = 2) -> tuple[set, list]:
    """GET every page in `start` and every link in them, `depth` levels down (hx-get links as htmx asks)."""
    seen, failures, frontier = set(), [], [(url, False) for url in start]
    for _ in range(depth):
        following = []
        for url, htmx in frontier:
            if (url, htmx) in seen:
                continue
            seen.add((url, htmx))
            response = client.get(url, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
            if response.status_code not in (200, 302):
                failures.append((url, htmx, response.status_code))
            elif response.status_code == 200 and "html" in response.get("Content-Type", ""):
                following += links_in(url, response.content.decode())
        frontier = following
    return {url for url, _ in seen}, failures


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

    names = ("queue", "users", "bans", "log", "overview", "calls", "policies")
    start = [reverse(f"reviews:{name}") for name in names]
    start += [f"{reverse('reviews:calls')}?{urlencode({'call': call.cid})}"]
    start += [reverse("reviews:user", args=[u.pk]) for u in users]
    seen, failures = crawl(client, start)
    assert not failures, failures
    # Each awkward user's page was reached through a link on a list page, and names that user.
    for user in users:
        url = reverse("reviews:user", args=[user.pk])
        assert url in seen
        assert client.get(url).context["subject"] == user
    assert len(seen) > 3 * len(users)


def test_django_admin_pages_of_awkward_ids(client):
    users, _call = _populate()
    admin = DashboardUserFactory(username="root")
    User.objects.filter(pk=admin.pk).update(is_staff=True, is_superuser=True)
    client.force_login(User.objects.get(pk=admin.pk))
    changes = set()
    for model in ("enduser", "ban", "mute", "userblock", "reviewqueueitem", "flag", "moderationlog"):
        page = client.get(f"/admin/reviews/{model}/")
        assert page.status_code == 200, model
        parser = _Links()
        parser.feed(page.content.decode())
        if model in ("enduser", "ban", "mute"):  # the change pages keyed by, or naming, awkward users
            changes |= {urlsplit(link).path for link, _ in parser.links if link.endswith("/change/")}
    for path in changes:
        assert client.get(path).status_code == 200, path
    assert {f"/admin/reviews/enduser/{quote(u.pk)}/change/" for u in users} <= {unquote(c) for c in changes}


def test_claiming_the_next_item_and_acting_on_awkward_users(client):
    users, _call = _populate()
    client.force_login(DashboardUserFactory(username="mia", role="Moderators"))
    response = client.post(reverse("reviews:queue-next"))
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    # A decision on an item by an awkward creator answers with its row (formatted in rows.py).
    item = ReviewQueueItem.objects.get(entity_creator_id="a/b")
    decided = client.post(reverse("reviews:decide", args=[item.pk]), {"actions": ["mute", "mark_reviewed"]},
                          HTTP_HX_REQUEST="true")
    assert decided.status_code == 200
    assert reverse("reviews:user", args=["a/b"]) in decided.content.decode()
    for user in users:
        act = client.post(reverse("reviews:user-act", args=[user.pk]), {"action": "deactivate"})
        assert act.status_code == 302, (user.pk, act.status_code)
        assert act["Location"] == reverse("reviews:user", args=[user.pk])
        assert client.get(act["Location"]).context["subject"].deactivated_at is not None
    assert client.get(reverse("reviews:user", args=["no/such ?user"])).status_code == 404
