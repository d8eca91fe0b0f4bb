import pytest

from reviews import actions
from reviews.models import ModerationLog, OutboxEvent

pytestmark = pytest.mark.django_db


def test_deactivate_and_reactivate_each_once(alice, moderator):
    assert actions.deactivate_user(target=alice, actor=moderator) is True
    assert actions.deactivate_user(target=alice, actor=moderator) is False
    alice.refresh_from_db()
    assert alice.deactivated_at is not None
    assert actions.reactivate_user(target=alice, actor=moderator) is True
    assert actions.reactivate_user(target=alice, actor=moderator) is False
    alice.refresh_from_db()
    assert alice.deactivated_at is None
    assert list(ModerationLog.objects.order_by("id").values_list("action", flat=True)) == [
        "deactivate_user", "reactivate_user"]
    assert set(OutboxEvent.objects.values_list("type", flat=True)) == {"user.deactivated", "user.reactivated"}
