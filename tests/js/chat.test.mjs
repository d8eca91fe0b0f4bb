// The `stream-chat` JavaScript SDK (9.53, server-side with the secret), unchanged, against the Chat face at the
// root paths. Run by tests/chat/test_js_sdks.py with BASE_URL, STREAM_KEY and STREAM_SECRET set.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { StreamChat } from 'stream-chat';

const { BASE_URL, STREAM_KEY, STREAM_SECRET } = process.env;
// A generous timeout: the machine running the tests may be busy (the SDK's default is 3 s).
const client = new StreamChat(STREAM_KEY, STREAM_SECRET, { timeout: 60000 });
client.setBaseURL(BASE_URL);

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const at = (s) => {
  assert.match(s, RFC3339);
  return new Date(s);
};

// A bulk task runs on the worker (at once under the tests' eager Celery); poll it as seed 000 says.
async function finished(taskId) {
  for (let i = 0; i < 600; i += 1) {
    const task = await client.getTask(taskId);
    if (task.status === 'completed' || task.status === 'failed') return task;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return client.getTask(taskId);
}

async function refused(promise, status, field) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.status, status);
    assert.equal(typeof err.code, 'number'); // Stream's envelope was decoded (an HTML page would not be)
    if (field) assert.match(err.message, new RegExp(field.replace('.', '\\.')));
    return true;
  });
}

before(async () => {
  const ids = ['js-mod', 'js-alice', 'js-bob', 'js-carol', 'js-dave'];
  await client.upsertUsers(ids.map((id) => ({ id, role: id === 'js-mod' ? 'moderator' : 'user' })));
});

test('upsertUsers keeps custom fields at the top level', async () => {
  const res = await client.upsertUsers([{ id: 'js-erin', name: 'Erin', country: 'NL' }]);
  assert.equal(res.users['js-erin'].country, 'NL');
  at(res.users['js-erin'].created_at);
});

test('queryUsers with banned and shadow_banned', async () => {
  await client.banUser('js-dave', { banned_by_id: 'js-mod', timeout: 60, reason: 'one hour' });
  await client.shadowBan('js-erin', { banned_by_id: 'js-mod' });
  const banned = await client.queryUsers({ banned: true, id: { $in: ['js-dave', 'js-erin'] } });
  assert.deepEqual(banned.users.map((u) => u.id), ['js-dave']);
  assert.ok(at(banned.users[0].ban_expires) > new Date(Date.now() + 59 * 60 * 1000));
  const shadow = await client.queryUsers({ shadow_banned: true, id: { $in: ['js-dave', 'js-erin'] } });
  assert.deepEqual(shadow.users.map((u) => u.id), ['js-erin']);
  await client.unbanUser('js-dave');
  await client.removeShadowBan('js-erin');
  assert.deepEqual((await client.queryUsers({ banned: true, id: 'js-dave' })).users, []);
});

test('deactivateUser, reactivateUser, deactivateUsers and getTask', async () => {
  const { user } = await client.deactivateUser('js-carol', { created_by_id: 'js-mod' });
  at(user.deactivated_at);
  const back = await client.reactivateUser('js-carol', { created_by_id: 'js-mod', name: 'Carol' });
  assert.equal(back.user.deactivated_at, null);
  assert.equal(back.user.name, 'Carol');
  const { task_id } = await client.deactivateUsers(['js-carol', 'js-ghost'], { created_by_id: 'js-mod' });
  const task = await finished(task_id);
  assert.equal(task.status, 'completed');
  assert.equal(task.result.changed, 1);
  at(task.created_at);
  await finished((await client.reactivateUsers(['js-carol'])).task_id);
});

test('blockUser, getBlockedUsers, unBlockUser', async () => {
  const res = await client.blockUser('js-bob', 'js-alice');
  assert.equal(res.blocked_user_id, 'js-bob');
  at(res.blocked_at);
  const { blocks } = await client.getBlockedUsers('js-alice');
  assert.deepEqual(blocks.map((b) => b.blocked_user_id), ['js-bob']);
  await client.unBlockUser('js-bob', 'js-alice');
  assert.deepEqual((await client.getBlockedUsers('js-alice')).blocks, []);
});

