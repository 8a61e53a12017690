import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApiFixture, validUpdate, vehicles, type ApiFixture } from './api-fixture.js';

let f: ApiFixture;

before(async () => {
  f = await startApiFixture('api-pacing');
});

after(async () => {
  await f.close();
});

test('an admin sets a region’s time zone; the change is listed and audited', async () => {
  const put = await f.call(f.keys.admin, {
    method: 'PUT',
    url: '/v1/regions/eu-central',
    payload: { timeZone: 'Europe/Berlin' },
    headers: { 'x-request-id': 'req-region-0001' },
  });
  assert.equal(put.statusCode, 200, put.body);
  assert.equal(put.json().timeZone, 'Europe/Berlin');
  const again = await f.call(f.keys.admin, {
    method: 'PUT',
    url: '/v1/regions/eu-central',
    payload: { timeZone: 'Europe/Lisbon' },
  });
  assert.equal(again.json().timeZone, 'Europe/Lisbon');

  const list = await f.call(f.keys.viewer, { method: 'GET', url: '/v1/regions' });
  assert.equal(list.statusCode, 200);
  assert.deepEqual(
    (list.json().items as Array<{ id: string; timeZone: string }>).map((r) => [r.id, r.timeZone]),
    [['eu-central', 'Europe/Lisbon']],
  );
  const { rows } = await f.app.deps.db.pool.query(
    'SELECT action, target_type, target_id, details FROM audit_log WHERE request_id = $1',
    ['req-region-0001'],
  );
  assert.equal(rows.length, 1);
  assert.equal(rows[0].action, 'region.update');
  assert.equal(rows[0].target_type, 'region');
  assert.equal(rows[0].target_id, 'eu-central');
});

test('an unknown time zone, a malformed id or body, or a lesser role is refused with a coded error', async () => {
  const unknown = await f.call(f.keys.admin, {
    method: 'PUT',
    url: '/v1/regions/eu-central',
    payload: { timeZone: 'Europe/Atlantis' },
  });
  assert.equal(unknown.statusCode, 400);
  assert.equal(unknown.json().code, 'ROADCAST_ERR_INVALID_TIME_ZONE');
  const extra = await f.call(f.keys.admin, {
    method: 'PUT',
    url: '/v1/regions/eu-central',
    payload: { timeZone: 'UTC', offset: 2 },
  });
  assert.equal(extra.statusCode, 400);
  assert.equal(extra.json().code, 'ROADCAST_ERR_VALIDATION');
  const badId = await f.call(f.keys.admin, {
    method: 'PUT',
    url: '/v1/regions/has%20space',
    payload: { timeZone: 'UTC' },
  });
  assert.equal(badId.statusCode, 400);
  const operator = await f.call(f.keys.operator, {
    method: 'PUT',
    url: '/v1/regions/eu-central',
    payload: { timeZone: 'UTC' },
  });
  assert.equal(operator.statusCode, 403);
});

test('the regions routes are in the OpenAPI document', async () => {
  const doc = (await f.call(undefined, { method: 'GET', url: '/docs/json' })).json() as {
    paths: Record<string, Record<string, unknown>>;
  };
  assert.ok(doc.paths['/v1/regions']?.get);
  assert.ok(doc.paths['/v1/regions/{id}']?.put);
});

test('a campaign answers with the rate its ramp allows now; without a rate, null', async () => {
  const fleet = vehicles(3, 'paced', 900);
  await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/vehicles',
    payload: { vehicles: fleet },
  });
  const create = async (options: object) => {
    const res = await f.call(f.keys.operator, {
      method: 'POST',
      url: '/v1/campaigns',
      payload: {
        name: 'paced',
        update: validUpdate,
        target: { vehicleIds: fleet.map((v) => v.id) },
        options,
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    return (res.json() as { id: string }).id;
  };
  const ramped = await create({
    rate: { maxPerMinute: 1_000, ramp: { initialPerMinute: 50, factor: 2, stepSuccesses: 10 } },
  });
  const flat = await create({ rate: { maxPerMinute: 300 } });
  const free = await create({});
  const detail = async (id: string) =>
    (await f.call(f.keys.viewer, { method: 'GET', url: `/v1/campaigns/${id}` })).json() as {
      allowedPerMinute: number | null;
    };
  assert.equal((await detail(ramped)).allowedPerMinute, 50);
  assert.equal((await detail(flat)).allowedPerMinute, 300);
  assert.equal((await detail(free)).allowedPerMinute, null);
  // Twenty installs are two steps of the ramp: 50 → 100 → 200.
  await f.app.deps.db.pool.query(
    `INSERT INTO campaign_counters (campaign_id, wave, state, count) VALUES ($1, 0, 'installed', 20)
     ON CONFLICT (campaign_id, wave, state) DO UPDATE SET count = campaign_counters.count + 20`,
    [ramped],
  );
  // Campaign answers may be a moment old (the API's status cache).
  const deadline = Date.now() + 10_000;
  while ((await detail(ramped)).allowedPerMinute !== 200 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal((await detail(ramped)).allowedPerMinute, 200);
  const list = (await f.call(f.keys.viewer, { method: 'GET', url: '/v1/campaigns' })).json() as {
    items: Array<{ id: string; allowedPerMinute: number | null }>;
  };
  assert.equal(list.items.find((c) => c.id === flat)?.allowedPerMinute, 300);
});
