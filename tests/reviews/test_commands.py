import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from reviews.models import ApiKey, Ban, Call, EndUser, Mute, ReviewQueueItem, UserBlock

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_has_every_kind_of_state():
    call_command("seed_demo", users=60, items=80)
    counts = (EndUser.objects.count(), ReviewQueueItem.objects.count(), Ban.objects.count())
    call_command("seed_demo", users=60, items=80)
    assert (EndUser.objects.count(), ReviewQueueItem.objects.count(), Ban.objects.count()) == counts
    assert ReviewQueueItem.objects.count() >= 60
    bans = Ban.objects.all()
    assert bans.filter(channel_cid__isnull=True, shadow=False, ip_ban=False).exists()
    assert bans.filter(channel_cid__isnull=False).exists()
    assert bans.filter(shadow=True).exists() and bans.filter(ip_ban=True).exists()
    assert bans.filter(expires_at__isnull=False).exists()
    assert Mute.objects.exists() and UserBlock.objects.exists()
    assert Call.objects.count() == 3
    assert ApiKey.objects.filter(key="demo-key", active=True).exists()


def test_seed_demo_images_are_served_offline_by_the_image_proxy(client, settings):
    settings.MODERATION_WEBHOOK_ALLOW_PRIVATE = False  # and no network: the images are data: URIs
    call_command("seed_demo", users=40, items=120)
    with_images = [item for item in ReviewQueueItem.objects.filter(has_image=True) if item.images]
    assert with_images and all(src.startswith("data:image/png;base64,") for i in with_images for src in i.images)
    client.force_login(User.objects.get(username="viewer"))
    response = client.get(reverse("reviews:item-image", args=[with_images[0].pk, 1]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def test_create_api_key_from_env_creates_then_updates(settings, capsys):
    settings.MODERATION_API_KEY, settings.MODERATION_API_SECRET = "k1", "s1"
    call_command("create_api_key", from_env=True)
    settings.MODERATION_API_SECRET = "s2"
    call_command("create_api_key", from_env=True)
    assert ApiKey.objects.get(key="k1").secret == "s2"
    assert "API secret: s2" in capsys.readouterr().out


def test_create_api_key_random_pair_is_unique():
    call_command("create_api_key")
    call_command("create_api_key")
    assert ApiKey.objects.count() == 2
    assert len(set(ApiKey.objects.values_list("key", flat=True))) == 2