test('banUser app-wide with timeout, reason and ip_ban; channel.banUser is a channel ban', async () => {
  await client.banUser('js-bob', { banned_by_id: 'js-mod', ip_ban: true, reason: 'Please come back tomorrow' });
  const channel = client.channel('livestream', 'js-fortnite');
  await channel.banUser('js-alice', { banned_by_id: 'js-mod', reason: 'Banned for one hour', timeout: 60 });
  const { bans } = await client.queryBannedUsers({ user_id: { $in: ['js-alice', 'js-bob'] } });
  const byUser = Object.fromEntries(bans.map((b) => [b.user.id, b]));
  assert.equal(byUser['js-alice'].channel.cid, 'livestream:js-fortnite');
  assert.equal(byUser['js-bob'].channel, undefined);
  assert.equal(byUser['js-bob'].ip_ban, true);
  const days = (at(byUser['js-bob'].expires) - at(byUser['js-bob'].created_at)) / 86400000;
  assert.ok(days > 29.99 && days <= 30.01, `ip ban lasts 30 days by default, got ${days}`);
  await channel.unbanUser('js-alice');
  await client.unbanUser('js-bob');
  assert.deepEqual((await client.queryBannedUsers({ user_id: { $in: ['js-alice', 'js-bob'] } })).bans, []);
});

test('channel shadowBan and removeShadowBan', async () => {
  const channel = client.channel('messaging', 'js-general');
  await channel.shadowBan('js-alice', { banned_by_id: 'js-mod' });
  const { bans } = await client.queryBannedUsers({ channel_cid: 'messaging:js-general' });
  assert.deepEqual(bans.map((b) => [b.user.id, b.shadow]), [['js-alice', true]]);
  await channel.removeShadowBan('js-alice');
  assert.deepEqual((await client.queryBannedUsers({ channel_cid: 'messaging:js-general' })).bans, []);
});

test('ban_from_future_channels, queryFutureChannelBans and remove_future_channels_ban', async () => {
  await client.channel('messaging', 'js-alices').banUser('js-bob', { banned_by_id: 'js-alice',
    ban_from_future_channels: true, reason: 'spam' });
  const { bans } = await client.queryFutureChannelBans({ user_id: 'js-alice' });
  assert.deepEqual(bans.map((b) => [b.user.id, b.reason]), [['js-bob', 'spam']]);
  at(bans[0].created_at);
  await client.unbanUser('js-bob', { type: 'messaging', id: 'js-alices', remove_future_channels_ban: true });
  assert.deepEqual((await client.queryFutureChannelBans({ user_id: 'js-alice' })).bans, []);
});

test('queryBannedUsers: filters, sort, offset and seed 002 created_at pagination to the last page', async () => {
  const ids = ['js-p0', 'js-p1', 'js-p2', 'js-p3', 'js-p4'];
  await client.upsertUsers(ids.map((id) => ({ id })));
  for (const id of ids) await client.channel('livestream', 'js-123').banUser(id, { banned_by_id: 'js-mod' });
  const seen = [];
  let filter = { channel_cid: 'livestream:js-123' };
  for (;;) {
    const { bans } = await client.queryBannedUsers(filter, [{ created_at: -1 }], { limit: 2 });
    if (bans.length === 0) break;
    seen.push(...bans.map((b) => b.user.id));
    filter = { channel_cid: 'livestream:js-123', created_at: { $lt: bans[bans.length - 1].created_at } };
  }
  assert.deepEqual(seen, [...ids].reverse());
  const second = await client.queryBannedUsers({ channel_cid: { $in: ['livestream:js-123'] } }, [{ created_at: 1 }],
    { limit: 2, offset: 1 });
  assert.deepEqual(second.bans.map((b) => b.user.id), ['js-p1', 'js-p2']);
  const notMine = await client.queryBannedUsers({ channel_cid: 'livestream:js-123', user_id: { $nin: ids.slice(1) } });
  assert.deepEqual(notMine.bans.map((b) => b.user.id), ['js-p0']);
  const byMod = await client.queryBannedUsers({ channel_cid: 'livestream:js-123', banned_by_id: { $neq: 'js-mod' } });
  assert.deepEqual(byMod.bans, []);
  const live = await client.queryBannedUsers({ channel_cid: 'livestream:js-123' }, [], { exclude_expired_bans: true });
  assert.equal(live.bans.length, 5);
  await refused(client.queryBannedUsers({ channel_cid: { $nin: ['x:y'] } }), 400, 'filter_conditions.channel_cid');
});

