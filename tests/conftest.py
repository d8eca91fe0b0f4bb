import os
import shutil

import hypothesis
import pytest

# Playwright runs its own event loop in the test thread; live_server's ORM calls are sync and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def moderator(db):
    from tests.factories import ModeratorFactory

    return ModeratorFactory(id="mod-1")


@pytest.fixture
def alice(db):
    from tests.factories import EndUserFactory

    return EndUserFactory(id="alice", last_ip="198.51.100.7")


@pytest.fixture
def bob(db):
    from tests.factories import EndUserFactory

    return EndUserFactory(id="bob", last_ip="198.51.100.8")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    }


def pytest_collection_modifyitems(config, items):
    """Browser tests need a Chromium. Without one they skip with a clear reason, unless REQUIRE_BROWSER is set
    (CI), where a missing browser is a failure."""
    if CHROMIUM:
        return
    if os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError("REQUIRE_BROWSER is set but no chromium executable was found on PATH")
    skip = pytest.mark.skip(reason="no Chromium installed (apt-get install chromium); set REQUIRE_BROWSER=1 to fail")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


# Hypothesis fails an example that runs longer than 200 ms by default: a loaded machine would fail property tests
# that are correct. No deadline here (no test depends on the machine's speed); examples still stop at their count.
hypothesis.settings.register_profile("moderation", deadline=None, print_blob=True)
hypothesis.settings.load_profile("moderation")
