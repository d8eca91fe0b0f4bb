"""The item page shows the media analysis: labels and boxes over the blurred image, transcripts with the words
that fired. (check_content runs the analysis inline here; the API hands it to a worker.)"""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviews import actions
from reviews.engines import images
from reviews.engines.images import Detection
from reviews.models import Blocklist, ReviewQueueItem
from tests.factories import DashboardUserFactory

from .helpers import data_uri, image_uri, speech_wav

pytestmark = pytest.mark.django_db


@pytest.fixture
def mod_client(client):
    client.force_login(DashboardUserFactory(username="mia", role="Moderators"))
    return client


def test_item_page_shows_boxes_labels_and_the_transcript_with_fired_words(mod_client, monkeypatch):
    Blocklist.objects.create(name="insults", words=["idiot"])
    monkeypatch.setattr(images, "detect_pixels", lambda pixels: [Detection("MALE_BREAST_EXPOSED", 0.75,
                                                                           (64, 48, 320, 240))])
    config = {"ai_image_config": {"rules": [{"label": "Suggestive", "action": "flag", "min_confidence": 50}]},
              "ai_audio_config": {}, "block_list_config": {"rules": [{"name": "insults", "action": "remove"}]}}
    result = actions.check_content(
        entity_type="stream:chat:v1:message", entity_id="m1", entity_creator_id="alice", config=config,
        moderation_payload={"images": [image_uri("shapes")], "audios": [data_uri(speech_wav(), "audio/wav")]},
        actor=None)
    assert result.action == "remove"
    item = ReviewQueueItem.objects.get(entity_id="m1")
    html = mod_client.get(reverse("reviews:item", args=[item.pk])).content.decode()
    # Positions as data (the CSP refuses inline style attributes); keys.js places the box from them.
    assert 'data-box="10.0 10.0 50.0 50.0"' in html
    assert "Suggestive 75.0%" in html and "Barechested Male 75.0%" in html
    assert "<mark title=\"blocklist word\">idiot</mark>" in html and "Words that fired: idiot" in html
    assert 'class="blurred big boxed"' in html  # still blurred until shown
