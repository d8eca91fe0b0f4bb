// Seed 000's JavaScript examples (@stream-io/node-sdk), as the seed writes them, against /api/v2/. Two edits
// only where the seed is not JavaScript: `client.<async operation>()` is the deactivateUsers call above it, and
// the `'<id2>'...` list ends after '<id2>'.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
// This node-sdk exports the seed's VideoOwnCapability under the name OwnCapability.
import { OwnCapability as VideoOwnCapability, StreamClient } from '@stream-io/node-sdk';

const { BASE_URL, STREAM_KEY, STREAM_SECRET } = process.env;
// A generous timeout: the machine running the tests may be busy.
const client = new StreamClient(STREAM_KEY, STREAM_SECRET, { basePath: BASE_URL, timeout: 60000 });
const call = client.video.call('default', 'seed-000');
let deactivateResponse;

before(async () => {
  await client.upsertUsers([{ id: 'john', role: 'admin' }, { id: 'sara' }, { id: '<id>' }, { id: '<id1>' },
    { id: '<id2>' }, { id: '<user id>' }, { id: 'alice' }, { id: 'bob' }, { id: '<moderator id>', role: 'moderator' }]);
  await call.getOrCreate({ data: { created_by_id: 'john', members: [{ user_id: 'sara' }] } });
});

test('1 block user', async () => { await call.blockUser({ user_id: 'sara' }); });
test('2 unblock user', async () => { await call.unblockUser({ user_id: 'sara' }); });
test('3 screensharing settings', async () => {
  await call.update({
    settings_override: {
      screensharing: { enabled: true, access_request_enabled: true },
    },
  });
});
test('4 mute everyone', async () => {
  await call.muteUsers({
    mute_all_users: true,
    audio: true,
    muted_by_id: 'john',
  });
});
test('5 mute one participant', async () => {
  await call.muteUsers({
    user_ids: ['sara'],
    audio: true,
    video: true,
    screenshare: true,
    screenshare_audio: true,
    muted_by_id: 'john',
  });
});
test('6 grant permissions', async () => {
  await call.updateUserPermissions({
    user_id: 'sara',
    grant_permissions: [VideoOwnCapability.SEND_AUDIO],
  });
});
test('7 revoke permissions', async () => {
  await call.updateUserPermissions({
    user_id: 'sara',
    revoke_permissions: [VideoOwnCapability.SEND_AUDIO],
  });
});
test('8 ban', async () => {
  await client.moderation.ban({
    target_user_id: '<bad user id>',
    banned_by_id: '<moderator id>',
    reason: '<reason>',
  });
});
test('9 unban', async () => {
  // remove the ban for a user
  await client.moderation.unban({
    target_user_id: '<user id>',
  });
});
test('10 ban for 30 minutes', async () => {
  await client.moderation.ban({
    target_user_id: '<bad user id>',
    banned_by_id: '<moderator id>',
    timeout: 30,
  });
});
test('11 ip ban', async () => {
  await client.moderation.ban({
    target_user_id: '<bad user id>',
    banned_by_id: '<moderator id>',
    reason: '<reason>',
    ip_ban: true,
  });
});
test('12 deactivate user', async () => {
  await client.deactivateUser({
    user_id: '<id>',
  });
});
test('13 reactivate users', async () => {
  await client.reactivateUsers({
    user_ids: ['<id>'],
  });
});
test('14 deactivate users in bulk', async () => {
  deactivateResponse = client.deactivateUsers({
    user_ids: ['<id1>', '<id2>'],
  });
  assert.ok((await deactivateResponse).task_id);
});
test('15 poll the task', async () => {
  const response = await deactivateResponse;
  // you need to poll this endpoint
  let taskResponse = await client.getTask({ id: response.task_id });
  console.log(taskResponse.status === 'completed');
  for (let i = 0; i < 600 && !['completed', 'failed'].includes(taskResponse.status); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100)); // a real worker may not have run it yet
    taskResponse = await client.getTask({ id: response.task_id });
  }
  assert.equal(taskResponse.status, 'completed');
});
test('16 block users', async () => {
  await client.blockUsers({
    blocked_user_id: 'bob',
    user_id: 'alice',
  });
});
test('17 get blocked users', async () => {
  const res = await client.getBlockedUsers({ user_id: 'alice' });
  assert.deepEqual(res.blocks.map((b) => b.blocked_user_id), ['bob']);
});
test('18 unblock users', async () => {
  await client.unblockUsers({
    blocked_user_id: 'bob',
    user_id: 'alice',
  });
});
