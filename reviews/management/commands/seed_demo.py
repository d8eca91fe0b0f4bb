"""Demo data for `make run`: a moderation policy with its blocklists, users, a queue with flags and reasons, bans of
every kind, mutes, blocks, three calls, and dashboard logins. Idempotent: run it again and nothing is duplicated.

All moderation state is written through the actions, as the API would write it: the policy and blocklists
(`create_blocklist`, `upsert_config`), users' reports (`flag_content`), and the policy's verdict on each reported
message (`check_content` against the demo policy). So an item's recommended action, severity and labels are what the
policy says about its text, with the rules that fired and why; a report the policy finds nothing in stays
`flag` at severity none for a moderator to judge. The only direct writes are the demo's own backdating of
timestamps (so the queue spans two weeks) and the users themselves."""

from __future__ import annotations

import base64
import logging
import random
import struct
import zlib
from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from reviews import actions
from reviews.models import (
    ApiKey,
    Ban,
    Blocklist,
    Call,
    CallMember,
    EndUser,
    EntityType,
    ModerationConfig,
    ReviewQueueItem,
)
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
MESSAGES = {  # a report's reason -> messages reported for it (what the demo policy finds in each: see the tests)
    "spam": ["Buy 1000 followers now at cheap-followers dot com!!!", "DM me for free crypto, limited offer",
             "Click here to win an iPhone: bit.ly/totally-legit", "Earn $500/day from home, message me",
             "Your account has been suspended. Verify your account at secure-verify dot xyz"],
    "harassment": ["You are an idiot and everyone hates you", "Go to hell, nobody wants you here",
                   "Shut up loser", "I know where you live", "Watch your back, I know where you live",
                   "Shut the fuck up, nobody asked you", "nobody would miss you, kys"],
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

# The demo policy: what `check` (and the Policies page's "try it" box) runs. Every text engine and the image one,
# with rules a chat app could ship: swearing (the profanity list, a toxicity score from 0.7) is flagged for a look, as
# are links and contact details; spam domains are removed and scam patterns shadow-blocked (their author still
# sees them); threats, harassment from high and scams from high severity are removed; explicit nudity in images is
# removed (docs/policies.md).
POLICY_KEY = "chat:messaging"
BLOCKLISTS = [  # name, type, entries, the policy's action on a hit
    ("profanity_en", "word", ["shit", "fuck", "bitch", "bastard", "asshole", "dickhead", "motherfucker", "wanker",
                              "bullshit", "piss off"], "flag"),
    ("spam_domains", "domain", ["cheap-followers.com", "free-crypto.io", "secure-verify.xyz"], "remove"),
    ("scam_patterns", "regex", [r"\bearn \$?\d[\d,]* ?(/|a|per) ?(day|hour|week)\b",
                                r"\bfree (crypto|bitcoin|followers|iphone)\b",
                                r"\bsend (me )?your (seed phrase|password)\b"], "shadow_block"),
]
POLICY_BLOCKS = {
    "block_list_config": {"enabled": True, "rules": [{"name": name, "action": action}
                                                     for name, _, _, action in BLOCKLISTS]},
    "automod_toxicity_config": {"enabled": True, "rules": [{"label": "toxic", "threshold": 0.7, "action": "flag"}]},
    "automod_platform_circumvention_config": {"enabled": True, "rules": [
        {"label": "link", "threshold": 1, "action": "flag"},
        {"label": "email", "threshold": 1, "action": "flag"},
        {"label": "phone_number", "threshold": 1, "action": "flag"}]},
    "ai_text_config": {"enabled": True, "rules": [
        {"label": "THREAT", "action": "remove"},
        {"label": "HARASSMENT", "severity_rules": [{"severity": "medium", "action": "flag"},
                                                   {"severity": "high", "action": "remove"}]},
        {"label": "INSULT", "severity_rules": [{"severity": "medium", "action": "flag"}]},
        {"label": "SPAM", "severity_rules": [{"severity": "low", "action": "flag"},
                                             {"severity": "high", "action": "shadow_block"},
                                             {"severity": "critical", "action": "remove"}]},
        {"label": "SCAM", "severity_rules": [{"severity": "medium", "action": "flag"},
                                             {"severity": "high", "action": "remove"}]},
    ]},
    "ai_image_config": {"enabled": True, "rules": [
        {"label": "Explicit Nudity", "action": "remove", "min_confidence": 70},
        {"label": "Suggestive", "action": "flag", "min_confidence": 70}]},
}


class Command(BaseCommand):
    help = "Load realistic demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=300)
        parser.add_argument("--items", type=int, default=1000)

    def handle(self, *args, users: int = 300, items: int = 1000, **options):
        # `make run` seeds before `serve` starts the embedded broker, so commits cannot kick the webhook relay
        # (beat relays the outbox once the broker is up): the warning that says so is expected here, not news.
        relay_log = logging.getLogger("reviews.services.webhooks")
        level = relay_log.level
        relay_log.setLevel(logging.ERROR)
        try:
            self._seed(users, items)
        finally:
            relay_log.setLevel(level)

    def _seed(self, users: int, items: int) -> None:
        logins = self._logins()
        ensure_api_key(DEMO_KEY, DEMO_SECRET, "demo key (seed_demo)")
        policy = self._policy(identity_for(logins["admin"]))
        if EndUser.objects.filter(pk="user-0000").exists():
            self.stdout.write("==> demo data already there (logins, demo API key"
                              f"{' and the demo policy' if policy else ''} ensured)")
            return
        self.stdout.write("==> seeding demo data (first run, about a minute) …")
        rng = random.Random(42)
        moderator = identity_for(logins["moderator"])
        with transaction.atomic():
            people = self._users(rng, users)
        self._queue(rng, people, items)
        self._enforcement(rng, people, moderator)
        self._calls(rng, people)
        self.stdout.write(
            f"    {len(people)} users, {ReviewQueueItem.objects.count()} queue items, {Ban.objects.count()} bans, "
            f"3 calls, policy {POLICY_KEY!r} with {len(BLOCKLISTS)} blocklists"
        )

    def _policy(self, admin: EndUser) -> bool:
        """The demo policy and its blocklists, through the actions an Admin's edit uses. Only into a database with
        no policy at all: one the user made, changed or deleted is theirs, and a later run leaves it alone."""
        if ModerationConfig.objects.exists() or Blocklist.objects.exists():
            return False
        for name, type_, words, _ in BLOCKLISTS:
            word = type_ == Blocklist.Type.WORD  # leetspeak and plurals are readings of words only
            actions.create_blocklist(name=name, type=type_, words=words, actor=admin, is_leet_check_enabled=word,
                                     is_plural_check_enabled=word)
        actions.upsert_config(key=POLICY_KEY, blocks=POLICY_BLOCKS, actor=admin)
        return True

    def _logins(self) -> dict[str, User]:
        result = {}
        for username, password, group, staff in LOGINS:
            user, created = User.objects.get_or_create(username=username, defaults={"is_staff": staff})
            if created:
                user.set_password(password)
                user.is_superuser = group == ADMINS
                user.save()
            user.groups.add(Group.objects.get_or_create(name=group)[0])  # made by migration 0002, unless flushed
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
        checked = ModerationConfig.objects.filter(key=POLICY_KEY, team="").exists()
        reported_users: set[str] = set()
        for start in range(0, count, 100):
            with transaction.atomic():  # one commit per 100 items: a commit each was most of SQLite's time
                for i in range(start, min(count, start + 100)):
                    self._item(rng, people, i, reported_users, checked)

    def _item(self, rng: random.Random, people: list[EndUser], i: int, reported_users: set[str],
              checked: bool) -> None:
        creator = rng.choice(people)
        reason = rng.choices(list(MESSAGES), weights=[5, 4, 2, 1, 1, 2])[0]
        # A user is reported once (one item per user: a second report for another reason would show the first
        # reason beside the second one's message).
        is_user = rng.random() < 0.12 and creator.pk not in reported_users
        if is_user:
            reported_users.add(creator.pk)
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
            return
        if checked and not is_user:
            # The policy's verdict on the reported message: stored on the item (recommended action, severity,
            # labels, the rules that fired) unless it finds nothing, as a `check` from the app would be.
            actions.check_content(
                entity_type=entity_type, entity_id=entity_id, entity_creator_id=creator.pk,
                config_key=POLICY_KEY, moderation_payload=payload,
                options={"channel_cid": payload["custom"]["channel"]}, actor=None,
            )
        age = timedelta(minutes=rng.randint(1, 60 * 24 * 14))
        # Spread creation times over two weeks so sorting and paging look like a real queue.
        now = timezone.now()
        ReviewQueueItem.objects.filter(pk=item.pk).update(
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
