import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { REDIS_URL, startApiFixture, vehicles, type ApiFixture } from './api-fixture.js';

let f: ApiFixture;
let subscriber: Redis;
const published: Array<[string, string]> = [];

before(async () => {
  f = await startApiFixture('api-fleet');
  subscriber = new Redis(REDIS_URL);
  subscriber.on('message', (channel: string, message: string) =>
    published.push([channel, message]),
  );
  await subscriber.subscribe(`${f.prefix}:topology-changed`, `${f.prefix}:policy-changed`);
  await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/vehicles',
    payload: { vehicles: vehicles(20) },
  });
});

after(async () => {
  subscriber.disconnect();
  await f.close();
});

test('edge pools and brokers: create, conflict, weights, drain and undrain, each announced to routers', async () => {
  const admin = f.keys.admin;
  const created = await f.call(admin, {
    method: 'POST',
    url: '/v1/pools',
    payload: { id: 'eu-1', name: 'Europe 1', weight: 200 },
  });
  assert.equal(created.statusCode, 201, created.body);
  assert.equal(created.json().health, 'unavailable', 'a pool without brokers is unavailable');
  assert.equal(
    (
      await f.call(admin, {
        method: 'POST',
        url: '/v1/pools',
        payload: { id: 'eu-1', name: 'again' },
      })
    ).statusCode,
    409,
  );
  for (const id of ['eu-1-a', 'eu-1-b']) {
    const res = await f.call(admin, {
      method: 'POST',
      url: '/v1/pools/eu-1/brokers',
      payload: { id, url: `mqtt://10.0.0.${id.endsWith('a') ? 1 : 2}:1883` },
    });
    assert.equal(res.statusCode, 201, res.body);
  }
  assert.equal(
    (
      await f.call(admin, {
        method: 'POST',
        url: '/v1/pools/nope/brokers',
        payload: { id: 'x-1', url: 'mqtt://10.0.0.9:1883' },
      })
    ).statusCode,
    404,
  );
  const drained = await f.call(admin, { method: 'POST', url: '/v1/brokers/eu-1-b/drain' });
  assert.equal(drained.statusCode, 200);
  assert.equal(drained.json().health, 'degraded');
  assert.equal(
    drained.json().brokers.find((b: { id: string }) => b.id === 'eu-1-b').state,
    'draining',
  );
  const undrained = await f.call(admin, { method: 'POST', url: '/v1/brokers/eu-1-b/undrain' });
  assert.equal(undrained.json().health, 'healthy');
  const weighted = await f.call(admin, {
    method: 'POST',
    url: '/v1/pools/eu-1/weight',
    payload: { weight: 50 },
  });
  assert.equal(weighted.json().weight, 50);
  assert.equal(
    (await f.call(admin, { method: 'POST', url: '/v1/brokers/missing/drain' })).statusCode,
    404,
  );
  const list = await f.call(f.keys.viewer, { method: 'GET', url: '/v1/pools' });
  assert.equal(list.statusCode, 200);
  assert.equal(list.json().items[0].brokers.length, 2);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(published.filter(([c]) => c.endsWith(':topology-changed')).length >= 6);
});

test('a vehicle can be pinned or moved to a pool; unknown ones are 404', async () => {
  await f.call(f.keys.admin, {
    method: 'POST',
    url: '/v1/pools',
    payload: { id: 'eu-2', name: 'Europe 2' },
  });
  const id = vehicles(1)[0]!.id;
  const pinned = await f.call(f.keys.operator, {
    method: 'PUT',
    url: `/v1/vehicles/${id}/pool`,
    payload: { poolId: 'eu-2', mode: 'pin' },
  });
  assert.equal(pinned.statusCode, 200, pinned.body);
  assert.equal(pinned.json().poolId, 'eu-2');
  assert.equal(pinned.json().pinned, true);
  const moved = await f.call(f.keys.operator, {
    method: 'PUT',
    url: `/v1/vehicles/${vehicles(2)[1]!.id}/pool`,
    payload: { poolId: 'eu-1', mode: 'move' },
  });
  assert.equal(moved.json().poolId, 'eu-1');
  assert.equal(moved.json().pinned, false);
  assert.equal(
    (
      await f.call(f.keys.operator, {
        method: 'PUT',
        url: `/v1/vehicles/${id}/pool`,
        payload: { poolId: 'nowhere' },
      })
    ).statusCode,
    404,
  );
  assert.equal(
    (
      await f.call(f.keys.operator, {
        method: 'PUT',
        url: '/v1/vehicles/NOSUCHCAR/pool',
        payload: { poolId: 'eu-1' },
      })
    ).statusCode,
    404,
  );
});

