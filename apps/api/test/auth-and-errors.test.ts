import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startApiFixture, validUpdate, type ApiFixture } from './api-fixture.js';

let f: ApiFixture;

before(async () => {
  f = await startApiFixture('api-auth', { RATE_LIMIT_PER_SECOND: '20' });
});

after(async () => {
  await f.close();
});

const campaignBody = { name: 'Roles', update: validUpdate, target: { filter: { model: 'none' } } };

test('requests without a valid key are 401 with a coded body and request id', async () => {
  for (const key of [undefined, 'not-a-real-key-0123456789']) {
    const res = await f.call(key, {
      method: 'GET',
      url: '/v1/campaigns',
      headers: { 'x-request-id': 'req-auth-0001' },
    });
    assert.equal(res.statusCode, 401);
    assert.deepEqual(Object.keys(res.json()).sort(), ['code', 'message', 'requestId']);
    assert.equal(res.json().code, 'ROADCAST_ERR_UNAUTHORIZED');
    assert.equal(res.json().requestId, 'req-auth-0001');
    assert.equal(res.headers['x-request-id'], 'req-auth-0001');
  }
});

test('role matrix: viewers read, operators run campaigns, only admins change policy, pools and keys', async () => {
  const cases: Array<[keyof ApiFixture['keys'], string, string, unknown, number]> = [
    ['viewer', 'GET', '/v1/campaigns', undefined, 200],
    ['viewer', 'POST', '/v1/campaigns', campaignBody, 403],
    [
      'viewer',
      'POST',
      '/v1/vehicles',
      { vehicles: [{ id: 'V1', model: 'm', region: 'r', softwareVersion: '1' }] },
      403,
    ],
    ['operator', 'POST', '/v1/campaigns', campaignBody, 201],
    ['operator', 'PUT', '/v1/policy', { document: {} }, 403],
    ['operator', 'POST', '/v1/pools', { id: 'p1', name: 'P1' }, 403],
    ['operator', 'GET', '/v1/api-keys', undefined, 403],
    ['admin', 'PUT', '/v1/policy', { document: {} }, 201],
    ['admin', 'POST', '/v1/campaigns', campaignBody, 201],
    ['admin', 'GET', '/v1/api-keys', undefined, 200],
  ];
  for (const [role, method, url, payload, status] of cases) {
    const res = await f.call(f.keys[role], {
      method: method as 'GET',
      url,
      ...(payload ? { payload: payload as object } : {}),
    });
    assert.equal(res.statusCode, status, `${role} ${method} ${url}: ${res.body}`);
    if (status === 403) assert.equal(res.json().code, 'ROADCAST_ERR_FORBIDDEN');
  }
});

test('mutating calls leave audit entries with actor, action, target and request id', async () => {
  const res = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/campaigns',
    payload: campaignBody,
    headers: { 'x-request-id': 'req-audit-0001' },
  });
  assert.equal(res.statusCode, 201);
  const { rows } = await f.app.deps.db.pool.query(
    'SELECT actor, action, target_type, target_id, request_id FROM audit_log WHERE request_id = $1',
    ['req-audit-0001'],
  );
  assert.equal(rows.length, 1);
  assert.match(rows[0].actor, /^operator-key/);
  assert.equal(rows[0].action, 'campaign.create');
  assert.equal(rows[0].target_type, 'campaign');
  assert.equal(rows[0].target_id, res.json().id);
});

test('more requests per second than the limit are answered 429 with Retry-After', async () => {
  const answers = await Promise.all(
    Array.from({ length: 60 }, () =>
      f.call(f.keys.viewer, { method: 'GET', url: '/v1/campaigns?limit=1' }),
    ),
  );
  const limited = answers.filter((r) => r.statusCode === 429);
  assert.ok(limited.length > 0, 'some requests are limited');
  assert.ok(answers.every((r) => r.statusCode === 200 || r.statusCode === 429));
  assert.equal(limited[0]!.json().code, 'ROADCAST_ERR_RATE_LIMITED');
  assert.equal(limited[0]!.headers['retry-after'], '1');
  await new Promise((resolve) => setTimeout(resolve, 1_100));
});

