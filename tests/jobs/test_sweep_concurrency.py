"""The expiry sweep against a concurrent per-user action on the same user, on two real PostgreSQL connections.

The sweep locks expired bans (SKIP LOCKED) and writes log rows about their users; `ban_user` locks the user row
first and then that user's open ban. If writing a log row about a user took any lock on the user row (as a
foreign-key check does: FOR KEY SHARE, at commit since Django's constraints are deferred), the two would wait
for each other in opposite orders and PostgreSQL would abort one of them as a deadlock.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from reviews import actions
from reviews.models import Ban, ModerationLog

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between two PostgreSQL connections"),
]


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _waiting_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


def test_a_sweep_and_a_ban_of_the_same_user_do_not_deadlock(moderator, alice):
    expired = actions.ban_user(target=alice, actor=moderator, timeout_minutes=10)
    Ban.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    errors: list[BaseException] = []
    swept_and_holding, may_commit = threading.Event(), threading.Event()
    banning_pid: list[int] = []

    def sweep() -> None:
        try:
            with transaction.atomic():
                assert actions.expire_bans(ban_ids=[expired.pk]) == 1
                swept_and_holding.set()  # the ban row is locked and its log row written, not yet committed
                assert may_commit.wait(120)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
            swept_and_holding.set()
        finally:
            connection.close()

    def ban() -> None:
        try:
            banning_pid.append(_backend_pid())
            actions.ban_user(target=alice, actor=moderator, timeout_minutes=60)  # locks alice, then her ban
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    sweeper = threading.Thread(target=sweep)
    sweeper.start()
    assert swept_and_holding.wait(120)
    banner = threading.Thread(target=ban)
    banner.start()
    deadline = time.monotonic() + 120
    while not (banning_pid and _waiting_on_a_lock(banning_pid[0])) and not errors and time.monotonic() < deadline:
        time.sleep(0.01)
    may_commit.set()  # the sweep commits while ban_user holds alice's row and waits for the ban
    sweeper.join(120)
    banner.join(120)

    assert not errors, errors
    lifted = Ban.objects.get(pk=expired.pk)
    assert lifted.lifted_at == lifted.expires_at
    new = Ban.objects.get(target=alice, lifted_at__isnull=True)
    assert new.pk != expired.pk and new.expires_at > timezone.now() + timedelta(minutes=59)
    assert ModerationLog.objects.filter(target_user=alice, action="unban", actor__isnull=True).count() == 1
    assert ModerationLog.objects.filter(target_user=alice, action="ban").count() == 2
