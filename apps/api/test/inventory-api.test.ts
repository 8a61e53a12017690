import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { recordStatusReports } from '@roadcast/campaigns';
import { createDb, type Db } from '@roadcast/db';
import { startApiFixture, validUpdate, vehicles, type ApiFixture } from './api-fixture.js';

let f: ApiFixture;
let db: Db;
const fleet = vehicles(10, 'inventory');
const ids = fleet.map((v) => v.id);

before(async () => {
  f = await startApiFixture('api-inventory');
  db = createDb(f.database.url);
  const res = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/vehicles',
    payload: { vehicles: fleet },
  });
  assert.equal(res.statusCode, 200, res.body);
  // Six run the version a campaign will offer, three an older one, one never reported.
  const at = new Date().toISOString();
  await recordStatusReports(
    db.pool,
    ids.slice(0, 9).map((vehicleId, i) => ({
      vehicleId,
      reportedAt: at,
      softwareVersion: null,
      components: [
        { id: validUpdate.id, version: i < 6 ? validUpdate.version : '3.0.0' },
        { id: 'telematics', version: '7' },
      ],
      bootHealth: 'healthy',
      bootedAt: at,
    })),
  );
});

after(async () => {
  await db.close();
  await f.close();
});

test('a vehicle answers with what it reported: versions per component and boot health', async () => {
  const res = await f.call(f.keys.viewer, { method: 'GET', url: `/v1/vehicles/${ids[0]}` });
  assert.equal(res.statusCode, 200, res.body);
  const inventory = res.json().inventory;
  assert.equal(inventory.boot.health, 'healthy');
  assert.deepEqual(
    inventory.components.map((c: { id: string; version: string }) => `${c.id}@${c.version}`),
    [`${validUpdate.id}@${validUpdate.version}`, 'telematics@7'],
  );
  const silent = await f.call(f.keys.viewer, { method: 'GET', url: `/v1/vehicles/${ids[9]}` });
  assert.equal(silent.json().inventory, null);
});

test('vehicles per reported version, and the compliance of a campaign', async () => {
  const listed = await f.call(f.keys.viewer, { method: 'GET', url: '/v1/inventory/components' });
  assert.equal(listed.statusCode, 200);
  assert.deepEqual(listed.json().items, [
    { component: validUpdate.id, vehicles: 9 },
    { component: 'telematics', vehicles: 9 },
  ]);

  const created = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/campaigns',
    payload: { name: 'compliance', update: validUpdate, target: { vehicleIds: ids } },
  });
  assert.equal(created.statusCode, 201, created.body);
  const campaignId = created.json().id as string;
  const res = await f.call(f.keys.viewer, {
    method: 'GET',
    url: `/v1/inventory/components/${validUpdate.id}?campaignId=${campaignId}`,
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), {
    component: validUpdate.id,
    vehicles: 9,
    versions: [
      { version: validUpdate.version, vehicles: 6 },
      { version: '3.0.0', vehicles: 3 },
    ],
    compliance: {
      campaignId,
      version: validUpdate.version,
      targeted: 10,
      reporting: 9,
      onVersion: 6,
      share: 0.6,
    },
  });

  const other = await f.call(f.keys.viewer, {
    method: 'GET',
    url: `/v1/inventory/components/telematics?campaignId=${campaignId}`,
  });
  assert.equal(other.statusCode, 400);
  assert.equal(other.json().code, 'ROADCAST_ERR_VALIDATION');
  const missing = await f.call(f.keys.viewer, {
    method: 'GET',
    url: `/v1/inventory/components/telematics?campaignId=00000000-0000-4000-8000-000000000000`,
  });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().code, 'ROADCAST_ERR_CAMPAIGN_NOT_FOUND');
  const bad = await f.call(f.keys.viewer, {
    method: 'GET',
    url: `/v1/inventory/components/x?campaignId=not-a-uuid`,
  });
  assert.equal(bad.statusCode, 400);
  const unauthenticated = await f.call(undefined, {
    method: 'GET',
    url: `/v1/inventory/components/x`,
  });
  assert.equal(unauthenticated.statusCode, 401);
});

test('the inventory routes are in the OpenAPI document', async () => {
  const res = await f.call(f.keys.viewer, { method: 'GET', url: '/docs/json' });
  assert.equal(res.statusCode, 200);
  const paths = Object.keys(res.json().paths as Record<string, unknown>);
  assert.ok(paths.includes('/v1/inventory/components/{component}'), paths.join(', '));
  assert.ok(paths.includes('/v1/inventory/components'));
});

test('a campaign targets vehicles by the version they report, or by not running it', async () => {
  const targetSize = async (reportedVersion: Record<string, string>) => {
    const res = await f.call(f.keys.operator, {
      method: 'POST',
      url: '/v1/campaigns',
      payload: {
        name: 'by reported version',
        update: { ...validUpdate, version: '4.0.0' },
        target: { filter: { tags: ['inventory'], reportedVersion } },
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    const detail = await f.call(f.keys.viewer, {
      method: 'GET',
      url: `/v1/campaigns/${res.json().id}/deliveries?limit=100`,
    });
    return (detail.json().items as unknown[]).length;
  };
  assert.equal(await targetSize({ component: validUpdate.id, version: validUpdate.version }), 6);
  assert.equal(await targetSize({ component: validUpdate.id, notVersion: validUpdate.version }), 3);
  assert.equal(await targetSize({ component: 'telematics', notVersion: '7' }), 0);

  const both = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/campaigns',
    payload: {
      name: 'ambiguous',
      update: validUpdate,
      target: {
        filter: { reportedVersion: { component: 'x', version: '1', notVersion: '2' } },
      },
    },
  });
  assert.equal(both.statusCode, 400);
  assert.equal(both.json().code, 'ROADCAST_ERR_VALIDATION');
});
