import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { CampaignCreateRequest, type CampaignOptions } from '@roadcast/contracts';
import { createCampaign, getCampaignDetail, type PipelineDeps } from '../src/index.js';
import { startCampaignsFixture, type CampaignsFixture } from './campaigns-fixture.js';

let fixture: CampaignsFixture;
let deps: PipelineDeps;

before(async () => {
  fixture = await startCampaignsFixture(
    'campaign_options',
    `INSERT INTO vehicles (id, model, region, software_version)
     SELECT 'OP' || lpad(g::text, 4, '0'), 'sedan', 'eu', '1.0.0' FROM generate_series(1, 20) g`,
    { fanoutBatchSize: 100 },
  );
  ({ deps } = fixture);
});

after(async () => {
  await fixture.close();
});

const update = {
  id: 'head-unit',
  version: '2.0.0',
  url: 'https://updates.example.com/h.bin',
  sha256: 'c'.repeat(64),
  size: 1,
};
const request = (options?: CampaignOptions, waves?: CampaignCreateRequest['rollout']) => ({
  name: 'options',
  update,
  target: { filter: { model: 'sedan' } },
  ...(options ? { options } : {}),
  ...(waves ? { rollout: waves } : {}),
});

test('a campaign stores every option and answers with all of them, defaults filled in', async () => {
  const options: CampaignOptions = {
    inProgressTimeout: 900,
    retry: { maxAttempts: 3 },
    onFailureThreshold: 'cancel',
    thresholdBasis: 'reached',
    dynamic: true,
    maintenanceWindows: [{ days: [7, 1], start: '22:30', end: '04:00' }],
    rate: { maxPerMinute: 600, ramp: { initialPerMinute: 10, factor: 2, stepSuccesses: 50 } },
    healthyBoot: { observationSeconds: 600 },
  };
  const { campaign } = await createCampaign(
    deps,
    request(options, {
      waves: [{ percent: 10, requiresApproval: true }, { percent: 100 }],
    }),
    { createdBy: 'test' },
  );
  assert.deepEqual(campaign.options, {
    inProgressTimeout: 900,
    retry: { maxAttempts: 3, backoffSeconds: 300, on: ['failed', 'timed_out'] },
    onFailureThreshold: 'cancel',
    thresholdBasis: 'reached',
    dynamic: true,
    maintenanceWindows: [{ days: [1, 7], start: '22:30', end: '04:00' }],
    rate: { maxPerMinute: 600, ramp: { initialPerMinute: 10, factor: 2, stepSuccesses: 50 } },
    healthyBoot: { observationSeconds: 600 },
  });
  assert.deepEqual(
    campaign.waves.map((w) => [w.requiresApproval, w.approvedAt, w.approvedBy]),
    [
      [true, null, null],
      [false, null, null],
    ],
  );
  assert.equal(campaign.endedReason, null);
  const plain = (await createCampaign(deps, request(), { createdBy: 'test' })).campaign;
  assert.deepEqual(plain.options, {
    inProgressTimeout: null,
    retry: null,
    onFailureThreshold: 'pause',
    thresholdBasis: 'target',
    dynamic: false,
    maintenanceWindows: [],
    rate: null,
    healthyBoot: null,
  });
  assert.deepEqual((await getCampaignDetail(deps.pool, plain.id))?.options, plain.options);
});

test('options that do not fit together are refused with a coded error, and nothing is stored', async () => {
  const refused: CampaignOptions[] = [
    { dynamic: true },
    { maintenanceWindows: [{ days: [1], start: '02:00', end: '02:00' }] },
    { rate: { maxPerMinute: 10, ramp: { initialPerMinute: 20, factor: 2, stepSeconds: 60 } } },
    { rate: { maxPerMinute: 10, ramp: { initialPerMinute: 1, factor: 2 } } },
    {
      rate: {
        maxPerMinute: 10,
        ramp: { initialPerMinute: 1, factor: 2, stepSeconds: 60, stepSuccesses: 5 },
      },
    },
  ];
  const { rows: before } = await deps.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM campaigns',
  );
  for (const options of refused) {
    const body = { ...request(options), target: { vehicleIds: ['OP0001'] } };
    await assert.rejects(createCampaign(deps, body, { createdBy: 'test' }), {
      code: 'ROADCAST_ERR_INVALID_OPTIONS',
    });
  }
  const { rows: after } = await deps.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM campaigns',
  );
  assert.equal(after[0]!.n, before[0]!.n);
});

test('the schema bounds every option', () => {
  const valid = (options: unknown) => Value.Check(CampaignCreateRequest, { ...request(), options });
  assert.equal(valid({ inProgressTimeout: 60 }), true);
  assert.equal(valid({ inProgressTimeout: 0 }), false);
  assert.equal(valid({ retry: { maxAttempts: 1 } }), false);
  assert.equal(valid({ retry: { maxAttempts: 2, on: ['rejected'] } }), false);
  assert.equal(valid({ onFailureThreshold: 'stop' }), false);
  assert.equal(valid({ maintenanceWindows: [{ days: [0], start: '01:00', end: '02:00' }] }), false);
  assert.equal(valid({ maintenanceWindows: [{ days: [1], start: '25:00', end: '02:00' }] }), false);
  assert.equal(valid({ rate: { maxPerMinute: 0 } }), false);
  assert.equal(
    valid({ rate: { maxPerMinute: 5, ramp: { initialPerMinute: 1, factor: 1, stepSeconds: 1 } } }),
    false,
  );
  assert.equal(valid({ healthyBoot: { observationSeconds: 0 } }), false);
  assert.equal(valid({ somethingElse: true }), false);
});

test('an idempotent repeat with other options is a conflict', async () => {
  const meta = { createdBy: 'test', idempotencyKey: 'options-1' };
  await createCampaign(deps, request({ inProgressTimeout: 60 }), meta);
  const again = await createCampaign(deps, request({ inProgressTimeout: 60 }), meta);
  assert.equal(again.replayed, true);
  await assert.rejects(createCampaign(deps, request({ inProgressTimeout: 61 }), meta), {
    code: 'ROADCAST_ERR_IDEMPOTENCY_MISMATCH',
  });
});
