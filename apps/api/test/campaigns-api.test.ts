import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DELIVERY_STATES } from '@roadcast/contracts';
import { startApiFixture, validUpdate, vehicles, type ApiFixture } from './api-fixture.js';

let f: ApiFixture;

before(async () => {
  f = await startApiFixture('api-campaigns');
  const res = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/vehicles',
    payload: { vehicles: vehicles(2_000) },
  });
  assert.equal(res.statusCode, 200, res.body);
});

after(async () => {
  await f.close();
});

test('bulk registration creates, then updates, thousands of vehicles in one request', async () => {
  const again = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/vehicles',
    payload: {
      vehicles: [
        ...vehicles(10),
        ...vehicles(5, 'late', 2_001).map((v) => ({
          ...v,
          model: 'late',
          softwareVersion: '9.9.9',
        })),
      ],
    },
  });
  assert.equal(again.statusCode, 200);
  assert.deepEqual(again.json(), { created: 5, updated: 10 });
  const bad = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/vehicles',
    payload: { vehicles: [{ id: 'a/b', model: 'x', region: 'y', softwareVersion: '1' }] },
  });
  assert.equal(bad.statusCode, 400);
  assert.equal(
    (
      await f.call(f.keys.operator, {
        method: 'POST',
        url: '/v1/vehicles',
        payload: { vehicles: [] },
      })
    ).statusCode,
    400,
  );
});

test('vehicles list by filter with cursor pagination, and one vehicle with its open deliveries', async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await f.call(f.keys.viewer, {
      method: 'GET',
      url: `/v1/vehicles?model=e-golf&tag=beta&limit=70${cursor ? `&cursor=${cursor}` : ''}`,
    });
    assert.equal(res.statusCode, 200);
    const page = res.json() as {
      items: Array<{ id: string; model: string; tags: string[] }>;
      nextCursor: string | null;
    };
    for (const v of page.items) {
      assert.equal(v.model, 'e-golf');
      assert.ok(v.tags.includes('beta'));
      seen.push(v.id);
    }
    cursor = page.nextCursor;
  } while (cursor);
  assert.equal(seen.length, 200, 'every 10th of 2,000 is an e-golf in beta');
  assert.deepEqual([...seen].sort(), seen, 'ordered by id');
  assert.equal(new Set(seen).size, seen.length, 'no vehicle twice');

  const one = await f.call(f.keys.viewer, { method: 'GET', url: `/v1/vehicles/${seen[0]}` });
  assert.equal(one.statusCode, 200);
  assert.equal(one.json().presence, null);
  assert.deepEqual(one.json().openDeliveries, []);
  assert.equal(
    (await f.call(f.keys.viewer, { method: 'GET', url: '/v1/vehicles/UNKNOWN1' })).statusCode,
    404,
  );
  assert.equal(
    (await f.call(f.keys.viewer, { method: 'GET', url: '/v1/vehicles?cursor=garbage' })).statusCode,
    400,
  );
});

test('a campaign is created with every delivery materialized and read back from the counters', async () => {
  const res = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/campaigns',
    payload: {
      name: 'Body control 3.4.5',
      update: validUpdate,
      target: { filter: { softwareVersion: '1.0.0' } },
      rollout: {
        waves: [{ percent: 20, successThreshold: 0.9, failureThreshold: 0.02 }, { percent: 100 }],
      },
      priority: 7,
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  const created = res.json();
  assert.equal(created.status, 'running');
  assert.equal(created.total, 500);
  assert.deepEqual(Object.keys(created.counts).sort(), [...DELIVERY_STATES].sort());
  assert.equal(created.counts.pending, 500);
  assert.deepEqual(
    created.waves.map((w: { size: number; state: string }) => [w.size, w.state]),
    [
      [100, 'running'],
      [400, 'pending'],
    ],
  );

  const got = await f.call(f.keys.viewer, { method: 'GET', url: `/v1/campaigns/${created.id}` });
  assert.equal(got.statusCode, 200);
  assert.equal(got.json().counts.pending, 500);
  assert.deepEqual(got.json().materialization, { state: 'done', target: 500, written: 500 });
  assert.equal(
    (
      await f.call(f.keys.viewer, {
        method: 'GET',
        url: '/v1/campaigns/00000000-0000-4000-8000-000000000000',
      })
    ).statusCode,
    404,
  );

  const list = await f.call(f.keys.viewer, {
    method: 'GET',
    url: '/v1/campaigns?status=running&limit=10',
  });
  assert.ok(list.json().items.some((c: { id: string }) => c.id === created.id));

  const first = await f.call(f.keys.viewer, {
    method: 'GET',
    url: `/v1/campaigns/${created.id}/deliveries?state=pending&limit=300`,
  });
  assert.equal(first.statusCode, 200);
  assert.equal(first.json().items.length, 300);
  const second = await f.call(f.keys.viewer, {
    method: 'GET',
    url: `/v1/campaigns/${created.id}/deliveries?state=pending&limit=300&cursor=${first.json().nextCursor}`,
  });
  assert.equal(second.json().items.length, 200);
  assert.equal(second.json().nextCursor, null);
  const vehicle = await f.call(f.keys.viewer, {
    method: 'GET',
    url: `/v1/vehicles/${first.json().items[0].vehicleId}`,
  });
  assert.equal(vehicle.json().openDeliveries[0].campaignId, created.id);
});

test('Idempotency-Key makes a retried create return the same campaign; another body is a conflict', async () => {
  const body = {
    name: 'Idempotent',
    update: validUpdate,
    target: { vehicleIds: ['WVW00000000000001', 'WVW00000000000002'] },
  };
  const headers = { 'idempotency-key': 'retry-0001' };
  const a = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/campaigns',
    payload: body,
    headers,
  });
  const b = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/campaigns',
    payload: body,
    headers,
  });
  assert.equal(a.statusCode, 201);
  assert.equal(b.statusCode, 201);
  assert.equal(b.json().id, a.json().id);
  assert.equal(b.headers['idempotent-replay'], 'true');
  const c = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/campaigns',
    payload: { ...body, name: 'Other' },
    headers,
  });
  assert.equal(c.statusCode, 409);
  assert.equal(c.json().code, 'ROADCAST_ERR_IDEMPOTENCY_MISMATCH');
});

