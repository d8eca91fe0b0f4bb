"""Flagged images, served to the dashboard from our own origin: the moderator's browser never contacts the
host the content names (that would tell whoever posted it the moderator's address), and only http(s) or
data: images are shown.

`queue/<item>/images/<n>` fetches the item's n-th payload image through the SSRF check (`reviews/net.py`,
so private targets only with MODERATION_WEBHOOK_ALLOW_PRIVATE), with a size limit and timeouts, or decodes a
`data:` URI, and answers it only when its bytes are a raster image (PNG, JPEG, GIF, WebP, AVIF: no SVG, which
could carry script). Anything else gets a placeholder image with a 4xx status and the reason in
`X-Image-Error`, never an error page.
"""

from __future__ import annotations

import base64
import binascii
import logging

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from reviews import net
from reviews.models import ReviewQueueItem

from ._common import page_view

log = logging.getLogger(__name__)

PLACEHOLDER = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200" viewBox="0 0 320 200">'
    b'<rect width="320" height="200" fill="#dde"/><text x="160" y="105" text-anchor="middle" '
    b'font-family="sans-serif" font-size="16" fill="#556">image unavailable</text></svg>'
)
# Our own responses are never documents: opened directly, nothing in them runs.
SANDBOX = "default-src 'none'; sandbox"


def sniff(body: bytes) -> str | None:
    """The raster image type the bytes are, whatever the sender said."""
    if body.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if body.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if body.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return "image/webp"
    if body[4:12] in (b"ftypavif", b"ftypavis"):
        return "image/avif"
    return None


def _data_uri(src: str, max_bytes: int) -> bytes:
    header, sep, data = src.partition(",")
    if not sep or not header.lower().startswith("data:image/") or not header.lower().endswith(";base64"):
        raise net.FetchError("only base64 data:image/... URIs are shown", status=415)
    if len(data) > (max_bytes * 4) // 3 + 4:
        raise net.FetchError(f"larger than {max_bytes} bytes", status=413)
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise net.FetchError("the data: URI is not valid base64", status=415) from None


def _load(src: str) -> bytes:
    max_bytes = settings.MODERATION_IMAGE_MAX_BYTES
    if src[:5].lower() == "data:":
        body = _data_uri(src, max_bytes)
    else:
        fetched = net.fetch(src, max_bytes=max_bytes, timeout=settings.MODERATION_IMAGE_TIMEOUT,
                            accept="image/avif,image/webp,image/png,image/jpeg,image/gif")
        if not fetched.content_type.lower().startswith("image/"):
            raise net.FetchError(f"not an image ({fetched.content_type or 'no content type'})", status=415)
        body = fetched.body
    if len(body) > max_bytes:
        raise net.FetchError(f"larger than {max_bytes} bytes", status=413)
    return body


@require_GET
@page_view()
def item_image(request, pk, n: int):
    """The n-th (from 1) image of a queue item's payload, or a placeholder with a 4xx status."""
    item = get_object_or_404(ReviewQueueItem.objects.only("id", "moderation_payload"), pk=pk)
    images = item.images
    try:
        if not 1 <= n <= len(images):
            raise net.FetchError(f"the item has no image {n}")
        body = _load(images[n - 1])
        kind = sniff(body)
        if kind is None:
            raise net.FetchError("not a PNG, JPEG, GIF, WebP or AVIF image", status=415)
    except net.FetchError as exc:
        log.info("image %s of item %s not shown: %s", n, pk, exc)
        response = HttpResponse(PLACEHOLDER, content_type="image/svg+xml", status=exc.status)
        response["X-Image-Error"] = str(exc)[:200].encode("ascii", "replace").decode()
        response["Cache-Control"] = "private, max-age=60"
    else:
        response = HttpResponse(body, content_type=kind)
        response["Cache-Control"] = "private, max-age=300"
    response["Content-Security-Policy"] = SANDBOX
    response["Content-Disposition"] = "inline"
    return response
