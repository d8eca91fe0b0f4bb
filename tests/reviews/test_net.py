"""The one SSRF check (reviews/net.py) that webhooks (configured and delivered) and the image proxy share."""

import socket

import pytest

from reviews import net
from reviews.errors import ModerationError

REFUSED = [
    "http://127.0.0.1:9/hook", "http://localhost/hook", "http://10.1.2.3/x", "http://172.16.0.1/x",
    "http://192.168.0.1/x", "http://100.64.0.1/x", "http://169.254.169.254/latest/meta-data", "http://0.0.0.0/x",
    "http://[::1]/x", "http://[::ffff:127.0.0.1]/x", "http://[::ffff:169.254.169.254]/x", "http://[::ffff:7f00:1]/x",
    "http://[::127.0.0.1]/x", "http://[fe80::1]/x", "http://[fd00::1]/x", "http://[2002:7f00:1::]/x",
    "http://[64:ff9b::a9fe:a9fe]/x", "http://224.0.0.1/x", "http://255.255.255.255/x",
    # Numeric spellings the resolver turns into 127.0.0.1 (decimal, octal, hex, short forms).
    "http://2130706433/x", "http://0177.0.0.1/x", "http://0x7f.0.0.1/x", "http://0x7f000001/x", "http://127.1/x",
    "http://017700000001/x",
    "HTTP://127.0.0.1/x", "http://user:pw@127.0.0.1/x",
]
NOT_HTTP = ["ftp://93.184.216.34/x", "file:///etc/passwd", "gopher://93.184.216.34/", "javascript:alert(1)",
            "data:image/png;base64,AAAA", "http:///nohost", "//93.184.216.34/x", "http://93.184.216.34:99999/x",
            "http://[::1/x", "http://93.184.216.34/" + "a" * 2100]


@pytest.fixture
def private_refused(settings):
    settings.MODERATION_WEBHOOK_ALLOW_PRIVATE = False


@pytest.mark.parametrize("url", REFUSED)
def test_private_loopback_and_link_local_targets_are_refused(private_refused, url):
    with pytest.raises(net.UnsafeTarget, match="MODERATION_WEBHOOK_ALLOW_PRIVATE"):
        net.resolve(url)
    with pytest.raises(ModerationError) as exc:
        net.check_url(url, field="webhook_url")
    assert exc.value.field == "webhook_url" and exc.value.status == 400


@pytest.mark.parametrize("url", NOT_HTTP)
def test_non_http_and_malformed_urls_are_refused_even_when_private_targets_are_allowed(settings, url):
    settings.MODERATION_WEBHOOK_ALLOW_PRIVATE = True
    with pytest.raises(net.UnsafeTarget):
        net.resolve(url)
    with pytest.raises(ModerationError) as exc:
        net.check_url(url, field="url")
    assert exc.value.field == "url"


def fake_dns(monkeypatch, table):
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in table:
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                    for a in table[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(net.socket, "getaddrinfo", getaddrinfo)


def test_names_resolving_to_a_private_address_are_refused_even_beside_a_public_one(private_refused, monkeypatch):
    fake_dns(monkeypatch, {"intranet.example.com": ["10.0.0.5"], "metadata.example.com": ["169.254.169.254"],
                           "mixed.example.com": ["93.184.216.34", "192.168.1.1"],
                           "v6.example.com": ["::ffff:10.0.0.1"], "public.example.com": ["93.184.216.34"]})
    for host in ("intranet", "metadata", "mixed", "v6"):
        with pytest.raises(net.UnsafeTarget, match="private"):
            net.resolve(f"https://{host}.example.com/hook")
    target = net.resolve("https://public.example.com:8443/hook?a=1")
    assert (target.scheme, target.host, target.port, target.address, target.path) == (
        "https", "public.example.com", 8443, "93.184.216.34", "/hook?a=1")


def test_public_targets_pass_and_the_setting_allows_private_ones(settings):
    settings.MODERATION_WEBHOOK_ALLOW_PRIVATE = False
    assert net.check_url(" https://93.184.216.34/hook ", field="webhook_url") == "https://93.184.216.34/hook"
    assert net.check_url("http://[2606:2800:220:1::1]/x", field="webhook_url")
    # A name that does not resolve yet is accepted when configured; every connection checks it again.
    assert net.check_url("https://no-such-host.invalid/hook", field="webhook_url")
    with pytest.raises(net.UnsafeTarget, match="cannot resolve"):
        net.resolve("https://no-such-host.invalid/hook")
    settings.MODERATION_WEBHOOK_ALLOW_PRIVATE = True
    assert net.check_url("http://127.0.0.1:8103/hook", field="webhook_url")
    assert net.resolve("http://[::ffff:127.0.0.1]:8103/").address == "::ffff:127.0.0.1"


def test_the_connection_goes_to_the_checked_address(settings, monkeypatch):
    """DNS rebinding: the name is resolved once, checked, and the socket opens to that address."""
    settings.MODERATION_WEBHOOK_ALLOW_PRIVATE = False
    fake_dns(monkeypatch, {"rebind.example.com": ["93.184.216.34"]})
    conn, target = net.connect("http://rebind.example.com/x", timeout=1)
    assert (conn.address, conn.host, target.path) == ("93.184.216.34", "rebind.example.com", "/x")
