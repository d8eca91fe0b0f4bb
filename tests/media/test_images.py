"""The image engine: label mapping and rules over detector output (fake detections at the engine boundary, as no
explicit test image is kept here), decoding limits, and the real NudeNet detector on harmless images."""

from __future__ import annotations

import io

import pytest
from django.test import override_settings

from reviews.engines import images, media
from reviews.engines.images import Detection
from reviews.engines.media_fetch import MediaError
from reviews.errors import ModerationError

from .helpers import image_bytes


def det(cls: str, score: float) -> Detection:
    return Detection(cls, score, (10, 20, 30, 40))


@pytest.mark.parametrize(("cls", "labels", "not_labels"), [
    ("FEMALE_BREAST_EXPOSED", {"Explicit Nudity", "Explicit", "Nudity", "Graphic Female Nudity"}, {"Suggestive"}),
    ("MALE_GENITALIA_EXPOSED", {"Explicit Nudity", "Graphic Male Nudity"}, {"Graphic Female Nudity"}),
    ("FEMALE_BREAST_COVERED", {"Suggestive", "Swimwear or Underwear", "Female Swimwear Or Underwear"},
     {"Explicit Nudity"}),
    ("MALE_BREAST_EXPOSED", {"Suggestive", "Barechested Male"}, {"Explicit Nudity", "Swimwear or Underwear"}),
    ("FACE_FEMALE", {"FACE_FEMALE"}, {"Explicit Nudity", "Suggestive"}),
])
def test_detector_classes_map_onto_rekognition_labels(cls, labels, not_labels):
    found = images.label_confidences([det(cls, 0.8)])
    assert labels <= set(found) and not (not_labels & set(found))
    assert found[next(iter(labels))][0] == pytest.approx(80.0)


def test_a_label_takes_the_best_score_of_its_classes_and_rules_need_min_confidence():
    detections = [det("BUTTOCKS_EXPOSED", 0.55), det("FEMALE_GENITALIA_EXPOSED", 0.91), det("BELLY_EXPOSED", 0.99)]
    rules = [{"label": "Explicit Nudity", "action": "remove", "min_confidence": 90.0},
             {"label": "Suggestive", "action": "flag", "min_confidence": 10.0},
             {"label": "Nudity", "action": "flag", "min_confidence": 95.0}]
    hits = images.matching_rules(rules, detections)
    assert [(r["label"], round(c), d.cls) for r, c, d in hits] == [("Explicit Nudity", 91, "FEMALE_GENITALIA_EXPOSED")]


def test_label_definitions_list_every_label_with_its_classes():
    defs = {d["key"]: d for d in images.label_definitions()}
    assert defs["Explicit Nudity"]["group"] == "Explicit Nudity" and "FEMALE_BREAST_EXPOSED" in \
        defs["Explicit Nudity"]["description"]
    assert defs["Barechested Male"]["group"] == "Suggestive"


@pytest.mark.parametrize(("block", "field", "says"), [
    ({"rules": [{"label": "Violence", "action": "flag", "min_confidence": 50}]}, "ai_image_config.rules[0].label",
     "cannot be detected"),
    ({"rules": [{"label": "Unicorns", "action": "flag"}]}, "ai_image_config.rules[0].label", "unknown label"),
    ({"rules": [{"label": "Suggestive", "action": "flag", "min_confidence": 150}]},
     "ai_image_config.rules[0].min_confidence", "0 to 100"),
    ({"rules": [{"label": "Suggestive", "action": "ban"}]}, "ai_image_config.rules[0].action", "'ban'"),
    ({"rules": [{"label": "Suggestive", "action": "flag", "subclassifications": {"x": True}}]},
     "ai_image_config.rules[0].subclassifications", "not supported"),
    ({"ocr_rules": [{"label": "x", "action": "flag"}]}, "ai_image_config.ocr_rules", "OCR"),
])
def test_bad_image_rules_are_refused_naming_the_field(block, field, says):
    with pytest.raises(ModerationError) as exc:
        media.validate_block("ai_image_config", block)
    assert exc.value.field == field and says in exc.value.message


def test_image_blocks_are_cleaned_and_google_vision_gets_documented_defaults():
    clean = media.validate_block("aws_rekognition_config", {"rules": [
        {"label": "explicit nudity", "action": "remove", "min_confidence": 60},
        {"label": "suggestive", "action": "flag"}]})
    assert clean == {"enabled": True, "rules": [
        {"label": "Explicit Nudity", "action": "remove", "min_confidence": 60.0},
        {"label": "Suggestive", "action": "flag", "min_confidence": 50.0}]}
    google = media.validate_block("google_vision_config", {"enabled": True})
    assert [r["label"] for r in google["rules"]] == ["Explicit Nudity", "Suggestive"]
    assert media.validate_block("google_vision_config", {"rules": [{"label": "racy", "action": "flag"}]})[
        "rules"][0]["label"] == "Suggestive"


def test_a_decompression_bomb_is_refused_from_its_header():
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, "PNG")  # 81 MP of one colour: a few kilobytes
    assert len(out.getvalue()) < 100_000
    with override_settings(MODERATION_MEDIA_MAX_PIXELS=10_000_000), pytest.raises(MediaError, match="pixel limit"):
        images.decode(out.getvalue())


def test_not_an_image_is_a_media_error():
    with pytest.raises(MediaError, match="not an image"):
        images.decode(b"GIF89a but not really")


@pytest.mark.parametrize("kind", ["shapes", "gradient", "text", "chequer"])
def test_the_real_detector_finds_nothing_to_moderate_in_harmless_images(kind):
    # The real NudeNet model on generated harmless pictures (no explicit image is kept in this repository, so
    # positive detections are tested above with detector output at the engine boundary).
    detections, size = images.detect(image_bytes(kind, fmt="JPEG" if kind == "gradient" else "PNG"))
    assert size == (640, 480)
    rules = [{"label": "Explicit Nudity", "action": "remove", "min_confidence": 50.0},
             {"label": "Suggestive", "action": "flag", "min_confidence": 50.0}]
    assert images.matching_rules(rules, detections) == []


def test_large_images_are_detected_scaled_down_with_boxes_in_original_pixels(monkeypatch):
    seen = []

    def fake(pixels):
        seen.append(pixels.shape)
        return [det("BUTTOCKS_COVERED", 0.7)]  # box (10, 20, 30, 40) in the scaled image

    monkeypatch.setattr(images, "detect_pixels", fake)
    found, size = images.detect(image_bytes("shapes", size=(1280, 960)))
    assert seen == [(480, 640, 4)] and size == (1280, 960)
    assert found[0].box == (20, 40, 60, 80)
