"""The dashboard's image proxy: flagged images come from our origin, fetched through the SSRF check from a local
HTTP server (private targets allowed, as under make run) or refused when the setting is off."""

import base64
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from reviews import actions, net
from reviews.management.commands.seed_demo import IMAGES, png
from reviews.models import EntityType
from tests.factories import DashboardUserFactory, EndUserFactory

pytestmark = pytest.mark.django_db
PNG = png(4, 3, lambda x, y: (x * 60, y * 80, 200))
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"


class Images(BaseHTTPRequestHandler):
    routes = {
        "/ok.png": (200, "image/png", PNG),
        "/ok.gif": (200, "image/gif; charset=binary", GIF),
        "/page": (200, "text/html", b"<html>not an image</html>"),
        "/liar.png": (200, "image/png", b"<html><script>alert(1)</script></html>"),
        "/evil.svg": (200, "image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        "/gone.png": (404, "image/png", PNG),
        "/big.png": (200, "image/png", PNG + b"\0" * 6_000_000),
        "/b%C3%BCcher%20und%20bilder.png": (200, "image/png", PNG),
    }

    def do_GET(self):
        self.server.requests.append((self.path, dict(self.headers)))
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", self.path.split("?to=", 1)[1])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/chunked-big.png":  # no Content-Length: the limit applies while reading
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG + b"\0" * 6_000_000)
            return
        status, kind, body = self.routes.get(self.path, (404, "text/plain", b"no"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Images)
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def allow_private(settings):
    settings.MODERATION_WEBHOOK_ALLOW_PRIVATE = True
    settings.MODERATION_IMAGE_TIMEOUT = 60  # the local server answers however loaded the machine is


@pytest.fixture
def viewer(client):
    client.force_login(DashboardUserFactory(username="vic", role="Viewers"))
    return client


def item_with(*images):
    reporter, creator = EndUserFactory(id="rep"), EndUserFactory(id="creator")
    _, item = actions.flag_content(reporter=reporter, entity_type=EntityType.MESSAGE, entity_id="m-1",
                                   entity_creator=creator, actor=reporter, reason="spam",
                                   moderation_payload={"texts": ["look"], "images": list(images)})
    return item


def image(client, item, n=1):
    return client.get(reverse("reviews:item-image", args=[item.pk, n]))


def test_an_image_is_served_from_our_origin_with_its_sniffed_type_and_a_short_cache(viewer, server, allow_private):
    item = item_with(f"{server.url}/ok.png", f"{server.url}/ok.gif", f"{server.url}/bücher und \nbilder.png")
    response = image(viewer, item)
    assert response.status_code == 200 and response.content == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, max-age=300"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    (path, headers), = server.requests
    assert path == "/ok.png" and "Cookie" not in headers  # nothing of the moderator's
    assert headers["User-Agent"] == "moderation-service"
    assert image(viewer, item, 2)["Content-Type"] == "image/gif"
    assert image(viewer, item, 3).content == PNG  # a path with non-ASCII and spaces is sent encoded


def test_redirects_are_followed_and_each_hop_is_checked(viewer, server, allow_private, settings, monkeypatch):
    item = item_with(f"{server.url}/redirect?to=/ok.png", f"{server.url}/redirect?to=http://169.254.169.254/x")
    assert image(viewer, item).content == PNG
    settings.MODERATION_WEBHOOK_ALLOW_PRIVATE = False
    original = net._global
    monkeypatch.setattr(net, "_global", lambda ip: str(ip) == "127.0.0.1" or original(ip))  # the server is "public"
    response = image(viewer, item, 2)
    assert response.status_code == 403 and "169.254.169.254" in response["X-Image-Error"]


@pytest.mark.parametrize(("path", "status"), [
    ("/page", 415), ("/liar.png", 415), ("/evil.svg", 415), ("/gone.png", 404), ("/nothing", 404),
    ("/big.png", 413), ("/chunked-big.png", 413),
])
def test_what_is_not_a_small_raster_image_gets_a_placeholder_and_a_4xx(viewer, server, allow_private, path, status):
    response = image(viewer, item_with(server.url + path))
    assert response.status_code == status and response["X-Image-Error"]
    assert response["Content-Type"] == "image/svg+xml" and b"image unavailable" in response.content
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, max-age=60"


def test_private_targets_are_refused_when_the_setting_is_off(viewer, server, settings):
    settings.MODERATION_WEBHOOK_ALLOW_PRIVATE = False
    for url in (f"{server.url}/ok.png", "http://169.254.169.254/latest/meta-data",
                "http://[::ffff:127.0.0.1]:1/x", "http://2130706433/x"):
        response = image(viewer, item_with(url))
        assert response.status_code == 403 and "MODERATION_WEBHOOK_ALLOW_PRIVATE" in response["X-Image-Error"]
    assert server.requests == []


@pytest.mark.parametrize("src", ["ftp://example.com/a.png", "file:///etc/passwd", "javascript:alert(1)",
                                 "/static/reviews/app.css", "//example.com/a.png", "gopher://127.0.0.1/"])
def test_other_schemes_are_refused(viewer, allow_private, src):
    response = image(viewer, item_with(src))
    assert response.status_code == 403 and "http" in response["X-Image-Error"]


def test_an_unreachable_or_silent_server_gets_a_placeholder(viewer, allow_private, settings):
    settings.MODERATION_IMAGE_TIMEOUT = 0.2
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts connections, never answers
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there
    try:
        item = item_with(f"http://127.0.0.1:{silent.getsockname()[1]}/x.png", f"http://127.0.0.1:{port}/x.png")
        assert image(viewer, item).status_code == 404
        assert image(viewer, item, 2).status_code == 404
    finally:
        silent.close()


def test_data_uris_are_decoded_and_checked_like_fetched_images(viewer, settings):
    settings.MODERATION_IMAGE_MAX_BYTES = 2000
    svg = "data:image/svg+xml;base64," + base64.b64encode(b"<svg><script>alert(1)</script></svg>").decode()
    big = "data:image/png;base64," + base64.b64encode(PNG + b"\0" * 3000).decode()
    item = item_with(IMAGES[0], svg, "data:text/html;base64,PGI+", "data:image/png;base64,%%%", big,
                     "data:image/png,plain")
    response = image(viewer, item)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert [image(viewer, item, n).status_code for n in range(2, 8)] == [415, 415, 415, 413, 415, 404]


def test_only_dashboard_users_see_images(client, allow_private):
    item = item_with(IMAGES[0])
    response = image(client, item)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(DashboardUserFactory(username="no-role"))
    assert image(client, item).status_code == 403
    client.force_login(DashboardUserFactory(username="vic", role="Viewers"))
    assert client.post(reverse("reviews:item-image", args=[item.pk, 1])).status_code == 405
    assert client.get(reverse("reviews:item-image", args=["00000000-0000-0000-0000-000000000000", 1])
                      ).status_code == 404


def test_the_queue_and_the_item_show_images_only_through_the_proxy(viewer):
    item = item_with("https://tracker.example.com/pixel.png?who=moderator", IMAGES[1])
    proxied = [reverse("reviews:item-image", args=[item.pk, n]) for n in (1, 2)]
    for page in (reverse("reviews:queue"), reverse("reviews:item", args=[item.pk])):
        html = viewer.get(page).content.decode()
        assert "tracker.example.com" not in html and "data:image" not in html
        assert all(f'src="{url}"' in html for url in proxied)
