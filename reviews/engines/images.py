"""Image moderation on this machine: NudeNet's ONNX detector (shipped in the `nudenet` wheel), its classes mapped
onto the moderation labels Stream and Amazon Rekognition use, and rules `{label, action, min_confidence}`.

The detector finds body parts (exposed or covered) with a score and a box; it knows nothing of violence, drugs,
gestures or symbols, so rules naming those labels are refused when the config is written. A label's confidence
is the best score (as a percentage, like Rekognition's) among the detections of the classes it covers. The
label set and mapping are documented in docs/policies.md and returned by `label_definitions()`.

Decoding uses Pillow with a pixel limit checked from the header before any pixel is decoded, so a
decompression bomb is refused without being expanded. The model loads on first use, in the process that uses it
(a Celery worker; web processes never run it, see reviews/services/media_checks.py).
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from .media_fetch import MediaError

# NudeNet 3.4's detector classes.
CLASSES = (
    "FEMALE_GENITALIA_COVERED", "FACE_FEMALE", "BUTTOCKS_EXPOSED", "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED", "MALE_BREAST_EXPOSED", "ANUS_EXPOSED", "FEET_EXPOSED", "BELLY_COVERED",
    "FEET_COVERED", "ARMPITS_COVERED", "ARMPITS_EXPOSED", "FACE_MALE", "BELLY_EXPOSED", "MALE_GENITALIA_EXPOSED",
    "ANUS_COVERED", "FEMALE_BREAST_COVERED", "BUTTOCKS_COVERED",
)
_EXPLICIT = ("FEMALE_GENITALIA_EXPOSED", "MALE_GENITALIA_EXPOSED", "ANUS_EXPOSED", "FEMALE_BREAST_EXPOSED",
             "BUTTOCKS_EXPOSED")
_COVERED = ("FEMALE_BREAST_COVERED", "FEMALE_GENITALIA_COVERED", "BUTTOCKS_COVERED", "ANUS_COVERED")

# (label, group, detector classes, description). Top-level names of Rekognition's taxonomy version 6 (which
# Stream's docs use) and version 7, and the second-level names the detector can tell apart.
LABELS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("Explicit Nudity", "", _EXPLICIT, "exposed genitalia, anus, female breast or buttocks"),
    ("Explicit", "", _EXPLICIT, "taxonomy v7 name of Explicit Nudity; same classes"),
    ("Nudity", "Explicit Nudity", _EXPLICIT, "any exposed intimate part"),
    ("Graphic Male Nudity", "Explicit Nudity", ("MALE_GENITALIA_EXPOSED",), "exposed male genitalia"),
    ("Graphic Female Nudity", "Explicit Nudity", ("FEMALE_GENITALIA_EXPOSED", "FEMALE_BREAST_EXPOSED"),
     "exposed female genitalia or breast"),
    ("Suggestive", "", (*_COVERED, "MALE_BREAST_EXPOSED"),
     "covered intimate parts (swimwear, underwear, revealing clothes) or a bare male chest"),
    ("Swimwear or Underwear", "", _COVERED, "taxonomy v7: covered breast, genitalia, buttocks or anus"),
    ("Female Swimwear Or Underwear", "Suggestive", ("FEMALE_BREAST_COVERED", "FEMALE_GENITALIA_COVERED"),
     "covered female breast or genitalia"),
    ("Barechested Male", "Suggestive", ("MALE_BREAST_EXPOSED",), "exposed male chest"),
    ("Non-Explicit Nudity of Intimate parts and Kissing", "", ("MALE_BREAST_EXPOSED", "BUTTOCKS_COVERED"),
     "taxonomy v7: bare male chest, partly covered buttocks (kissing is not detected)"),
)
# Rekognition labels this detector cannot see: refused by name rather than accepted and never firing.
UNDETECTABLE = (
    "Violence", "Visually Disturbing", "Rude Gestures", "Drugs", "Tobacco", "Alcohol", "Gambling", "Hate Symbols",
    "Drugs & Tobacco", "Graphic Violence", "Weapons", "Self-Harm", "Sexual Activity", "Adult Toys",
    "Illustrated Explicit Nudity", "Middle Finger", "Partial Nudity", "Revealing Clothes", "Male Swimwear Or Underwear",
)
# google_vision_config: SafeSearch likelihood names mapped onto the same labels.
GOOGLE_NAMES = {"adult": "Explicit Nudity", "racy": "Suggestive"}
GOOGLE_UNDETECTABLE = ("violence", "medical", "spoof")

_BY_NAME = {name.casefold(): (name, classes) for name, _, classes, _ in LABELS}
_BY_NAME.update({c.casefold(): (c, (c,)) for c in CLASSES})  # a detector class is a label of its own


def canonical_label(label: Any, *, google: bool = False) -> tuple[str | None, str]:
    """(canonical label, "") or (None, why it is refused)."""
    if not isinstance(label, str) or not label.strip():
        return None, "is required"
    key = label.strip().casefold()
    if google and key in GOOGLE_NAMES:
        return GOOGLE_NAMES[key], ""
    if key in _BY_NAME:
        return _BY_NAME[key][0], ""
    if key in {u.casefold() for u in UNDETECTABLE} or (google and key in GOOGLE_UNDETECTABLE):
        return None, (f"{label!r} cannot be detected by this server's image model (NudeNet: nudity and "
                      "suggestive content only)")
    names = ", ".join(name for name, *_ in LABELS)
    return None, f"unknown label {label!r}; labels are {names}, or a detector class such as FEMALE_BREAST_EXPOSED"


def label_definitions() -> list[dict[str, str]]:
    """Stream's AIImageLabelDefinition list (config responses carry it)."""
    return [{"key": name, "label": name, "group": group or name,
             "description": f"{description} (detector classes: {', '.join(classes)})"}
            for name, group, classes, description in LABELS]


