"""The Content-Security-Policy (every environment) and HSTS (production), and a source audit that keeps the
dashboard inside the policy: no inline script or style, no event-handler attributes, no htmx eval features."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import DashboardUserFactory

ROOT = Path(__file__).resolve().parents[3]
POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
          "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def directives(policy: str) -> set[str]:
    return {part.strip() for part in policy.split(";")}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["queue", "users", "bans", "log", "overview", "policies", "calls"])
def test_every_dashboard_page_has_the_policy(client, name):
    client.force_login(DashboardUserFactory(role="Admins"))
    response = client.get(reverse(f"reviews:{name}"))
    assert response.status_code == 200 and directives(response["Content-Security-Policy"]) == directives(POLICY)


@pytest.mark.django_db
def test_login_and_admin_have_it_too(client):
    assert directives(client.get(reverse("login"))["Content-Security-Policy"]) == directives(POLICY)
    assert directives(client.get("/admin/login/")["Content-Security-Policy"]) == directives(POLICY)


def test_production_sends_hsts_and_the_policy_over_https(tmp_path):
    code = (
        "import django; django.setup()\n"
        "from django.test import Client, override_settings\n"
        "override_settings(STORAGES={'staticfiles': {'BACKEND': 'django.contrib.staticfiles.storage."
        "StaticFilesStorage'}}).enable()  # no collectstatic here\n"
        "r = Client().get('/accounts/login/', secure=True)\n"
        "print(r.status_code); print(r['Strict-Transport-Security']); print(r['Content-Security-Policy'])\n"
        "print('Strict-Transport-Security' in Client().get('/accounts/login/'))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "moderation_site.settings.production",
           "SECRET_KEY": "a-real-secret-for-this-test-only-0123456789", "VAR_DIR": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
           "ALLOWED_HOSTS": "testserver"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[:2] == ["200", "max-age=31536000; includeSubDomains"] and out[3] == "False"
    assert directives(out[2]) == directives(POLICY)


SOURCES = [*ROOT.glob("templates/**/*.html"), ROOT / "reviews/views/rows.py", *ROOT.glob("static/reviews/*.js")]
FORBIDDEN = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "inline style element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"""\sstyle\s*=\s*["'{]""", re.I),
    "event-handler attribute": re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "htmx hx-on / js: values / trigger filters (eval)": re.compile(r"""hx-on|hx-vars|["']js:|hx-trigger="[^"]*\["""),
}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_dashboard_sources_stay_inside_the_policy(path):
    text = path.read_text()
    if path.suffix == ".js":  # scripts may build elements, but never with inline handlers or eval
        found = re.findall(r"\beval\(|new Function\(|set(?:Timeout|Interval)\(\s*[\"'`]", text)
    else:
        found = [f"{what}: {m.group(0)!r}" for what, pattern in FORBIDDEN.items() for m in pattern.finditer(text)]
    assert not found, f"{path.name}: {found}"
