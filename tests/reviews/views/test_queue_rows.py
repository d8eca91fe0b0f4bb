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
    assert f'href="{url.replace("&", "&amp;")}"><bdi>we&lt;ird&gt;&amp;&quot;id</bdi></a>' in body


def test_rows_show_reasons_badges_and_who_holds_the_item(mod_client):
    item = flag(1)
    for n in range(2, 4):
        actions.flag_content(reporter=EndUserFactory(id=f"other-{n}"), entity_type=EntityType.MESSAGE,
                             entity_id="m-1", entity_creator=item.entity_creator, actor=None, reason="spam")
    actions.escalate_item(item=item, actor=EndUserFactory(id="boss", role="moderator"), reason="look",
                          priority="high")
    actions.claim_item(item=item, holder=EndUserFactory(id="zoe", role="moderator"))
    body = mod_client.get(reverse("reviews:queue")).content.decode()
    assert '<span class="reasons"><bdi>spam ×3</bdi></span>' in body
    assert '<span class="badge badge-escalated">Escalated (high)</span>' in body
    assert 'class="queue-row held"' in body and "held: <bdi>zoe</bdi>" in body
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


RLO = "\u202e"


def test_rows_isolate_user_text_and_show_control_characters(mod_client):
    creator = EndUserFactory(id=f"role user{RLO}last IP")
    reporter = EndUserFactory(id="rep-x")
    actions.flag_content(
        reporter=reporter, entity_type=EntityType.MESSAGE, entity_id=f"m{RLO}1", entity_creator=creator,
        actor=reporter, reason=f"spam{RLO}gge", channel_cid=f"messaging:{RLO}general",
        moderation_payload={"texts": [f"hello{RLO}dlrow \u200b"]})
    body = mod_client.get(reverse("reviews:queue")).content.decode()
    row = body[body.index('<tr class="queue-row'):].split("</tr>")[0]
    assert RLO not in row and "\u200b" not in row
    marker = '<span class="ctl" title="RIGHT-TO-LEFT OVERRIDE">⟨U+202E⟩</span>'
    assert f"<bdi>role user{marker}last IP</bdi></a>" in row  # the creator
    assert f'<span class="reasons"><bdi>spam{marker}gge</bdi></span>' in row
    assert f'<span class="channel"><bdi>messaging:{marker}general</bdi></span>' in row
    assert f"<p><bdi>hello{marker}dlrow " in row and "⟨U+200B⟩" in row
    # Attributes get the marker as text.
    assert 'aria-label="Select m⟨U+202E⟩1"' in row and "by role user⟨U+202E⟩last IP:" in row


def test_long_values_carry_their_full_text_in_a_title(mod_client):
    long_id, long_reason = "u" * 200, "r" * 250
    flag(1, creator=EndUserFactory(id=long_id), reason=long_reason)
    body = mod_client.get(reverse("reviews:queue")).content.decode()
    assert f'title="{long_id}"><bdi>{long_id}</bdi></a>' in body
    assert f'<span class="reasons" title="{long_reason}"><bdi>{long_reason}</bdi></span>' in body


def test_a_reviewed_row_names_its_verb_by_the_decision_tables_label(mod_client):
    mod = EndUserFactory(id="boss", role="moderator")
    deleted, reviewed = flag(1), flag(2)
    actions.set_content_state(item=deleted, actor=mod, state="deleted", reason="x")
    actions.mark_reviewed(item=reviewed, actor=mod)
    body = mod_client.get(reverse("reviews:queue"), {"status": "reviewed"}).content.decode()
    assert '<span class="badge badge-reviewed">Reviewed: Delete content</span>' in body
    assert '<span class="badge badge-reviewed">Reviewed</span>' in body
    assert "markreviewed" not in body and "Reviewed: delete<" not in body


def test_each_row_has_one_decision_menu_listing_its_verbs_with_their_keys(mod_client):
    item = flag(1)
    body = mod_client.get(reverse("reviews:queue")).content.decode()
    row = body[body.index(f'id="item-{item.pk}"'):].split("</tr>")[0]
    assert row.count("<details") == 1 and row.count("<form") == 1
    menu = row[row.index('<details class="decide-menu">'):]
    for label, key in [("Escalate", "e"), ("Delete content", "d"), ("Mute creator", "m"), ("Mark reviewed", "a")]:
        assert f'data-key="{key}" aria-label="{label}"><span>{label}</span><kbd>{key}</kbd></button>' in menu
    for verb, label, key in [("ban", "Ban creator", "b"), ("note", "Add a note", "n")]:
        assert f'data-dialog="{verb}" data-key="{key}" aria-label="{label}"><span>{label}…</span><kbd>{key}</kbd>' \
            in menu
    assert 'data-key="o"' in row and 'type="checkbox" name="items"' in row


def test_viewers_get_no_row_checkboxes_and_no_bulk_bar(client):
    flag(1)
    client.force_login(DashboardUserFactory(username="vic", role="Viewers"))
    body = client.get(reverse("reviews:queue")).content.decode()
    assert 'class="queue-row' in body
    assert 'type="checkbox"' not in body and "bulk-form" not in body and "decide-menu" not in body
    for page in ("reviews:users", "reviews:bans"):
        assert 'type="checkbox"' not in client.get(reverse(page)).content.decode()
