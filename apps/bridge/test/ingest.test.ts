import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt, { type MqttClient } from 'mqtt';
import { getCampaignDetail } from '@roadcast/campaigns';
import type { IngestReply } from '@roadcast/contracts';
import {
  platformCredentials,
  platformPasswordFile,
  startMosquitto,
  uniquePrefix,
  type MosquittoBroker,
} from '@roadcast/testing';
import {
  registerVehicles,
  startBridgeFixture,
  testUpdate,
  waitFor,
  type BridgeFixture,
} from './bridge-fixture.js';

const TOPIC = 'roadcast/ingest/campaigns';
let REPLIES: string;
let core: MosquittoBroker;
let f: BridgeFixture;
let backend: MqttClient;
const replies: Array<{ topic: string; body: IngestReply }> = [];

before(async () => {
  core = await startMosquitto({ id: 'core', role: 'core' });
  const system = core.credentials('backend');
  // The core broker's ACL lets a backend system read the answers under its own user name.
  REPLIES = `roadcast/ingest/replies/${system.username}`;
  f = await startBridgeFixture(
    'ingest',
    {
      settings: {
        INGEST_ENABLED: 'true',
        CORE_BROKER_URL: core.url,
        INGEST_TOPIC: TOPIC,
        INGEST_REPLY_TOPIC: REPLIES,
        INGEST_CLIENT_ID: uniquePrefix('ingest'),
        CORE_BROKER_USERNAME: platformCredentials().bridge.username,
        CORE_BROKER_PASSWORD_FILE: platformPasswordFile('bridge'),
      },
    },
    1,
  );
  backend = await mqtt.connectAsync(core.url, {
    protocolVersion: 5,
    clientId: uniquePrefix('backend'),
    ...system,
  });
  backend.on('message', (topic, payload) =>
    replies.push({ topic, body: JSON.parse(payload.toString()) as IngestReply }),
  );
  await backend.subscribeAsync([`${REPLIES}/#`, REPLIES], { qos: 1 });
  await waitFor(() => f.bridge.ingest?.client.connected === true, 10_000, 'ingest connection');
  // The subscription is made right after CONNACK; give it a moment to be granted.
  await waitFor(
    async () => {
      const probe = replies.length;
      await backend.publishAsync(TOPIC, 'probe', { qos: 1 });
      await waitFor(() => replies.length > probe, 2_000, 'probe reply').catch(() => undefined);
      return replies.length > probe;
    },
    10_000,
    'ingest subscription',
  );
  replies.length = 0;
});

after(async () => {
  await backend.endAsync();
  await f.close();
  await core.stop();
});

async function request(body: unknown, replyTopic: string): Promise<IngestReply> {
  const before = replies.filter((r) => r.topic === replyTopic).length;
  await backend.publishAsync(TOPIC, typeof body === 'string' ? body : JSON.stringify(body), {
    qos: 1,
  });
  await waitFor(
    () => replies.filter((r) => r.topic === replyTopic).length > before,
    15_000,
    `reply on ${replyTopic}`,
  );
  return replies.filter((r) => r.topic === replyTopic)[before]!.body;
}

test('a campaign request on the core broker creates the campaign once per request id', async () => {
  await registerVehicles(f, 'IN', 50);
  const body = {
    name: 'From the backend',
    update: testUpdate,
    target: { filter: { tags: ['IN'] } },
    requestId: 'req-0001',
    replyTo: `${REPLIES}/1`,
  };
  const first = await request(body, `${REPLIES}/1`);
  assert.equal(first.ok, true);
  assert.ok(first.ok && first.total === 50);
  const again = await request(body, `${REPLIES}/1`);
  assert.ok(
    again.ok && first.ok && again.campaignId === first.campaignId,
    'a re-sent request returns the same campaign',
  );
  const detail = await getCampaignDetail(f.db.pool, first.ok ? first.campaignId : '');
  assert.equal(detail?.createdBy, 'ingest');
  assert.equal(detail?.total, 50);
});

test('an invalid request is answered with the problems, never dropped', async () => {
  const reply = await request(
    {
      name: 'Broken',
      update: { ...testUpdate, sha256: 'nope' },
      target: {},
      requestId: 'req-bad',
      replyTo: `${REPLIES}/2`,
    },
    `${REPLIES}/2`,
  );
  assert.equal(reply.ok, false);
  assert.ok(!reply.ok && reply.code === 'ROADCAST_ERR_VALIDATION' && reply.requestId === 'req-bad');
  assert.ok(!reply.ok && (reply.problems ?? []).some((p) => p.path.includes('sha256')));

  const garbage = await request('not json at all', REPLIES);
  assert.ok(!garbage.ok && garbage.code === 'ROADCAST_ERR_MALFORMED_JSON');

  const refused = await request(
    {
      name: 'Bad waves',
      update: testUpdate,
      target: { vehicleIds: ['IN000001'] },
      rollout: { waves: [{ percent: 40 }] },
      requestId: 'req-waves',
      replyTo: `${REPLIES}/3`,
    },
    `${REPLIES}/3`,
  );
  assert.ok(!refused.ok && refused.code === 'ROADCAST_ERR_INVALID_ROLLOUT');
});
