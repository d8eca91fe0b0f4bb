import json
import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from reviews import actions
from reviews.models import Ban, EndUser, ModerationLog, Mute, OutboxEvent, ReviewQueueItem
from reviews.services.sweeps import sweep_expired
from reviews.tasks import sweep_expired_task
from tests.factories import EndUserFactory, ReviewQueueItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def expiring(moderator, alice, bob, time_machine):
    """Now: alice banned 10 min, IP-banned carol (30-day default), bob banned in a channel for ever,
    alice muting bob for 5 min, a claim for 60 s."""
    time_machine.move_to("2030-01-01 12:00Z", tick=False)
    carol = EndUserFactory(id="carol", last_ip="192.0.2.9")
    actions.ban_user(target=alice, actor=moderator, timeout_minutes=10)
    actions.ban_user(target=carol, actor=moderator, ip_ban=True)
    actions.ban_user(target=bob, actor=moderator, channel_cid="messaging:general")
    actions.mute_user(user=alice, target=bob, actor=alice, timeout_minutes=5)
    item = ReviewQueueItemFactory()
    actions.claim_item(item=item, holder=moderator, duration_seconds=60)
    OutboxEvent.objects.all().delete()
    return {"carol": carol, "item": item}


def _swept_logs():
    return ModerationLog.objects.filter(actor__isnull=True, action__in=["unban", "unmute"])


def test_the_sweep_lifts_only_what_expired_as_the_system_and_announces_it(expiring, alice, time_machine):
    time_machine.move_to("2030-01-01 12:11Z", tick=False)
    assert sweep_expired() == {"bans": 1, "mutes": 1, "locks": 1}
    ban = Ban.objects.get(target=alice)
    assert ban.lifted_at == ban.expires_at and ban.lifted_by is None
    assert Ban.objects.filter(lifted_at__isnull=True).count() == 2  # carol's IP ban and bob's channel ban
    assert not Mute.objects.exists()
    assert ReviewQueueItem.objects.get(pk=expiring["item"].pk).locked_by is None
    logs = {(entry.action, entry.target_user_id, entry.actor_type) for entry in _swept_logs()}
    assert logs == {("unban", "alice", "automod"), ("unmute", "bob", "automod")}
    assert sorted(OutboxEvent.objects.values_list("type", flat=True)) == ["user.unbanned", "user.unmuted"]


def test_ip_bans_expire_after_30_days_by_default(expiring, time_machine):
    time_machine.move_to("2030-01-31 11:59Z", tick=False)
    sweep_expired()
    assert Ban.objects.get(target=expiring["carol"]).lifted_at is None
    time_machine.move_to("2030-01-31 12:01Z", tick=False)
    assert sweep_expired()["bans"] == 1
    entry = _swept_logs().get(target_user=expiring["carol"])
    assert entry.custom["ip_ban"] is True and entry.reason == "ban expired"


def test_running_twice_or_late_changes_nothing_more(expiring, time_machine):
    time_machine.move_to("2030-03-01 00:00Z", tick=False)  # very late: everything timed has expired
    first = sweep_expired()
    assert first["bans"] == 2 and first["mutes"] == 1
    logs, events = _swept_logs().count(), OutboxEvent.objects.count()
    assert sweep_expired() == {"bans": 0, "mutes": 0, "locks": 0}
    assert sweep_expired_task.delay() is not None  # the beat task, eagerly
    assert (_swept_logs().count(), OutboxEvent.objects.count()) == (logs, events)


def test_an_expired_ban_closed_by_a_new_ban_is_not_swept_again(expiring, alice, moderator, time_machine):
    time_machine.move_to("2030-01-01 12:30Z", tick=False)
    actions.ban_user(target=alice, actor=moderator, reason="again")  # closes the expired one itself
    assert sweep_expired()["bans"] == 0
    assert Ban.objects.in_force().filter(target=alice).count() == 1


def test_batches_cover_a_backlog(moderator, time_machine, monkeypatch):
    import reviews.services.sweeps as sweeps

    monkeypatch.setattr(sweeps, "BATCH", 3)
    users = EndUserFactory.create_batch(8)
    for user in users:
        actions.ban_user(target=user, actor=moderator, timeout_minutes=1)
    time_machine.move_to(timezone.now() + timedelta(minutes=2))
    assert sweep_expired(limit=5)["bans"] == 5  # a capped run leaves the rest for the next
    assert sweep_expired()["bans"] == 3
    assert not Ban.objects.filter(lifted_at__isnull=True).exists()


def test_single_expire_ban_still_works(moderator, alice, time_machine):
    ban = actions.ban_user(target=alice, actor=moderator, timeout_minutes=1)
    assert actions.expire_ban(ban=ban) is False  # not yet expired
    time_machine.move_to(timezone.now() + timedelta(minutes=2))
    assert actions.expire_ban(ban=ban) is True
    assert actions.expire_ban(ban=ban) is False


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statement and connections")


