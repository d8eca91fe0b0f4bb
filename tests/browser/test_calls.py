"""The Calls page in Chromium: a permission request arrives live (polling), is accepted with one click, then
everyone's audio is muted; feedback comes as toasts."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from reviews import actions
from reviews.models import CallMember, PermissionRequest
from tests.factories import DashboardUserFactory, EndUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def login(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/calls/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/calls/")


def test_accept_a_live_permission_request_and_mute_everyone(live_server, page):
    DashboardUserFactory(username="mia", role="Moderators")
    john, alice, sara = (EndUserFactory(id=u) for u in ("john", "alice", "sara"))
    room, _, _ = actions.get_or_create_call(
        call_type="audio_room", call_id="town-hall", actor=None, created_by=john,
        members=[{"user_id": "john", "role": "host"}, {"user_id": "alice"}, {"user_id": "sara"}],
    )
    actions.apply_call_verdict(call=room, speaker=sara, verdict="flag", soft_mute=True,
                               transcript_excerpt="nobody wants to hear you, idiot")

    login(page, live_server, "mia")
    expect(page.get_by_role("heading", name="audio_room:town-hall")).to_be_visible()
    expect(page.locator("#requests")).to_contain_text("No pending requests")

    # Alice raises her hand after the page loaded: the polled region shows it without a reload.
    actions.request_call_permission(call=room, user=alice, permissions=["send-audio"])
    accept = page.get_by_role("button", name="Accept alice's request")
    expect(accept).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "calls-permission-request.png"), full_page=True)
    accept.click()

    expect(page.get_by_role("status").filter(has_text="Accepted alice's request for send-audio")).to_be_visible()
    expect(page.get_by_role("button", name="Revoke send-audio from alice")).to_be_visible()
    assert PermissionRequest.objects.get().status == "accepted"

    page.get_by_role("button", name="Mute everyone's audio").click()
    expect(page.get_by_role("status").filter(has_text="Muted audio for 2 participants")).to_be_visible()
    for uid in ("alice", "john"):
        expect(page.get_by_role("button", name=f"Unmute {uid}'s audio")).to_be_visible()
    assert all(m.audio_muted for m in CallMember.objects.filter(call=room))
    page.screenshot(path=str(SHOTS / "calls-after-mute-all.png"), full_page=True)


def test_keyboard_accepts_the_oldest_request_and_errors_are_visible(live_server, page):
    DashboardUserFactory(username="mia", role="Moderators")
    john, alice = EndUserFactory(id="john"), EndUserFactory(id="alice")
    room, _, _ = actions.get_or_create_call(call_type="audio_room", call_id="r2", actor=None, created_by=john,
                                            members=[{"user_id": "alice"}])
    actions.request_call_permission(call=room, user=alice, permissions=["send-audio"])
    login(page, live_server, "mia")
    expect(page.get_by_role("button", name="Accept alice's request")).to_be_visible()
    page.locator("body").press("a")
    expect(page.get_by_role("status").filter(has_text="Accepted alice's request")).to_be_visible()

    # The member row vanishes behind the page's back; the next click fails visibly instead of silently.
    actions.block_call_user(call=room, target=alice, actor=None)
    CallMember.objects.filter(user=alice).delete()
    page.get_by_role("button", name="Mute alice's video").click()
    expect(page.get_by_role("alert")).to_contain_text("not members of audio_room:r2: alice")
