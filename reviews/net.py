"""Outbound HTTP to URLs that users or admins name (webhooks, flagged images): the one SSRF check.

A URL is allowed when it is http(s), has a host, and every address its host resolves to is global unicast:
not loopback, private, link-local (169.254.169.254), shared (100.64/10), multicast, reserved or unspecified,
also when wrapped in IPv6 (`::ffff:127.0.0.1`, `::127.0.0.1`, 6to4, Teredo, NAT64). Numeric spellings such
as `2130706433`, `0177.0.0.1` or `0x7f.1` are resolved by the system resolver like any name, so they are
checked as the address they stand for. `MODERATION_WEBHOOK_ALLOW_PRIVATE` (on under DEBUG, so `make run`
reaches a receiver or an image on 127.0.0.1) allows every address.

Connections go to the address that was checked (`connect`), not to whatever the name resolves to next, so
a name that re-resolves elsewhere between check and connect (DNS rebinding) does not get through.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from django.conf import settings

from reviews.errors import ModerationError

MAX_URL_LENGTH = 2048
USER_AGENT = "moderation-service"
_PATH_SAFE = "!$%&'()*+,/:;=?@[]~"
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeTarget(Exception):
    """The URL is not http(s), has no host, or resolves to an address that may not be reached."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    address: str  # the checked address the connection goes to
    path: str  # the request target: path and query


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries (mapped, compatible, 6to4, Teredo, NAT64)."""
    found = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
    if int(ip) >> 32 == 0 and int(ip) > 1:  # ::a.b.c.d (deprecated IPv4-compatible)
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip in _NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [v4 for v4 in found if v4 is not None]


def _global(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip.is_global and not ip.is_multicast and not ip.is_reserved and not ip.is_unspecified


def address_allowed(address: str, allow_private: bool | None = None) -> bool:
    """Whether a resolved address may be connected to, under the settings as they are now (`allow_private`:
    another fetcher's own setting, e.g. media fetching's; default the webhook one)."""
    if settings.MODERATION_WEBHOOK_ALLOW_PRIVATE if allow_private is None else allow_private:
        return True
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if ip.ipv4_mapped is not None:
            return _global(ip.ipv4_mapped)
        return _global(ip) and all(_global(v4) for v4 in embedded)
    return _global(ip)


def split_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, request target) of an http(s) URL; raises UnsafeTarget for anything else."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeTarget(f"the URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeTarget(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeTarget("only http and https URLs are allowed")
    if not parts.hostname:
        raise UnsafeTarget("the URL has no host")
    # Non-ASCII, spaces and control characters percent-encoded: http.client sends only a valid request target.
    path = quote((parts.path or "/") + (f"?{parts.query}" if parts.query else ""), safe=_PATH_SAFE)
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def resolve(url: str, *, allow_private: bool | None = None,
            setting: str = "MODERATION_WEBHOOK_ALLOW_PRIVATE") -> Target:
    """The checked target of `url`; raises UnsafeTarget. Every address the name resolves to must be allowed,
    so a name with one public and one private address is refused. `allow_private` and `setting`: see
    `address_allowed` (the message names the setting that would allow it)."""
    scheme, host, port, path = split_url(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeTarget(f"cannot resolve {host}: {exc}") from None
    addresses = [info[4][0] for info in infos]
    refused = [a for a in addresses if not address_allowed(a, allow_private)]
    if refused or not addresses:
        raise UnsafeTarget(
            f"{host} resolves to a private, loopback or link-local address ({refused[0] if refused else 'none'}); "
            f"set {setting} to allow it"
        )
    return Target(scheme, host, port, addresses[0], path)


def check_url(url: str, *, field: str) -> str:
    """Validate a URL when it is configured (update_app, admin); returns it stripped, or raises
    ModerationError naming `field`. A name that does not resolve yet is accepted (it is checked again at
    every connection); one that resolves to a refused address is not."""
    url = (url or "").strip()
    try:
        resolve(url)
    except UnsafeTarget as exc:
        if not str(exc).startswith("cannot resolve"):
            raise ModerationError.invalid(field, str(exc)) from None
    return url


class PinnedConnection(http.client.HTTPConnection):
    """Connects to the address that passed the check; Host header and TLS name stay the URL's host."""

    def __init__(self, target: Target, **kwargs) -> None:
        super().__init__(target.host, target.port, **kwargs)
        self.address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class PinnedTLSConnection(PinnedConnection):
    default_port = 443

    def connect(self) -> None:
        super().connect()
        self.sock = ssl.create_default_context().wrap_socket(self.sock, server_hostname=self.host)


def connect(url: str, *, timeout: float) -> tuple[PinnedConnection, Target]:
    """An unopened connection to the checked target of `url` (raises UnsafeTarget), and the target."""
    target = resolve(url)
    cls = PinnedTLSConnection if target.scheme == "https" else PinnedConnection
    return cls(target, timeout=timeout), target


class FetchError(Exception):
    """A GET that did not produce an acceptable body: refused target, network error, bad status, too large."""

    def __init__(self, message: str, *, status: int = 404) -> None:
        super().__init__(message)
        self.status = status  # what a proxy answers for it


@dataclass(frozen=True)
class Fetched:
    content_type: str
    body: bytes


def fetch(url: str, *, max_bytes: int, timeout: float, accept: str = "*/*", redirects: int = 3) -> Fetched:
    """GET `url` through the SSRF check, following up to `redirects` redirects (each hop checked again), and
    return a 200's body. Raises FetchError: 403 for a refused target, 413 past `max_bytes`, 404 for anything
    else (unreachable, timed out after `timeout` seconds a read or 2x `timeout` in all, non-200 status)."""
    deadline = time.monotonic() + 2 * timeout
    for _hop in range(redirects + 1):
        try:
            conn, target = connect(url, timeout=timeout)
        except UnsafeTarget as exc:
            raise FetchError(str(exc), status=403) from None
        try:
            conn.request("GET", target.path, headers={"Accept": accept, "User-Agent": USER_AGENT})
            response = conn.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location"))
                continue
            if response.status != 200:
                raise FetchError(f"the server answered HTTP {response.status}")
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchError(f"larger than {max_bytes} bytes", status=413)
            chunks, size = [], 0
            while chunk := response.read1(65536):
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"larger than {max_bytes} bytes", status=413)
                if time.monotonic() > deadline:
                    raise FetchError(f"took longer than {2 * timeout:g} s")
                chunks.append(chunk)
            return Fetched(response.getheader("Content-Type") or "", b"".join(chunks))
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}") from None
        finally:
            conn.close()
    raise FetchError(f"more than {redirects} redirects")
