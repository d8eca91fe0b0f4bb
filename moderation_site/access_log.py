"""Gunicorn's access log under `manage.py serve` (`make run`): every request goes to var/log/access.log in gunicorn's
usual format, and the terminal gets one short line for each request a person made (a page, a form post, an API
call), so the banner above it stays readable. Left off the terminal: what a page fetches by itself (its images,
scripts and styles, and the dashboard's htmx GETs: the queue's 3 s refresh, the try-it box as you type, drawers),
static files and health checks. A server error is always shown.
"""

from __future__ import annotations

import sys
import time

from gunicorn.glogging import Logger

QUIET_PATHS = ("/static/", "/healthz", "/favicon.ico")


def on_terminal(method: str, path: str, status: int, htmx: bool, fetch_dest: str = "") -> bool:
    """`fetch_dest` is the browser's Sec-Fetch-Dest: `document` for a page the person opened, `image`, `script`,
    `empty` (fetch/XHR, htmx) ... for what the page loads; API clients and curl send none."""
    if status >= 500:
        return True
    if path.startswith(QUIET_PATHS):
        return False
    if method not in ("GET", "HEAD"):
        return True
    return not htmx and fetch_dest in ("", "document")


def terminal_line(method: str, path: str, query: str, status: int, seconds: float) -> str:
    target = f"{path}?{query}" if query else path
    if len(target) > 80:
        target = target[:79] + "…"
    return f"{time.strftime('%H:%M:%S')}  {status}  {method:<6} {target}  {seconds * 1000:.0f} ms\n"


class TerminalAccessLogger(Logger):
    def access(self, resp, req, environ, request_time):
        super().access(resp, req, environ, request_time)  # the whole line, to --access-logfile
        status = getattr(resp, "status_code", None) or 0
        if on_terminal(req.method, req.path, status, environ.get("HTTP_HX_REQUEST") == "true",
                       environ.get("HTTP_SEC_FETCH_DEST", "")):
            try:
                sys.stdout.write(terminal_line(req.method, req.path, req.query, status,
                                               request_time.total_seconds()))
                sys.stdout.flush()
            except (OSError, ValueError):  # the terminal went away; the file still has it
                pass
