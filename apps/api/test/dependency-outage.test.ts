import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { startApiFixture, validUpdate, vehicles, type ApiFixture } from './api-fixture.js';
import { captureLogs, type LogCapture } from './support/log-capture.js';
import { startPrivateRedis, type PrivateRedis } from './support/redis-server.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

// Each outage lasts this long; requests keep coming throughout.
const OUTAGE_MS = 10_000;

let f: ApiFixture;
let redis: PrivateRedis;
let proxy: TcpProxy;
let logs: LogCapture;
let direct: pg.Pool;
let campaignId: string;
const vehicleId = vehicles(1)[0]!.id;

before(async () => {
  redis = await startPrivateRedis();
  proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
  logs = captureLogs('info');
  f = await startApiFixture(
    'api-outage',
    {
      RATE_LIMIT_SYNC_MS: '1000',
      API_DATABASE_CONNECT_TIMEOUT_MS: '500',
      API_STATEMENT_TIMEOUT_MS: '1000',
      API_REDIS_COMMAND_TIMEOUT_MS: '300',
    },
    {
      redisUrl: redis.url,
      databaseUrl: (url) => url.replace('127.0.0.1:5432', `127.0.0.1:${proxy.port}`),
      logger: logs.logger,
    },
  );
  direct = new pg.Pool({ connectionString: f.database.url, max: 2 });
  await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/vehicles',
    payload: { vehicles: vehicles(5) },
  });
  const created = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/campaigns',
    payload: { name: 'Before', update: validUpdate, target: { filter: { model: 'e-golf' } } },
  });
  assert.equal(created.statusCode, 201, created.body);
  campaignId = created.json().id;
});

after(async () => {
  proxy?.restore();
  await redis?.start();
  await direct?.end();
  await f?.close();
  await proxy?.close();
  await redis?.stop();
});

/** Asserts a 503 is the coded dependency answer with Retry-After, naming `dependency`. */
function assertUnavailable(res: LightMyRequestResponse, dependency: string, what: string): void {
  assert.equal(res.statusCode, 503, `${what}: ${res.statusCode} ${res.body}`);
  assert.equal(res.json().code, 'ROADCAST_ERR_DEPENDENCY_UNAVAILABLE', what);
  assert.equal(res.json().dependency, dependency, what);
  assert.ok(Number(res.headers['retry-after']) >= 1, `${what}: Retry-After`);
  assert.doesNotMatch(res.body, /ECONN|ioredis|pg_|stack|at /, `${what}: nothing internal`);
}

async function waitReady(): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await f.call(undefined, { method: 'GET', url: '/readyz' })).json().status !== 'ready') {
    assert.ok(Date.now() < deadline, 'the API became ready again without a restart');
    await sleep(200);
  }
}

const campaignCount = async (name: string) =>
  Number(
    (await direct.query('SELECT count(*) AS n FROM campaigns WHERE name = $1', [name])).rows[0].n,
  );

test('Redis down for 10 s: 503 with Retry-After where Redis is needed, never 500, Postgres-only reads still served; recovers by itself', async () => {
  await redis.kill();
  const answers = new Map<string, number[]>();
  const note = (what: string, res: LightMyRequestResponse) => {
    assert.notEqual(res.statusCode, 500, `${what}: ${res.body}`);
    answers.set(what, [...(answers.get(what) ?? []), res.statusCode]);
  };
  const viewer = (url: string) => f.call(f.keys.viewer, { method: 'GET', url });
  const end = Date.now() + OUTAGE_MS;
  while (Date.now() < end) {
    const list = await viewer('/v1/campaigns');
    note('list', list);
    assert.equal(list.statusCode, 200, 'campaigns are read from Postgres alone');
    assert.ok(list.headers['x-ratelimit-remaining'], 'rate limiting keeps working in process');
    note('detail', await viewer(`/v1/campaigns/${campaignId}`));
    const vehicle = await viewer(`/v1/vehicles/${vehicleId}`);
    note('vehicle', vehicle);
    assertUnavailable(vehicle, 'redis', 'vehicle presence');
    const pools = await viewer('/v1/pools');
    note('pools', pools);
    assertUnavailable(pools, 'redis', 'pool connection counts');
    const create = await f.call(f.keys.operator, {
      method: 'POST',
      url: '/v1/campaigns',
      payload: { name: 'During', update: validUpdate, target: { filter: {} } },
    });
    note('create', create);
    assertUnavailable(create, 'redis', 'campaign create');
    const upsert = await f.call(f.keys.operator, {
      method: 'POST',
      url: '/v1/vehicles',
      payload: { vehicles: vehicles(2) },
    });
    note('upsert', upsert);
    assert.equal(upsert.statusCode, 200, 'vehicles are stored; only the dashboard event is lost');
    const resume = await viewer('/v1/events?since=1-0');
    note('events', resume);
    assertUnavailable(resume, 'redis', 'event stream resume');
    await sleep(250);
  }
  const policy = await f.call(f.keys.admin, {
    method: 'PUT',
    url: '/v1/policy',
    payload: { document: {}, comment: 'during a Redis outage' },
  });
  assert.equal(policy.statusCode, 201, 'routers poll for policy: storing it needs only Postgres');
  const ready = await f.call(undefined, { method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 200, 'without Redis the API still serves: it stays in service');
  assert.equal(ready.json().status, 'degraded');
  assert.deepEqual(ready.json().checks, { database: 'ok', redis: 'failing' });
  assert.equal(await campaignCount('During'), 0, 'a create answered 503 stored nothing');

  const failed = [...answers.values()].flat().filter((s) => s === 503).length;
  assert.ok(failed >= 20, `many requests failed (${failed})`);
  const outageLines = logs.count('dependency unavailable') + logs.count('dependency still');
  assert.ok(outageLines >= 1 && outageLines <= 3, `${outageLines} log lines for ${failed} 503s`);
  assert.equal(logs.count('event not recorded') + logs.count('policy change not'), 0);

  await redis.start();
  await waitReady();
  const after = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/campaigns',
    payload: { name: 'After', update: validUpdate, target: { filter: { model: 'e-golf' } } },
  });
  assert.equal(after.statusCode, 201, after.body);
  assert.equal(after.json().status, 'running');
  assert.ok(
    (await f.app.deps.pipeline.queues.notices.getJobCountByTypes('prioritized', 'waiting')) > 0,
  );
  assert.equal(
    (await f.call(f.keys.viewer, { method: 'GET', url: `/v1/vehicles/${vehicleId}` })).statusCode,
    200,
  );
  assert.equal((await f.call(f.keys.viewer, { method: 'GET', url: '/v1/pools' })).statusCode, 200);
  assert.equal(logs.count('dependency available again'), 1);
});

