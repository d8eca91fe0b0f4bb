"""Demo data for `make run`: users, a queue with flags and reasons, bans of every kind, mutes, blocks,
three calls, and dashboard logins. Idempotent: run it again and nothing is duplicated."""

from __future__ import annotations

import base64
import random
import struct
import zlib
from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from reviews import actions
from reviews.models import ApiKey, Ban, Call, CallMember, EndUser, EntityType, ReviewQueueItem, Severity
from reviews.permissions import ADMINS, MODERATORS, VIEWERS, identity_for
from reviews.services.api_keys import ensure_api_key

# 32+ bytes: pyjwt warns about shorter HS256 keys in every SDK client built with them.
DEMO_KEY, DEMO_SECRET = "demo-key", "demo-secret-change-me-in-production"
LOGINS = [  # username, password, group, staff
    ("moderator", "moderator", MODERATORS, False),
    ("admin", "admin", ADMINS, True),
    ("viewer", "viewer", VIEWERS, False),
]
FIRST = ["ada", "bo", "cy", "dee", "eli", "fay", "gus", "hal", "ivy", "jo", "kai", "lu", "max", "nia", "oz",
         "pia", "quin", "ray", "sol", "tia", "uma", "vik", "wes", "xia", "yan", "zoe"]
MESSAGES = {
    "spam": ["Buy 1000 followers now at cheap-followers dot com!!!", "DM me for free crypto, limited offer",
             "Click here to win an iPhone: bit.ly/totally-legit", "Earn $500/day from home, message me"],
    "harassment": ["You are an idiot and everyone hates you", "Go to hell, nobody wants you here",
                   "Shut up loser", "I know where you live"],
    "inappropriate_content": ["This is some seriously explicit stuff I'm posting", "nsfw pic incoming lol",
                              "graphic content warning but I'm sharing anyway"],
    "hate_speech": ["People like you should be banned from the internet", "Your kind is not welcome here"],
    "misinformation": ["The moon landing was faked, wake up", "Drinking bleach cures the flu"],
    "other": ["Meet me at the station at 5", "Anyone up for a game tonight?", "lol that's hilarious",
              "Can someone help me with my order?"],
}