test('invalid campaigns are refused with the reason', async () => {
  const cases: Array<[unknown, string]> = [
    [
      { name: 'x', update: { ...validUpdate, sha256: 'abc' }, target: { filter: {} } },
      'ROADCAST_ERR_VALIDATION',
    ],
    [{ name: 'x', update: validUpdate }, 'ROADCAST_ERR_VALIDATION'],
    [{ name: 'x', update: validUpdate, target: {} }, 'ROADCAST_ERR_VALIDATION'],
    [
      {
        name: 'x',
        update: validUpdate,
        target: { filter: {} },
        rollout: { waves: [{ percent: 60 }, { percent: 30 }] },
      },
      'ROADCAST_ERR_INVALID_ROLLOUT',
    ],
    [
      { name: 'x', update: validUpdate, target: { filter: {} }, expiresAt: '2001-01-01T00:00:00Z' },
      'ROADCAST_ERR_INVALID_SCHEDULE',
    ],
  ];
  for (const [payload, code] of cases) {
    const res = await f.call(f.keys.operator, {
      method: 'POST',
      url: '/v1/campaigns',
      payload: payload as object,
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().code, code);
  }
});

test('whoever changes a campaign reads the change back at once, though reads are shared', async () => {
  const created = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/campaigns',
    payload: { name: 'Read back', update: validUpdate, target: { filter: { region: 'eu-west' } } },
  });
  const id = created.json().id;
  const read = async () =>
    (await f.call(f.keys.viewer, { method: 'GET', url: `/v1/campaigns/${id}` })).json().status;
  // Each step reads, changes and reads again well inside the 250 ms a read is shared.
  for (const [action, status] of [
    ['pause', 'paused'],
    ['resume', 'running'],
    ['pause', 'paused'],
    ['cancel', 'cancelled'],
  ] as const) {
    await read();
    const changed = await f.call(f.keys.operator, {
      method: 'POST',
      url: `/v1/campaigns/${id}/${action}`,
    });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(await read(), status, `read right after ${action}`);
  }
});

test('pause, resume and cancel answer with the campaign and refuse impossible moves', async () => {
  const created = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/campaigns',
    payload: { name: 'Control', update: validUpdate, target: { filter: { region: 'eu-west' } } },
  });
  const id = created.json().id;
  const pause = await f.call(f.keys.operator, {
    method: 'POST',
    url: `/v1/campaigns/${id}/pause`,
    payload: { reason: 'hold on' },
  });
  assert.equal(pause.statusCode, 200);
  assert.equal(pause.json().status, 'paused');
  assert.equal(pause.json().pausedReason, 'hold on');
  assert.equal(
    (await f.call(f.keys.operator, { method: 'POST', url: `/v1/campaigns/${id}/pause` }))
      .statusCode,
    409,
  );
  assert.equal(
    (await f.call(f.keys.viewer, { method: 'POST', url: `/v1/campaigns/${id}/resume` })).statusCode,
    403,
  );
  const resume = await f.call(f.keys.operator, {
    method: 'POST',
    url: `/v1/campaigns/${id}/resume`,
  });
  assert.equal(resume.json().status, 'running');
  const cancel = await f.call(f.keys.operator, {
    method: 'POST',
    url: `/v1/campaigns/${id}/cancel`,
  });
  assert.equal(cancel.statusCode, 200);
  assert.equal(cancel.json().status, 'cancelled');
  assert.equal(cancel.json().counts.cancelled, cancel.json().total);
  const again = await f.call(f.keys.operator, {
    method: 'POST',
    url: `/v1/campaigns/${id}/cancel`,
  });
  assert.equal(again.statusCode, 409);
  assert.equal(again.json().code, 'ROADCAST_ERR_CAMPAIGN_STATE');
  assert.equal(
    (
      await f.call(f.keys.operator, {
        method: 'POST',
        url: '/v1/campaigns/00000000-0000-4000-8000-000000000000/cancel',
      })
    ).statusCode,
    404,
  );
  const { rows } = await f.app.deps.db.pool.query(
    'SELECT action FROM audit_log WHERE target_id = $1 ORDER BY id',
    [id],
  );
  assert.deepEqual(
    rows.map((r) => r.action),
    ['campaign.create', 'campaign.pause', 'campaign.resume', 'campaign.cancel'],
  );
});

