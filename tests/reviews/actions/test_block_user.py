import pytest

from reviews import actions
from reviews.errors import ModerationError
from reviews.models import ModerationLog, UserBlock

pytestmark = pytest.mark.django_db


def test_block_then_unblock_logs_each_once(alice, bob):
    actions.block_user(blocker=alice, blocked=bob, actor=alice)
    actions.block_user(blocker=alice, blocked=bob, actor=alice)
    assert UserBlock.objects.count() == 1
    assert ModerationLog.objects.filter(action="block_user").count() == 1

    assert actions.unblock_user(blocker=alice, blocked=bob, actor=alice) is True
    assert actions.unblock_user(blocker=alice, blocked=bob, actor=alice) is False
    assert not UserBlock.objects.exists()
    assert ModerationLog.objects.filter(action="unblock_user").count() == 1


def test_cannot_block_yourself(alice):
    with pytest.raises(ModerationError) as exc:
        actions.block_user(blocker=alice, blocked=alice, actor=alice)
    assert exc.value.field == "blocked_user_id"
    assert not UserBlock.objects.exists() and not ModerationLog.objects.exists()
