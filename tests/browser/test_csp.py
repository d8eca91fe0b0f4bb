"""The CSP check every browser test runs (conftest.py) sees a violation when there is one, and the admin too
works under the policy."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from tests.browser.test_dashboard import flag, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_watch_sees_inline_script_and_style_and_eval(live_server, page, csp_watch):
    login(page, live_server, "mia", "Moderators")
    page.evaluate("""() => {
        const s = document.createElement("script"); s.textContent = "window.ran = 1"; document.body.append(s);
        const d = document.createElement("div"); d.innerHTML = '<b style="color:red">x</b>'; document.body.append(d);
        try { eval("1"); } catch (e) {}
    }""")
    assert page.evaluate("window.ran") is None  # blocked, not just reported
    page.reload()  # flushes the console messages of the page before
    joined = "\n".join(csp_watch.violations)
    assert "script-src" in joined and "style-src" in joined, joined
    csp_watch.violations.clear()


def test_admin_pages_pass_the_policy(live_server, page):
    flag(1, images=["data:image/png;base64,iVBORw0KGgo="])
    user = login(page, live_server, "root", "Admins", staff=True)
    User.objects.filter(pk=user.pk).update(is_superuser=True)
    page.get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    page.goto(f"{live_server.url}/admin/reviews/reviewqueueitem/")
    page.locator("#result_list tbody a").first.click()
    # Moderation state is read-only in admin: the item's page is a view page, changed only through admin actions.
    expect(page.get_by_role("heading", name="View review queue item")).to_be_visible()
    page.goto(f"{live_server.url}/admin/reviews/webhookendpoint/add/")
    page.get_by_label("Url").fill("http://127.0.0.1/hook")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text("private, loopback or link-local")