def png(width: int, height: int, pixel) -> bytes:
    """A truecolour PNG of `pixel(x, y) -> (r, g, b)`: the demo's images, made here so they need no network."""
    raw = b"".join(b"\x00" + bytes(c for x in range(width) for c in pixel(x, y)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def data_uri(body: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(body).decode()


# Flagged images as data: URIs, so `make run` shows them offline; the dashboard serves them through its image
# proxy like any other (reviews/views/images.py).
IMAGES = [
    data_uri(png(320, 200, lambda x, y: (230, 120 + (y // 25) * 15, 60) if (x // 40) % 2 else (40, 90, 170))),
    data_uri(png(320, 200, lambda x, y: (250, 210, 60) if ((x // 32) + (y // 32)) % 2 else (200, 40, 90))),
]
CHANNELS = ["messaging:general", "messaging:random", "livestream:fortnite", "livestream:music", "team:support"]


class Command(BaseCommand):
    help = "Load realistic demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=300)
        parser.add_argument("--items", type=int, default=1000)

    def handle(self, *args, users: int = 300, items: int = 1000, **options):
        logins = self._logins()
        ensure_api_key(DEMO_KEY, DEMO_SECRET, "demo key (seed_demo)")
        if EndUser.objects.filter(pk="user-0000").exists():
            self.stdout.write("Demo data already present; logins and demo API key ensured.")
            return
        rng = random.Random(42)
        moderator = identity_for(logins["moderator"])
        with transaction.atomic():
            people = self._users(rng, users)
        self._queue(rng, people, items)
        self._enforcement(rng, people, moderator)
        self._calls(rng, people)
        self.stdout.write(self.style.SUCCESS(
            f"Seeded {len(people)} users, {ReviewQueueItem.objects.count()} queue items, "
            f"{Ban.objects.count()} bans, 3 calls."
        ))

    def _logins(self) -> dict[str, User]:
        result = {}
        for username, password, group, staff in LOGINS:
            user, created = User.objects.get_or_create(username=username, defaults={"is_staff": staff})
            if created:
                user.set_password(password)
                user.is_superuser = group == ADMINS
                user.save()
            user.groups.add(Group.objects.get(name=group))
            identity_for(user)
            result[username] = user
        return result

    def _users(self, rng: random.Random, count: int) -> list[EndUser]:
        now = timezone.now()
        people = []
        for i in range(count):
            name = f"{rng.choice(FIRST).title()} {rng.choice(FIRST).title()}"
            people.append(EndUser(
                id=f"user-{i:04d}", name=name, role=EndUser.Role.USER,
                last_ip=f"203.0.113.{rng.randint(1, 254)}" if rng.random() < 0.9 else f"198.51.100.{i % 250 + 1}",
                custom={"plan": rng.choice(["free", "pro"])},
            ))
        EndUser.objects.bulk_create(people)
        EndUser.objects.filter(pk__in=[p.pk for p in people]).update(created_at=now - timedelta(days=30))
        return people

    def _queue(self, rng: random.Random, people: list[EndUser], count: int) -> None:
        now = timezone.now()
        reasons = list(MESSAGES)
        for i in range(count):
            creator = rng.choice(people)
            reason = rng.choices(reasons, weights=[5, 4, 2, 1, 1, 2])[0]
            is_user = rng.random() < 0.12
            entity_type = EntityType.USER if is_user else EntityType.MESSAGE
            entity_id = creator.pk if is_user else f"msg-{i:05d}"
            payload = {"texts": [rng.choice(MESSAGES[reason])]}
            if rng.random() < 0.08:
                payload["images"] = [rng.choice(IMAGES)]
            payload["custom"] = {"channel": rng.choice(CHANNELS)}
            reporters = rng.sample(people, k=rng.choices([1, 2, 3, 5], weights=[6, 3, 1, 1])[0])
            item = None
            for reporter in reporters:
                if reporter.pk == creator.pk:
                    continue
                _, item = actions.flag_content(
                    reporter=reporter, entity_type=entity_type, entity_id=entity_id, entity_creator=creator,
                    reason=reason, custom={"source": "demo"}, moderation_payload=payload,
                    channel_cid=payload["custom"]["channel"] if not is_user else "", actor=reporter,
                )
            if item is None:
                continue
            severity = rng.choice([Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL])
            action = rng.choices(["flag", "remove", "keep"], weights=[6, 3, 1])[0]
            age = timedelta(minutes=rng.randint(1, 60 * 24 * 14))
            # Spread creation times over two weeks so sorting and paging look like a real queue.
            ReviewQueueItem.objects.filter(pk=item.pk).update(
                severity=severity, recommended_action=action, labels=[reason],
                created_at=now - age, updated_at=now - age + timedelta(minutes=5),
            )

    def _enforcement(self, rng: random.Random, people: list[EndUser], moderator: EndUser) -> None:
        targets = rng.sample(people, 40)
        for n, target in enumerate(targets):
            kind = n % 8
            if kind == 0:
                actions.ban_user(target=target, actor=moderator, reason="spam", timeout_minutes=None)
            elif kind == 1:
                actions.ban_user(target=target, actor=moderator, reason="cool down", timeout_minutes=60 * 24)
            elif kind == 2:
                actions.ban_user(target=target, actor=moderator, reason="harassment in channel",
                                 channel_cid=rng.choice(CHANNELS))
            elif kind == 3:
                actions.ban_user(target=target, actor=moderator, reason="ban evasion", shadow=True)
            elif kind == 4:
                actions.ban_user(target=target, actor=moderator, reason="throw-away accounts", ip_ban=True)
            elif kind == 5:
                actions.ban_user(target=target, actor=moderator, reason="short timeout", timeout_minutes=30,
                                 channel_cid=rng.choice(CHANNELS), shadow=True)
            elif kind == 6:
                actions.mute_user(user=moderator, target=target, actor=moderator, timeout_minutes=120)
            else:
                actions.deactivate_user(target=target, actor=moderator)
        for _ in range(60):
            a, b = rng.sample(people, 2)
            actions.mute_user(user=a, target=b, actor=a, timeout_minutes=rng.choice([None, 60, 24 * 60]))
            actions.block_user(blocker=b, blocked=a, actor=b)

    def _calls(self, rng: random.Random, people: list[EndUser]) -> None:
        specs = [("default", "team-standup", {}), ("audio_room", "town-hall",
                  {"screensharing": {"enabled": True, "access_request_enabled": True}}),
                 ("livestream", "launch-party", {"screensharing": {"enabled": False}})]
        for call_type, call_id, override in specs:
            host = rng.choice(people)
            call, _ = Call.objects.get_or_create(
                type=call_type, call_id=call_id, defaults={"created_by": host, "settings_override": override}
            )
            for member in [host, *rng.sample(people, 5)]:
                CallMember.objects.get_or_create(call=call, user=member,
                                                 defaults={"role": "host" if member == host else "user"})
        ApiKey.objects.filter(key=DEMO_KEY).update(active=True)