test('router policy: validated replacement, new version announced, history kept', async () => {
  assert.equal((await f.call(f.keys.viewer, { method: 'GET', url: '/v1/policy' })).statusCode, 404);
  const invalid = await f.call(f.keys.admin, {
    method: 'PUT',
    url: '/v1/policy',
    payload: { document: { network: { allow: ['not-a-network'] } } },
  });
  assert.equal(invalid.statusCode, 400);
  assert.equal(invalid.json().code, 'ROADCAST_ERR_INVALID_POLICY');
  assert.ok(invalid.json().details.length > 0);
  const v1 = await f.call(f.keys.admin, {
    method: 'PUT',
    url: '/v1/policy',
    payload: { document: {}, comment: 'defaults' },
  });
  assert.equal(v1.statusCode, 201, v1.body);
  const v2 = await f.call(f.keys.admin, {
    method: 'PUT',
    url: '/v1/policy',
    payload: { document: { network: { deny: ['203.0.113.0/24'] } }, comment: 'block a range' },
  });
  assert.equal(v2.json().version, v1.json().version + 1);
  const current = await f.call(f.keys.viewer, { method: 'GET', url: '/v1/policy' });
  assert.equal(current.json().version, v2.json().version);
  assert.deepEqual((current.json().document as { network: { deny: string[] } }).network.deny, [
    '203.0.113.0/24',
  ]);
  const history = await f.call(f.keys.viewer, { method: 'GET', url: '/v1/policy/history' });
  assert.deepEqual(
    history.json().items.map((i: { comment: string }) => i.comment),
    ['block a range', 'defaults'],
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(
    published.some(([c, m]) => c.endsWith(':policy-changed') && m === String(v2.json().version)),
  );
});

test('API keys: created once with their secret, listed without it, revoked keys stop working', async () => {
  const created = await f.call(f.keys.admin, {
    method: 'POST',
    url: '/v1/api-keys',
    payload: { name: 'ci', role: 'viewer' },
  });
  assert.equal(created.statusCode, 201);
  const { key, id } = created.json();
  assert.match(key, /^rk_/);
  const list = await f.call(f.keys.admin, { method: 'GET', url: '/v1/api-keys' });
  assert.ok(!list.body.includes(key), 'secrets are never listed');
  assert.equal((await f.call(key, { method: 'GET', url: '/v1/campaigns' })).statusCode, 200);
  const revoked = await f.call(f.keys.admin, { method: 'DELETE', url: `/v1/api-keys/${id}` });
  assert.equal(revoked.statusCode, 200);
  assert.ok(revoked.json().revokedAt);
  assert.equal((await f.call(key, { method: 'GET', url: '/v1/campaigns' })).statusCode, 401);
  assert.equal(
    (
      await f.call(f.keys.admin, {
        method: 'DELETE',
        url: '/v1/api-keys/00000000-0000-4000-8000-000000000000',
      })
    ).statusCode,
    404,
  );
  const { rows } = await f.app.deps.db.pool.query(`SELECT hash FROM api_keys WHERE id = $1`, [id]);
  assert.notEqual(rows[0].hash, key, 'only the hash is stored');
});

test('vehicles can fetch the public keys that verify notices', async () => {
  const res = await f.call(f.keys.viewer, { method: 'GET', url: '/v1/signing-keys' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json().items, [
    { keyId: 'api-test', algorithm: 'Ed25519', publicKeyPem: f.publicKeyPem },
  ]);
});
