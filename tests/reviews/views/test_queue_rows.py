"""The queue rows (reviews/views/rows.py) and what a queue request costs: rows formatted in Python must escape
exactly as the template engine would, and the page's queries stay few and fixed."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from reviews import actions
from reviews.models import EntityType
from reviews.views.rows import age, clip
from tests.factories import DashboardUserFactory, EndUserFactory

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def flag(n, *, text=None, creator=None, reporter=None, reason="spam"):
    reporter = reporter or EndUserFactory(id=f"rep-{n}")
    creator = creator or EndUserFactory(id=f"creator-{n}")
    _, item = actions.flag_content(
        reporter=reporter, entity_type=EntityType.MESSAGE, entity_id=f"m-{n}", entity_creator=creator,
        actor=reporter, reason=reason, channel_cid="messaging:general",
        moderation_payload={"texts": [text or f"message number {n}"]})
    return item


@pytest.fixture
def mod_client(client):
    client.force_login(DashboardUserFactory(username="mia", role="Moderators"))
    return client


def test_rows_escape_what_users_wrote(mod_client):
    creator = EndUserFactory(id="we<ird>&\"id")
    flag(1, text='<script>alert("x")</script> & <b>bold</b>', creator=creator, reason='<i>"spam"</i>')
    body = mod_client.get(reverse("reviews:queue")).content.decode()
    assert "<script>alert" not in body and "<b>bold</b>" not in body and "<i>" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in body
    assert "&lt;i&gt;&quot;spam&quot;&lt;/i&gt;" in body
    # The creator link is the URL reverse() makes for that id, escaped inside the attribute.
    url = reverse("reviews:user", args=[creator.pk])
    assert f'href="{url.replace("&", "&amp;")}">we&lt;ird&gt;&amp;&quot;id</a>' in body


def test_rows_show_reasons_badges_and_who_holds_the_item(mod_client):
    item = flag(1)
    for n in range(2, 4):
        actions.flag_content(reporter=EndUserFactory(id=f"other-{n}"), entity_type=EntityType.MESSAGE,
                             entity_id="m-1", entity_creator=item.entity_creator, actor=None, reason="spam")
    actions.escalate_item(item=item, actor=EndUserFactory(id="boss", role="moderator"), reason="look",
                          priority="high")
    actions.claim_item(item=item, holder=EndUserFactory(id="zoe", role="moderator"))
    body = mod_client.get(reverse("reviews:queue")).content.decode()
    assert '<span class="reasons">spam ×3</span>' in body
    assert '<span class="badge badge-escalated">Escalated (high)</span>' in body
    assert 'class="queue-row held"' in body and "held: zoe" in body
    row = body[body.index(f'id="item-{item.pk}"'):].split("</tr>")[0]
    assert 'value="de_escalate"' in row and 'value="escalate"' not in row


def test_a_queue_request_costs_a_fixed_handful_of_queries(mod_client, django_assert_num_queries):
    for i in range(60):
        flag(i)
    mod_client.get(reverse("reviews:queue"))  # the first visit links the login to its EndUser identity
    # session, the login with its role and identity, the bounded count, the page, the top reasons.
    with django_assert_num_queries(5):
        page = mod_client.get(reverse("reviews:queue"))
    assert page.content.count(b'class="queue-row') == 50
    cursor = page.context["page"].next
    # "Load more": no count.
    with django_assert_num_queries(4):
        more = mod_client.get(reverse("reviews:queue"), {"next": cursor}, **HX)
    assert more.content.count(b'class="queue-row') == 10


def test_a_role_taken_away_applies_on_the_next_request(client):
    user = DashboardUserFactory(username="max", role="Moderators")
    client.force_login(user)
    assert client.get(reverse("reviews:queue")).status_code == 200
    user.groups.remove(Group.objects.get(name="Moderators"))
    assert client.get(reverse("reviews:queue")).status_code == 403


def test_viewers_get_rows_without_decision_forms(client):
    flag(1)
    client.force_login(DashboardUserFactory(username="vic", role="Viewers"))
    body = client.get(reverse("reviews:queue")).content.decode()
    assert 'class="queue-row' in body and "/decide" not in body and 'aria-label="Open m-1"' in body


def test_clip_and_age():
    assert clip("abc", 3) == "abc" and clip("abcd", 3) == "ab…"
    assert [age(s) for s in (5, 61, 3600 * 5, 86400 * 3)] == ["just now", "1 min", "5 h", "3 d"]
