"""Fetching media: data: URIs, http(s) under the SSRF check, size and time limits, redirects."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings

from reviews.engines.media_fetch import MediaError, describe, fetch

BODY = b"\x89PNG fake image bytes"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        if self.path == "/img":
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)
        elif self.path == "/big":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * 5000)
        elif self.path == "/slow":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(50):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/img")
            self.end_headers()
        elif self.path == "/to-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_data_uris_base64_and_percent_encoded():
    assert fetch("data:image/png;base64,aGVsbG8=", "image") == b"hello"
    assert fetch("data:text/plain,hi%20there", "image") == b"hi there"
    with pytest.raises(MediaError, match="base64"):
        fetch("data:image/png;base64,!!!", "image")
    with pytest.raises(MediaError, match="comma"):
        fetch("data:image/png;base64", "image")
    with override_settings(MODERATION_MEDIA_MAX_IMAGE_BYTES=4), pytest.raises(MediaError, match="4 byte limit"):
        fetch("data:image/png;base64,aGVsbG8=", "image")
    assert "aGVs" not in describe("data:image/png;base64,aGVsbG8=")


@pytest.mark.parametrize("ref", ["file:///etc/passwd", "ftp://example.com/x.png", "gopher://x", "/relative.png"])
def test_only_http_and_data(ref):
    with pytest.raises(MediaError, match="only http"):
        fetch(ref, "image")


@override_settings(MODERATION_MEDIA_ALLOW_PRIVATE=False, MODERATION_WEBHOOK_ALLOW_PRIVATE=True)
def test_private_addresses_are_refused_with_the_media_setting_named(server):
    # The webhook setting allowing private targets does not open media fetching to them.
    with pytest.raises(MediaError, match="MODERATION_MEDIA_ALLOW_PRIVATE"):
        fetch(server + "/img", "image")
    with pytest.raises(MediaError, match="private, loopback"):
        fetch("http://169.254.169.254/latest/meta-data/", "image")


@override_settings(MODERATION_MEDIA_ALLOW_PRIVATE=True)
def test_fetch_follows_redirects_and_enforces_limits(server):
    assert fetch(server + "/img", "image") == BODY
    assert fetch(server + "/redirect", "image") == BODY
    with pytest.raises(MediaError, match="not http"):
        fetch(server + "/to-file", "image")
    with pytest.raises(MediaError, match="HTTP 404"):
        fetch(server + "/missing", "image")
    with override_settings(MODERATION_MEDIA_MAX_IMAGE_BYTES=1000), pytest.raises(MediaError, match="1000 byte"):
        fetch(server + "/big", "image")
    with override_settings(MODERATION_MEDIA_FETCH_TIMEOUT=0.5), pytest.raises(MediaError, match="timed out"):
        fetch(server + "/slow", "image")
