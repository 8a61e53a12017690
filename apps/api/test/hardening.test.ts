import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { buildApp } from '../src/app.js';
import { startApiFixture, validUpdate, type ApiFixture } from './api-fixture.js';
import { captureLogs } from './support/log-capture.js';

let f: ApiFixture;
let campaignId: string;

before(async () => {
  f = await startApiFixture('api-hardening');
  const created = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/campaigns',
    payload: { name: 'Cursor', update: validUpdate, target: { filter: { model: 'none' } } },
  });
  campaignId = created.json().id;
});

after(async () => {
  await f.close();
});

const appOptions = {
  rateLimitPerSecond: 1_000,
  unauthenticatedPerSecond: 1_000,
  rateLimitSyncMs: 0,
  bulkBodyLimitBytes: 1024 * 1024,
  eventsHeartbeatMs: 1_000,
  eventsMaxStreams: 10,
  eventsMaxStreamsPerKey: 2,
  eventsStreamBufferBytes: 64 * 1024,
  trustedProxies: [],
};

test('a revoked bootstrap admin key stays revoked when the API starts again with it', async () => {
  const other = await f.call(f.keys.admin, {
    method: 'POST',
    url: '/v1/api-keys',
    payload: { name: 'second-admin', role: 'admin' },
  });
  const secondAdmin = other.json().key as string;
  const keys = await f.call(secondAdmin, { method: 'GET', url: '/v1/api-keys' });
  const bootstrap = (keys.json().items as Array<{ id: string; name: string }>).find(
    (k) => k.name === 'bootstrap-admin',
  )!;
  const revoked = await f.call(secondAdmin, {
    method: 'DELETE',
    url: `/v1/api-keys/${bootstrap.id}`,
  });
  assert.equal(revoked.statusCode, 200);

  const logs = captureLogs('warn');
  const restarted = await buildApp(
    { ...f.app.deps, logger: logs.logger, registry: new Registry() },
    { ...appOptions, adminApiKey: f.keys.admin },
  );
  try {
    const res = await restarted.inject({
      method: 'GET',
      url: '/v1/api-keys',
      headers: { authorization: `Bearer ${f.keys.admin}` },
    });
    assert.equal(res.statusCode, 401);
    assert.equal(logs.count('ADMIN_API_KEY was revoked'), 1);
    const { rows } = await f.app.deps.db.pool.query(
      'SELECT revoked_at FROM api_keys WHERE id = $1',
      [bootstrap.id],
    );
    assert.ok(rows[0].revoked_at, 'still revoked in the database');
  } finally {
    await restarted.close();
  }
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

test('tampered, garbage and oversized cursors are 400 with a coded error, never 500', async () => {
  const uuid = '00000000-0000-4000-8000-000000000000';
  const cases: Array<[string, string]> = [
    [`/v1/campaigns?cursor=${b64(['2020-01-01T00:00:00.000Z', 'not-a-uuid'])}`, 'INVALID_CURSOR'],
    [`/v1/campaigns?cursor=${b64(['2020-01-01', uuid])}`, 'INVALID_CURSOR'],
    [`/v1/campaigns?cursor=${b64(['0000-01-01T00:00:00.000Z', uuid])}`, 'INVALID_CURSOR'],
    [`/v1/campaigns?cursor=${b64(['Tuesday', uuid])}`, 'INVALID_CURSOR'],
    [`/v1/campaigns?cursor=${b64([1, 2])}`, 'INVALID_CURSOR'],
    [`/v1/campaigns?cursor=${b64({ a: 1 })}`, 'INVALID_CURSOR'],
    ['/v1/campaigns?cursor=%25%25%25', 'INVALID_CURSOR'],
    ['/v1/campaigns?cursor=bm90IGpzb24', 'INVALID_CURSOR'],
    [`/v1/campaigns?cursor=${'a'.repeat(201)}`, 'VALIDATION'],
    [`/v1/vehicles?cursor=${b64('WVW\u0000')}`, 'INVALID_CURSOR'],
    [`/v1/vehicles?cursor=${b64('x'.repeat(65))}`, 'INVALID_CURSOR'],
    [`/v1/campaigns/${campaignId}/deliveries?cursor=${b64(-1)}`, 'INVALID_CURSOR'],
    [`/v1/campaigns/${campaignId}/deliveries?cursor=${b64(1e30)}`, 'INVALID_CURSOR'],
    [`/v1/campaigns/${campaignId}/deliveries?cursor=${b64('7')}`, 'INVALID_CURSOR'],
  ];
  for (const [url, code] of cases) {
    const res = await f.call(f.keys.viewer, { method: 'GET', url });
    assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
    assert.equal(res.json().code, `ROADCAST_ERR_${code}`, url);
  }
  const good = await f.call(f.keys.viewer, {
    method: 'GET',
    url: `/v1/campaigns?cursor=${b64([new Date().toISOString(), uuid])}`,
  });
  assert.equal(good.statusCode, 200, 'a well-formed cursor still pages');
});

test('every answer says nosniff; API answers also forbid framing, scripts and caching', async () => {
  const answers = {
    json: await f.call(f.keys.viewer, { method: 'GET', url: '/v1/campaigns' }),
    unauthorized: await f.call(undefined, { method: 'GET', url: '/v1/campaigns' }),
    notFound: await f.call(f.keys.viewer, { method: 'GET', url: '/v1/nothing' }),
    invalid: await f.call(f.keys.viewer, { method: 'GET', url: '/v1/campaigns/not-a-uuid' }),
    health: await f.call(undefined, { method: 'GET', url: '/healthz' }),
    metrics: await f.call(undefined, { method: 'GET', url: '/metrics' }),
    page: await f.call(undefined, { method: 'GET', url: '/' }),
  };
  for (const [name, res] of Object.entries(answers)) {
    assert.equal(res.headers['x-content-type-options'], 'nosniff', name);
    assert.equal(res.headers['x-frame-options'], 'DENY', name);
    assert.equal(res.headers['referrer-policy'], 'no-referrer', name);
  }
  for (const name of ['json', 'unauthorized', 'notFound', 'invalid', 'health'] as const) {
    assert.equal(
      answers[name].headers['content-security-policy'],
      "default-src 'none'; frame-ancestors 'none'",
      name,
    );
    assert.equal(answers[name].headers['cache-control'], 'no-store', name);
  }
  assert.match(
    String(answers.page.headers['content-security-policy']),
    /script-src 'self'/,
    'the dashboard keeps its own policy',
  );

  const { port } = f;
  const controller = new AbortController();
  const stream = await fetch(`http://127.0.0.1:${port}/v1/events`, {
    headers: { authorization: `Bearer ${f.keys.viewer}` },
    signal: controller.signal,
  });
  assert.equal(stream.status, 200);
  assert.equal(stream.headers.get('x-content-type-options'), 'nosniff', 'event stream');
  controller.abort();
});