test('retry starts new attempts of failed and timed-out deliveries, is audited and documented, and refuses what it cannot do', async () => {
  const ids = ['WVW00000000000011', 'WVW00000000000012', 'WVW00000000000013', 'WVW00000000000014'];
  const created = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/campaigns',
    payload: { name: 'Retry', update: validUpdate, target: { vehicleIds: ids } },
  });
  const id = created.json().id;
  const pool = f.app.deps.db.pool;
  await pool.query(
    `UPDATE deliveries SET state = v.state::delivery_state FROM (VALUES ($2, 'failed'), ($3, 'timed_out'), ($4, 'rejected'))
     AS v(vehicle, state) WHERE campaign_id = $1 AND vehicle_id = v.vehicle`,
    [id, ids[0], ids[1], ids[2]],
  );
  const post = (body: unknown, key = f.keys.operator, campaign = id) =>
    f.call(key, {
      method: 'POST',
      url: `/v1/campaigns/${campaign}/retry`,
      ...(body === undefined ? {} : { payload: body as object }),
    });

  assert.equal((await post(undefined, f.keys.viewer)).statusCode, 403);
  for (const bad of [
    { states: ['installed'] },
    { states: [] },
    { wave: -1 },
    { maxAttempts: 1 },
    { x: 1 },
  ]) {
    const res = await post(bad);
    assert.equal(res.statusCode, 400, JSON.stringify(bad));
    assert.equal(res.json().code, 'ROADCAST_ERR_VALIDATION');
  }
  const unknownWave = await post({ wave: 3 });
  assert.equal(unknownWave.statusCode, 422);
  assert.equal(unknownWave.json().code, 'ROADCAST_ERR_UNKNOWN_WAVE');

  const res = await post(undefined);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().retried, 2);
  assert.equal(res.json().campaign.counts.rejected, 1);
  assert.equal(res.json().campaign.counts.failed + res.json().campaign.counts.timed_out, 0);
  const list = await f.call(f.keys.viewer, {
    method: 'GET',
    url: `/v1/campaigns/${id}/deliveries?limit=10`,
  });
  const attempts = Object.fromEntries(
    list.json().items.map((d: { vehicleId: string; attempt: number }) => [d.vehicleId, d.attempt]),
  );
  assert.deepEqual(
    ids.map((v) => attempts[v]),
    [2, 2, 1, 1],
  );
  const rejected = await post({ states: ['rejected'] });
  assert.equal(rejected.json().retried, 1);

  const { rows } = await pool.query(
    `SELECT actor, details FROM audit_log WHERE target_id = $1 AND action = 'campaign.retry' ORDER BY id`,
    [id],
  );
  assert.deepEqual(
    rows.map((r) => r.details),
    // The default states are filled in, so the audit says what was retried.
    [
      { states: ['failed', 'timed_out'], retried: 2 },
      { states: ['rejected'], retried: 1 },
    ],
  );
  assert.match(rows[0].actor, /operator/);

  await f.call(f.keys.operator, { method: 'POST', url: `/v1/campaigns/${id}/cancel` });
  const refused = await post(undefined);
  assert.equal(refused.statusCode, 409);
  assert.equal(refused.json().code, 'ROADCAST_ERR_CAMPAIGN_STATE');
  assert.equal(
    (await post(undefined, f.keys.operator, '00000000-0000-4000-8000-000000000000')).statusCode,
    404,
  );
  const doc = await f.call(undefined, { method: 'GET', url: '/docs/json' });
  const route = doc.json().paths['/v1/campaigns/{id}/retry'];
  assert.ok(route?.post, 'OpenAPI lists the retry route');
  assert.deepEqual(Object.keys(route.post.responses).sort(), [
    '200',
    '400',
    '401',
    '403',
    '404',
    '409',
    '422',
    '429',
    '500',
    '503',
  ]);
});
