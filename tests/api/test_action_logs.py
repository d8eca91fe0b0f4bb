"""insert_action_log through the getstream 7.0.0 SDK: an action taken elsewhere enters our log, shows in
query_moderation_logs and the dashboard log, and is never undone here."""

from __future__ import annotations

import pytest
from getstream.exceptions import StreamApiException

from reviews import actions
from reviews.errors import ModerationError
from reviews.models import Ban, EntityType, ModerationLog
from tests.factories import DashboardUserFactory, EndUserFactory, ModeratorFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_external_ban_is_logged_listed_and_not_undoable(stream_client, client):
    bob = EndUserFactory(id="bob")
    actions.ban_user(target=bob, actor=ModeratorFactory(id="mod"), reason="ours")
    moderation = stream_client.moderation
    moderation.insert_action_log(action_type="ban", entity_creator_id="bob", entity_id="bob",
                                 entity_type=EntityType.USER, reason="banned in the forum", reporter_type="moderator",
                                 reporter_user_id="forum-admin", custom={"tool": "forum"})
    entry = ModerationLog.objects.get(reason="banned in the forum")
    assert (entry.action, entry.actor_id, entry.target_user_id) == ("ban", "forum-admin", "bob")
    assert entry.custom == {"tool": "forum", "external": True, "entity_type": EntityType.USER, "entity_id": "bob"}
    logs = moderation.query_moderation_logs(filter={"user_id": "forum-admin"}).data.logs
    assert [e.reason for e in logs] == ["banned in the forum"]

    with pytest.raises(ModerationError, match="taken elsewhere"):
        actions.undo_entry(entry=entry, actor=None)
    assert Ban.objects.in_force().filter(target=bob).exists()  # our own ban is untouched
    client.force_login(DashboardUserFactory(username="mia", role="Moderators"))
    page = client.get("/log/?moderator=forum-admin").content.decode()
    assert "banned in the forum" in page and "Undo ban" not in page

    with pytest.raises(StreamApiException) as exc:
        moderation.insert_action_log(action_type="ban", entity_creator_id="bob", entity_id="bob",
                                     entity_type=EntityType.USER, reporter_type="robot")
    assert exc.value.status_code == 400 and "reporter_type" in str(exc.value)
    with pytest.raises(StreamApiException) as exc:
        moderation.insert_action_log(action_type=" ", entity_creator_id="bob", entity_id="bob",
                                     entity_type=EntityType.USER)
    assert exc.value.status_code == 400 and "action_type" in str(exc.value)