@dataclass(frozen=True)
class Detection:
    cls: str
    score: float  # 0..1
    box: tuple[int, int, int, int]  # x, y, width, height in the image's pixels

    def as_dict(self) -> dict[str, Any]:
        return {"class": self.cls, "score": round(self.score, 4), "box": list(self.box)}


def label_confidences(detections: list[Detection]) -> dict[str, tuple[float, Detection]]:
    """{label: (confidence percent, the detection behind it)} for every label some detection supports."""
    out: dict[str, tuple[float, Detection]] = {}
    for name, (canonical, classes) in _BY_NAME.items():
        del name
        best = max((d for d in detections if d.cls in classes), key=lambda d: d.score, default=None)
        if best is not None:
            out[canonical] = (best.score * 100, best)
    return out


def matching_rules(rules: list[dict[str, Any]], detections: list[Detection]) -> list[tuple[dict, float, Detection]]:
    """The rules whose label reaches their min_confidence: (rule, confidence percent, detection)."""
    conf = label_confidences(detections)
    return [(rule, conf[rule["label"]][0], conf[rule["label"]][1]) for rule in rules
            if rule["label"] in conf and conf[rule["label"]][0] >= rule["min_confidence"]]


# --- decoding ------------------------------------------------------------------------------------------------


# The detector sees 320x320; decoding larger images at up to twice that loses nothing it could use and saves the
# colour conversion, padding and resizing of every extra pixel.
DETECT_SIDE = 640


def decode(data: bytes, max_side: int | None = None):
    """RGBA pixels (numpy array) of an image, or MediaError. The pixel limit is checked from the header first.
    With `max_side`, larger images are scaled down (aspect kept) to fit it."""
    from PIL import Image, UnidentifiedImageError

    limit = settings.MODERATION_MEDIA_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > limit:
                raise MediaError(f"{width}x{height} pixels is more than the {limit} pixel limit "
                                 "(decompression bomb refused)")
            if max_side:
                image.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced scale when much larger
                if max(image.size) > max_side:
                    image = image.convert("RGB")
                    image.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
            image = image.convert("RGBA")
    except MediaError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaError(f"more than the {limit} pixel limit (decompression bomb refused)") from None
    except UnidentifiedImageError:
        raise MediaError("not an image this server can decode (JPEG, PNG, GIF, WebP, BMP, TIFF)") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise MediaError(f"the image could not be decoded: {exc}"[:300]) from None
    import numpy as np

    return np.asarray(image)


# --- the detector --------------------------------------------------------------------------------------------

_detector = None
_lock = threading.Lock()


def detector():
    """NudeNet's detector, loaded once per process on first use, limited to MODERATION_MEDIA_THREADS threads."""
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                import os

                import nudenet
                import onnxruntime
                from nudenet import NudeDetector

                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = settings.MODERATION_MEDIA_THREADS
                options.inter_op_num_threads = 1
                path = settings.MODERATION_IMAGE_MODEL_PATH or os.path.join(
                    os.path.dirname(nudenet.__file__), "320n.onnx")
                # NudeDetector's own __init__ takes no session options (threads); build its session here.
                found = NudeDetector.__new__(NudeDetector)
                found.onnx_session = onnxruntime.InferenceSession(
                    path, sess_options=options, providers=["CPUExecutionProvider"])
                found.input_width = found.input_height = 320
                found.input_name = found.onnx_session.get_inputs()[0].name
                _detector = found
    return _detector


def loaded() -> bool:
    return _detector is not None


def detect_pixels(pixels) -> list[Detection]:
    """Detections in RGBA pixels (the detector's own minimum score, 0.2, applies)."""
    raw = detector().detect(pixels)
    return [Detection(d["class"], float(d["score"]), tuple(int(v) for v in d["box"])) for d in raw]


def _header_size(data: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return image.size


def detect(data: bytes) -> tuple[list[Detection], tuple[int, int]]:
    """Detections in an encoded image and its (width, height); boxes are in the original image's pixels."""
    pixels = decode(data, max_side=DETECT_SIDE)
    width, height = _header_size(data)
    scale = width / pixels.shape[1] if pixels.shape[1] else 1.0
    found = detect_pixels(pixels)
    if scale != 1.0:
        found = [Detection(d.cls, d.score, tuple(int(round(v * scale)) for v in d.box)) for d in found]
    return found, (width, height)
