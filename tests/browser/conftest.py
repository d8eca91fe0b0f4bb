"""Every browser test also checks the Content-Security-Policy: each context made for it (the `page` fixture's,
and those from `new_context`) records CSP violations from the console and from `securitypolicyviolation`
events, and the test fails at teardown if there were any. Waits are generous (30 s, and toasts stay longer)
so a loaded machine slows the tests down instead of failing them; nothing asserts how fast the dashboard is."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, expect

WAIT_MS = 30_000
expect.set_options(timeout=WAIT_MS)

# Toasts dismiss themselves after 5-12 s (static/reviews/keys.js). A test that looks for one on a loaded machine
# may look later than that, so in tests they stay 10x longer; shorter timers (htmx's polls, delays) are untouched.
KEEP_TOASTS = """
(() => {
  const setTimeout = window.setTimeout;
  window.setTimeout = (fn, ms, ...args) => setTimeout(fn, ms >= 5000 ? ms * 10 : ms, ...args);
})();
"""

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} on ${e.documentURI}`
                        + (e.sample ? ` (${e.sample})` : ""));
});
"""


class CspWatch:
    def __init__(self) -> None:
        self.violations: list[str] = []

    def attach(self, context: BrowserContext) -> BrowserContext:
        context.set_default_timeout(WAIT_MS)
        context.expose_binding("__cspViolation", lambda source, text: self.violations.append(text))
        context.add_init_script(REPORT_VIOLATIONS)
        context.add_init_script(KEEP_TOASTS)
        context.on("console", self._console)
        return context

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.violations.append(f"console: {message.text}")


@pytest.fixture
def csp_watch():
    watch = CspWatch()
    yield watch
    assert not watch.violations, "Content-Security-Policy violations:\n" + "\n".join(watch.violations)


@pytest.fixture
def new_context(new_context, csp_watch):
    def make(**kwargs) -> BrowserContext:
        return csp_watch.attach(new_context(**kwargs))

    return make