def _outcome(marks: tuple[int, int]) -> dict:
    """What a sweep wrote: log rows, outbox events (without their creation time), bans, remaining mutes."""
    logs = sorted(
        (e.action, e.actor_id, e.actor_type, e.target_user_id, e.item_id, e.reason,
         json.dumps(e.custom, sort_keys=True), e.created_at)
        for e in ModerationLog.objects.filter(id__gt=marks[0])
    )
    events = []
    for event in OutboxEvent.objects.filter(id__gt=marks[1]):
        assert isinstance(event.payload.pop("created_at"), int)
        events.append((event.type, json.dumps(event.payload, sort_keys=True), event.relayed_at))
    bans = list(Ban.objects.order_by("id").values_list("id", "lifted_at", "lifted_by_id", "updated_at"))
    return {"logs": logs, "events": sorted(events), "bans": bans,
            "mutes": list(Mute.objects.order_by("id").values_list("id", flat=True))}


@postgres_only
def test_the_postgresql_statement_writes_what_the_portable_path_writes(moderator, alice, bob, time_machine):
    from reviews.actions import expiry

    time_machine.move_to("2030-01-01 12:00Z", tick=False)
    carol = EndUserFactory(id="carol", last_ip="192.0.2.9", image="https://example.com/c.png", language="fr")
    EndUser.objects.filter(pk="carol").update(teams=["red"], custom={"k": [1, "x"]},
                                               deactivated_at="2029-12-31 10:00:00.123456Z")
    actions.ban_user(target=alice, actor=moderator, timeout_minutes=10, reason="spam")
    actions.ban_user(target=alice, actor=moderator, channel_cid="messaging:general", timeout_minutes=5, shadow=True)
    actions.ban_user(target=carol, actor=moderator, ip_ban=True, timeout_minutes=20)
    actions.ban_user(target=bob, actor=moderator, timeout_minutes=600)  # not yet expired
    actions.ban_user(target=bob, actor=moderator, channel_cid="messaging:x")  # never expires
    actions.mute_user(user=alice, target=bob, actor=alice, timeout_minutes=5)
    actions.mute_user(user=carol, target=alice, actor=carol, timeout_minutes=15)
    actions.mute_user(user=bob, target=carol, actor=bob, timeout_minutes=600)  # not yet expired
    time_machine.move_to("2030-01-01 12:30Z", tick=False)
    now = timezone.now()
    marks = (ModerationLog.objects.order_by("-id").values_list("id", flat=True)[0],
             OutboxEvent.objects.order_by("-id").values_list("id", flat=True)[0])

    def run(expire_bans, expire_mutes) -> dict:
        with transaction.atomic():
            assert (expire_bans(now=now, batch=100, ban_ids=None), expire_mutes(now=now, batch=100, mute_ids=None)) \
                == (3, 2)
            outcome = _outcome(marks)
            transaction.set_rollback(True)
        return outcome

    sql = run(actions.expire_bans, actions.expire_mutes)
    portable = run(expiry._expire_bans_orm, expiry._expire_mutes_orm)
    assert sql == portable
    assert len(sql["logs"]) == 5 and len(sql["events"]) == 5


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("limit", [None, 7])
def test_a_backlog_is_drained_over_several_connections_each_row_once(moderator, monkeypatch, settings, limit):
    import reviews.services.sweeps as sweeps

    settings.MODERATION_SWEEP_CONNECTIONS = 2
    monkeypatch.setattr(sweeps, "BATCH", 3)
    users = EndUserFactory.create_batch(20)
    for user in users:
        actions.ban_user(target=user, actor=moderator, timeout_minutes=1)
    Ban.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    threads: set[int] = set()
    expire_bans = actions.expire_bans
    main, helper_joined = threading.get_ident(), threading.Event()

    def traced(**kwargs) -> int:
        # After its first batch the calling thread waits for a helper connection to take one, however slowly
        # the helper starts on a loaded machine (no sleep and hope).
        if threading.get_ident() != main:
            helper_joined.set()
        elif main in threads:
            assert helper_joined.wait(120), "no helper connection took a batch"
        threads.add(threading.get_ident())
        return expire_bans(**kwargs)

    monkeypatch.setattr(actions, "expire_bans", traced)
    assert sweep_expired(limit=limit)["bans"] == (limit or 20)
    assert len(threads) == 2
    lifted = Ban.objects.filter(lifted_at__isnull=False)
    assert lifted.count() == (limit or 20)
    logs = ModerationLog.objects.filter(action="unban", actor__isnull=True)
    assert sorted(e.custom["ban_id"] for e in logs) == sorted(lifted.values_list("id", flat=True))
    assert OutboxEvent.objects.filter(type="user.unbanned").count() == (limit or 20)
