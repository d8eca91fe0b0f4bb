"""Fetching the media a check names: `data:` URIs decoded, http(s) URLs fetched under the SSRF check.

A URL's host must resolve only to global addresses (unless MODERATION_MEDIA_ALLOW_PRIVATE), and the connection
goes to the address that was checked, so DNS rebinding between check and connect does not get through. Up to
MAX_REDIRECTS redirects are followed, each checked again. The whole fetch (connect, headers, body) must finish
within MODERATION_MEDIA_FETCH_TIMEOUT and the body must fit the size limit of its kind; otherwise MediaError
names the problem, and the check reports it for that one item.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import time
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

from django.conf import settings

# The project's one SSRF check, and connections that go to the checked address.
from reviews import net

MAX_REDIRECTS = 3
CHUNK = 64 * 1024
USER_AGENT = "moderation-service-media"
KINDS = ("image", "audio", "video")


class MediaError(Exception):
    """One media item could not be fetched or decoded; the message says why (shown per item)."""


def max_bytes(kind: str) -> int:
    return {"image": settings.MODERATION_MEDIA_MAX_IMAGE_BYTES, "audio": settings.MODERATION_MEDIA_MAX_AUDIO_BYTES,
            "video": settings.MODERATION_MEDIA_MAX_VIDEO_BYTES}[kind]


def describe(ref: str) -> str:
    """A short, log-safe name for a media reference (a data URI's bytes are not repeated)."""
    if ref.startswith("data:"):
        head = ref[5:].split(",", 1)[0]
        return f"data:{head[:60]},... ({len(ref)} characters)"
    return ref if len(ref) <= 300 else ref[:300] + "..."


def _data_uri(ref: str, limit: int) -> bytes:
    head, sep, body = ref[5:].partition(",")
    if not sep:
        raise MediaError("a data: URI needs a comma before its data")
    # base64 grows data by 4/3: refuse before decoding anything larger than the limit allows.
    if len(body) > limit * 4 // 3 + 8:
        raise MediaError(f"larger than the {limit} byte limit")
    if head.split(";")[-1].strip().lower() == "base64":
        try:
            data = base64.b64decode("".join(body.split()), validate=True)
        except (binascii.Error, ValueError):
            raise MediaError("the data: URI is not valid base64") from None
    else:
        data = unquote_to_bytes(body)
    if len(data) > limit:
        raise MediaError(f"larger than the {limit} byte limit")
    if not data:
        raise MediaError("the data: URI is empty")
    return data


def _get(url: str, limit: int, deadline: float) -> tuple[int, dict[str, str], bytes]:
    try:
        target = net.resolve(url, allow_private=settings.MODERATION_MEDIA_ALLOW_PRIVATE,
                             setting="MODERATION_MEDIA_ALLOW_PRIVATE")
    except net.UnsafeTarget as exc:
        raise MediaError(str(exc)) from None
    path = target.path
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise MediaError("timed out")
    conn = (net.PinnedTLSConnection if target.scheme == "https" else net.PinnedConnection)(target, timeout=remaining)
    try:
        conn.request("GET", path, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        response = conn.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        if 300 <= response.status < 400:
            return response.status, headers, b""
        if response.status != 200:
            raise MediaError(f"the server answered HTTP {response.status}")
        length = headers.get("content-length")
        if length and length.isdigit() and int(length) > limit:
            raise MediaError(f"larger than the {limit} byte limit ({length} bytes)")
        body = bytearray()
        while True:
            if time.monotonic() > deadline:
                raise MediaError("timed out")
            if conn.sock is not None:
                conn.sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = response.read(CHUNK)
            if not chunk:
                break
            body += chunk
            if len(body) > limit:
                raise MediaError(f"larger than the {limit} byte limit")
        return response.status, headers, bytes(body)
    except (OSError, http.client.HTTPException) as exc:
        raise MediaError(f"could not fetch: {exc.__class__.__name__}: {exc}"[:300]) from None
    finally:
        conn.close()


def fetch(ref: str, kind: str) -> bytes:
    """The bytes of a media reference (data: URI or http(s) URL), within the limits of `kind`."""
    limit = max_bytes(kind)
    ref = ref.strip()
    if ref[:5].lower() == "data:":
        return _data_uri(ref, limit)
    if urlsplit(ref).scheme.lower() not in ("http", "https"):
        raise MediaError("only http(s) URLs and data: URIs can be fetched")
    deadline = time.monotonic() + settings.MODERATION_MEDIA_FETCH_TIMEOUT
    url = ref
    for _ in range(MAX_REDIRECTS + 1):
        status, headers, body = _get(url, limit, deadline)
        if status == 200:
            if not body:
                raise MediaError("the server sent an empty body")
            return body
        location = headers.get("location")
        if not location:
            raise MediaError(f"HTTP {status} without a Location")
        url = urljoin(url, location)
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise MediaError("redirected to a URL that is not http(s)")
    raise MediaError(f"more than {MAX_REDIRECTS} redirects")