test('fuzzed, malformed and oversized bodies get 4xx, never 5xx', async () => {
  const random = (depth: number): unknown => {
    const pick = randomBytes(1)[0]! % 8;
    if (depth > 3 || pick < 3) {
      return [null, true, -1, 1e308, '', 'x'.repeat(300), '\u0000\uffff', 3.5][
        randomBytes(1)[0]! % 8
      ];
    }
    if (pick < 5) return Array.from({ length: randomBytes(1)[0]! % 4 }, () => random(depth + 1));
    const keys = [
      'name',
      'update',
      'target',
      'vehicles',
      'id',
      'sha256',
      'rollout',
      'waves',
      'percent',
      'document',
      '__proto__',
      'constructor',
    ];
    return Object.fromEntries(
      keys.filter(() => randomBytes(1)[0]! % 2 === 0).map((k) => [k, random(depth + 1)]),
    );
  };
  const targets: Array<[string, string]> = [
    ['POST', '/v1/campaigns'],
    ['POST', '/v1/vehicles'],
    ['PUT', '/v1/policy'],
    ['POST', '/v1/pools'],
    ['POST', '/v1/api-keys'],
  ];
  for (let i = 0; i < 150; i += 1) {
    const [method, url] = targets[i % targets.length]!;
    const res = await f.call(f.keys.admin, {
      method: method as 'POST',
      url,
      payload: JSON.stringify(random(0)),
      headers: { 'content-type': 'application/json' },
    });
    assert.ok(
      res.statusCode >= 400 && res.statusCode < 500,
      `${method} ${url} answered ${res.statusCode}: ${res.body}`,
    );
    assert.match(res.json().code, /^ROADCAST_ERR_/);
    if (i % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 1_050));
  }
  const malformed = await f.call(f.keys.admin, {
    method: 'POST',
    url: '/v1/campaigns',
    payload: '{"name": ',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(malformed.statusCode, 400);
  const wrongType = await f.call(f.keys.admin, {
    method: 'POST',
    url: '/v1/campaigns',
    payload: 'name=x',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(wrongType.statusCode, 415);
  const huge = await f.call(f.keys.admin, {
    method: 'POST',
    url: '/v1/campaigns',
    payload: JSON.stringify({ ...campaignBody, name: 'x'.repeat(2 * 1024 * 1024) }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(huge.statusCode, 413);
  assert.equal(huge.json().code, 'ROADCAST_ERR_PAYLOAD_TOO_LARGE');
  const badParam = await f.call(f.keys.viewer, { method: 'GET', url: '/v1/campaigns/not-a-uuid' });
  assert.equal(badParam.statusCode, 400);
  const unknown = await f.call(f.keys.viewer, { method: 'GET', url: '/v1/nothing-here' });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().code, 'ROADCAST_ERR_NOT_FOUND');
});

test('health, readiness, metrics and the OpenAPI document need no key', async () => {
  assert.equal((await f.call(undefined, { method: 'GET', url: '/healthz' })).statusCode, 200);
  const ready = await f.call(undefined, { method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(ready.json().checks, { database: 'ok', redis: 'ok' });
  const metrics = await f.call(undefined, { method: 'GET', url: '/metrics' });
  assert.equal(metrics.statusCode, 200);
  assert.match(
    metrics.body,
    /roadcast_api_request_duration_seconds_count\{route="\/v1\/campaigns",method="GET",status="2xx"/,
  );
  const doc = await f.call(undefined, { method: 'GET', url: '/docs/json' });
  assert.equal(doc.statusCode, 200);
  const paths = Object.keys(doc.json().paths);
  for (const p of [
    '/v1/campaigns',
    '/v1/campaigns/{id}',
    '/v1/vehicles',
    '/v1/pools',
    '/v1/policy',
    '/v1/events',
  ]) {
    assert.ok(paths.includes(p), `OpenAPI lists ${p}`);
  }
});
