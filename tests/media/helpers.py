"""Media made offline at test time: harmless images drawn with Pillow, a short video encoded with PyAV, and the
committed speech clip (fixtures/insult.wav: espeak-ng saying "You are a stupid idiot and everybody knows it.")."""

from __future__ import annotations

import base64
import io
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
SPEECH = "You are a stupid idiot and everybody knows it."


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def image_bytes(kind: str = "shapes", size=(640, 480), fmt: str = "PNG") -> bytes:
    """Harmless pictures: coloured shapes, a gradient, a page of text, a chequerboard."""
    from PIL import Image, ImageDraw

    w, h = size
    if kind == "gradient":
        image = Image.linear_gradient("L").resize(size).convert("RGB")
    else:
        image = Image.new("RGB", size, (235, 240, 250))
        draw = ImageDraw.Draw(image)
        if kind == "shapes":
            draw.ellipse((w // 10, h // 10, w // 2, h // 2), fill=(200, 40, 40))
            draw.rectangle((w // 2, h // 3, w - 20, h - 20), fill=(40, 150, 60))
            draw.polygon([(20, h - 20), (w // 4, h // 2), (w // 2, h - 20)], fill=(30, 60, 200))
        elif kind == "text":
            for i in range(0, h, 24):
                draw.text((16, i), "Quarterly report: revenue up, costs down, coffee consumption steady.",
                          fill=(20, 20, 20))
        elif kind == "chequer":
            for x in range(0, w, 40):
                for y in range(0, h, 40):
                    if (x + y) // 40 % 2:
                        draw.rectangle((x, y, x + 39, y + 39), fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def image_uri(kind: str = "shapes", **kw) -> str:
    return data_uri(image_bytes(kind, **kw), "image/png")


def speech_wav() -> bytes:
    return (FIXTURES / "insult.wav").read_bytes()


def encode_audio(wav: bytes, fmt: str, codec: str) -> bytes:
    """Re-encode the WAV clip (e.g. ("ogg", "libopus"), ("mp3", "libmp3lame"), ("webm", "libopus"))."""
    import av

    out = io.BytesIO()
    with av.open(io.BytesIO(wav)) as src, av.open(out, "w", format=fmt) as dst:
        # Opus only takes 48 kHz; MP3 keeps the clip's own 22.05 kHz. (Resampled to 16 kHz, LAME drops to its
        # MPEG-2 low-rate mode, whose lowpass blurs "idiot" into "vivid" for the tiny model on some machines: a
        # fixture no app would send, not a decoding fault.)
        stream = dst.add_stream(codec, rate=48000 if codec == "libopus" else 22050)
        stream.layout = "mono"
        for frame in src.decode(audio=0):
            frame.pts = None
            for packet in stream.encode(frame):
                dst.mux(packet)
        for packet in stream.encode(None):
            dst.mux(packet)
    return out.getvalue()


def video_bytes(seconds: int = 3, fps: int = 10, size=(160, 120)) -> bytes:
    """A short MP4 (MPEG-4 part 2) of moving coloured shapes."""
    import av
    import numpy as np

    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as dst:
        stream = dst.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for i in range(seconds * fps):
            pixels = np.full((size[1], size[0], 3), (40 + i * 5) % 255, dtype=np.uint8)
            pixels[20:60, (i * 3) % (size[0] - 40):(i * 3) % (size[0] - 40) + 40] = (200, 30, 30)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            for packet in stream.encode(frame):
                dst.mux(packet)
        for packet in stream.encode(None):
            dst.mux(packet)
    return out.getvalue()