test('Postgres unreachable for 10 s: 503 naming the database, never 500; recovers by itself', async () => {
  proxy.cut();
  const end = Date.now() + OUTAGE_MS;
  let failed = 0;
  while (Date.now() < end) {
    const list = await f.call(f.keys.viewer, { method: 'GET', url: '/v1/campaigns' });
    assertUnavailable(list, 'database', 'campaign list');
    const stranger = await f.call(`never-seen-key-${Date.now()}-xxxxxxxx`, {
      method: 'GET',
      url: '/v1/campaigns',
    });
    assertUnavailable(stranger, 'database', 'a key that must be looked up');
    const keys = await f.call(f.keys.viewer, { method: 'GET', url: '/v1/signing-keys' });
    assert.ok(
      [200, 503].includes(keys.statusCode),
      'cached keys may still read what needs no database',
    );
    failed += 2;
    await sleep(250);
  }
  const ready = await f.call(undefined, { method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 503);
  assert.equal(ready.json().status, 'not ready');
  assert.deepEqual(ready.json().checks, { database: 'failing', redis: 'ok' });
  const lines = logs.lines.filter((l) => l.dependency === 'database' && l.level === 'warn').length;
  assert.ok(lines >= 1 && lines <= 3, `${lines} warnings for ${failed} 503s`);

  proxy.restore();
  await waitReady();
  assert.equal(
    (await f.call(f.keys.viewer, { method: 'GET', url: '/v1/campaigns' })).statusCode,
    200,
  );
  const fresh = await f.call(f.keys.admin, {
    method: 'POST',
    url: '/v1/api-keys',
    payload: { name: 'after-outage', role: 'viewer' },
  });
  assert.equal(fresh.statusCode, 201);
});

test('Postgres gone silent (connections left open, nothing answered): 503 instead of a hanging request', async () => {
  proxy.silence();
  try {
    for (let i = 0; i < 4; i += 1) {
      const list = await f.call(f.keys.viewer, { method: 'GET', url: '/v1/campaigns?limit=2' });
      assertUnavailable(list, 'database', 'campaign list from a silent database');
    }
  } finally {
    proxy.restore();
  }
  await waitReady();
  assert.equal(
    (await f.call(f.keys.viewer, { method: 'GET', url: '/v1/campaigns?limit=2' })).statusCode,
    200,
  );
});

test('a pool with every connection busy answers 503 within the connect timeout, then serves again', async () => {
  const held = await Promise.all(Array.from({ length: 20 }, () => f.app.deps.db.pool.connect()));
  try {
    const res = await f.call(f.keys.viewer, { method: 'GET', url: '/v1/campaigns?limit=5' });
    assertUnavailable(res, 'database', 'exhausted pool');
  } finally {
    for (const client of held) client.release();
  }
  assert.equal(
    (await f.call(f.keys.viewer, { method: 'GET', url: '/v1/campaigns?limit=5' })).statusCode,
    200,
  );
});
