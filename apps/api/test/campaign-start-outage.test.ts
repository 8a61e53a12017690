import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFERRED_START_REASON } from '../src/services/deferred-starts.js';
import { startApiFixture, validUpdate, vehicles, type ApiFixture } from './api-fixture.js';
import { startPrivateRedis, type PrivateRedis } from './support/redis-server.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

let f: ApiFixture;
let redis: PrivateRedis;
let proxy: TcpProxy;

before(async () => {
  redis = await startPrivateRedis();
  proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
  f = await startApiFixture(
    'api-start-outage',
    { API_REDIS_COMMAND_TIMEOUT_MS: '300' },
    {
      redisUrl: redis.url,
      databaseUrl: (url) => url.replace('127.0.0.1:5432', `127.0.0.1:${proxy.port}`),
    },
  );
  await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/vehicles',
    payload: { vehicles: vehicles(40) },
  });
});

after(async () => {
  await redis?.start();
  await f?.close();
  await proxy?.close();
  await redis?.stop();
});

test('Redis lost between the commit and the enqueue: the stored campaign is answered paused, then starts by itself once Redis is back', async () => {
  // The campaign's transaction commits as Redis dies: its deliveries are stored, its jobs not.
  proxy.beforeClientSends(Buffer.from('COMMIT\0'), () => redis.kill());
  const res = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/campaigns',
    payload: { name: 'Interrupted', update: validUpdate, target: { filter: {} } },
  });
  assert.equal(res.statusCode, 201, res.body);
  const campaign = res.json();
  assert.equal(campaign.status, 'paused');
  assert.equal(campaign.pausedReason, DEFERRED_START_REASON);
  assert.equal(campaign.total, 40);
  assert.equal(campaign.counts.pending, 40, 'nothing was published or lost');
  const { rows } = await f.app.deps.db.pool.query(
    `SELECT count(*)::int AS n FROM audit_log WHERE action = 'campaign.create' AND target_id = $1`,
    [campaign.id],
  );
  assert.equal(rows[0].n, 1, 'the create is audited like any other');

  await redis.start();
  const deadline = Date.now() + 45_000;
  let status = 'paused';
  while (status !== 'running') {
    assert.ok(Date.now() < deadline, 'the deferred start resumed within its interval');
    await sleep(500);
    status = (
      await f.call(f.keys.viewer, { method: 'GET', url: `/v1/campaigns/${campaign.id}` })
    ).json().status;
  }
  const jobs = await f.app.deps.pipeline.queues.notices.getJobCountByTypes(
    'prioritized',
    'waiting',
  );
  assert.ok(jobs > 0, 'its fan-out jobs are queued');
});
