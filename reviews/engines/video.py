"""Video moderation: frames sampled with PyAV every MODERATION_VIDEO_FRAME_INTERVAL seconds (at most
MODERATION_VIDEO_MAX_FRAMES, within the first MODERATION_MEDIA_MAX_VIDEO_SECONDS) and run through the image
detector; each hit keeps the time of its frame."""

from __future__ import annotations

import io
from collections.abc import Iterator

from django.conf import settings

from . import images
from .media_fetch import MediaError


def frames(data: bytes) -> Iterator[tuple[float, object]]:
    """(time in seconds, RGBA pixels) of the sampled frames. Decodes every frame (keyframe seeking on an
    in-memory file is unreliable across containers) but converts only the sampled ones."""
    import av

    interval = settings.MODERATION_VIDEO_FRAME_INTERVAL
    max_frames, max_seconds = settings.MODERATION_VIDEO_MAX_FRAMES, settings.MODERATION_MEDIA_MAX_VIDEO_SECONDS
    max_pixels = settings.MODERATION_MEDIA_MAX_PIXELS
    try:
        with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as container:
            if not container.streams.video:
                raise MediaError("no video stream found")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            if (stream.width or 0) * (stream.height or 0) > max_pixels:
                raise MediaError(f"{stream.width}x{stream.height} frames exceed the {max_pixels} pixel limit")
            taken, next_at = 0, 0.0
            for frame in container.decode(stream):
                t = float(frame.time) if frame.time is not None else taken * interval
                if t > max_seconds or taken >= max_frames:
                    break
                if t + 1e-6 < next_at:
                    continue
                taken += 1
                next_at = t + interval
                side = max(frame.width, frame.height)
                if side > images.DETECT_SIDE:  # as for images: the detector sees 320x320
                    frame = frame.reformat(width=frame.width * images.DETECT_SIDE // side,
                                           height=frame.height * images.DETECT_SIDE // side)
                yield round(t, 3), frame.to_ndarray(format="rgba")
            if taken == 0:
                raise MediaError("the video has no frames")
    except MediaError:
        raise
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise MediaError(f"not video this server can decode: {exc}"[:300]) from None


def detect(data: bytes) -> list[tuple[float, list[images.Detection]]]:
    """(frame time, detections) for every sampled frame."""
    return [(t, images.detect_pixels(pixels)) for t, pixels in frames(data)]