test('seed 003: flagMessage with a reason and custom data, flagUser, unflag, queryMessageFlags', async () => {
  const messageID = 'js-msg-1';
  // flag with a reason
  let flag = await client.flagMessage(messageID, {
    reason: 'spammy_user',
  });
  // flag with a reason and additional custom data
  flag = await client.flagMessage(messageID, {
    reason: 'spammy_user',
    custom: {
      user_comment: 'This user is spamming the homepage.',
      page: 'homepage',
    },
  });
  // flag with only custom data
  flag = await client.flagMessage(messageID, {
    custom: {
      page: 'homepage',
    },
  });
  assert.equal(flag.flag.target_message_id, messageID);
  assert.ok(flag.review_queue_item_id);
  const mine = await client.flagMessage(messageID, { user_id: 'js-alice', reason: 'spammy_user',
    custom: { page: 'homepage' } });
  assert.equal(mine.flag.user.id, 'js-alice');
  assert.equal(mine.review_queue_item_id, flag.review_queue_item_id); // one review-queue item per message
  const userFlag = await client.flagUser('js-carol', { user_id: 'js-alice', reason: 'spammer' });
  assert.equal(userFlag.flag.target_user.id, 'js-carol');
  const { flags } = await client.queryMessageFlags({ user_id: 'js-alice' });
  assert.deepEqual(flags.map((f) => [f.message.id, f.user.id, f.reason]), [[messageID, 'js-alice', 'spammy_user']]);
  at(flags[0].created_at);
  await client.unflagMessage(messageID, { user_id: 'js-alice' });
  await client.unflagUser('js-carol', { user_id: 'js-alice' });
  assert.deepEqual((await client.queryMessageFlags({ user_id: 'js-alice' })).flags, []);
});

test('seed 003: muteUser with a timeout and unmuteUser; mutes come back with the user', async () => {
  const res = await client.muteUser('js-bob', 'js-alice', { timeout: 60 });
  assert.equal(res.mute.target.id, 'js-bob');
  assert.equal(at(res.mute.expires) - at(res.mute.created_at), 60 * 60 * 1000);
  assert.deepEqual(res.own_user.mutes.map((m) => m.target.id), ['js-bob']);
  const { users } = await client.queryUsers({ id: 'js-alice' });
  assert.deepEqual(users[0].mutes.map((m) => m.target.id), ['js-bob']);
  await client.unmuteUser('js-bob', 'js-alice');
  assert.deepEqual((await client.queryUsers({ id: 'js-alice' })).users[0].mutes, []);
});

test('channel.mute and channel.unmute', async () => {
  const channel = client.channel('messaging', 'js-general');
  const res = await channel.mute({ user_id: 'js-alice', expiration: 120000 });
  assert.equal(res.channel_mute.channel.cid, 'messaging:js-general');
  assert.equal(at(res.channel_mute.expires) - at(res.channel_mute.created_at), 120000);
  const { users } = await client.queryUsers({ id: 'js-alice' });
  assert.deepEqual(users[0].channel_mutes.map((m) => m.channel.cid), ['messaging:js-general']);
  await channel.unmute({ user_id: 'js-alice' });
  assert.deepEqual((await client.queryUsers({ id: 'js-alice' })).users[0].channel_mutes, []);
});

test('bad input gets Stream\'s envelope naming the field', async () => {
  await refused(client.banUser('js-alice', { banned_by_id: 'js-mod', timeout: 'soon' }), 400, 'timeout');
  await refused(client.banUser('js-alice', { banned_by_id: 'js-mod', type: 'livestream' }), 400, 'id');
  await refused(client.muteUser('js-bob', 'js-alice', { reason: 'loud' }), 400, 'reason');
  await refused(client.get(`${BASE_URL}/no/such/call`), 404);
  const { bans } = await client.queryBannedUsers({ user_id: 'js-alice' });
  assert.deepEqual(bans, []);
});
