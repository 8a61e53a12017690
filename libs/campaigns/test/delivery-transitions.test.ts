import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CAMPAIGN_STATUSES,
  DELIVERY_OPERATIONS,
  DELIVERY_STATES,
  WAVE_STATES,
  canTransition,
  type DeliveryOperationName,
  type DeliveryStateName,
} from '@roadcast/contracts';
import type { Db } from '@roadcast/db';
import {
  applyAcks,
  cancelCampaign,
  expireCampaigns,
  noteResend,
  recordPublishOutcomes,
  retryDeliveries,
  timeOutDeliveries,
  verifyBoot,
  type AckReport,
  type PipelineDeps,
} from '../src/index.js';
import {
  deliveryGuard,
  deliverySourcesIn,
  deliveryTargetsIn,
} from '../src/transitions/state-sql.js';
import { startCampaignsFixture, type CampaignsFixture } from './campaigns-fixture.js';
import { seedCampaign, statesById } from './seed-campaign.js';

let fixture: CampaignsFixture;
let db: Db;
let deps: PipelineDeps;

before(async () => {
  fixture = await startCampaignsFixture('transitions', 'SELECT 1', { fanoutBatchSize: 100 });
  ({ db, deps } = fixture);
});

after(async () => {
  await fixture.close();
});

const OPERATIONS = Object.keys(DELIVERY_OPERATIONS) as DeliveryOperationName[];
const sources = (operation: DeliveryOperationName): readonly DeliveryStateName[] =>
  DELIVERY_OPERATIONS[operation].from;

/** What the table says a delivery in `from` becomes when `operation` aims at `to`. */
const expected = (
  operation: DeliveryOperationName,
  from: DeliveryStateName,
  to: DeliveryStateName,
) => (canTransition(operation, from, to) ? to : from);

test('the enums in Postgres list the states in the order the contracts define', async () => {
  const range = async (type: string) =>
    (
      await db.pool.query<{ v: string }>(`SELECT unnest(enum_range(NULL::${type}))::text AS v`)
    ).rows.map((r) => r.v);
  assert.deepEqual(await range('delivery_state'), [...DELIVERY_STATES]);
  assert.deepEqual(await range('wave_state'), [...WAVE_STATES]);
  assert.deepEqual(await range('campaign_status'), [...CAMPAIGN_STATUSES]);
});

test('every generated guard agrees with the table for every operation, source and target', async () => {
  const pairs = DELIVERY_STATES.flatMap((from) => DELIVERY_STATES.map((to) => [from, to] as const));
  const values = `(VALUES ${pairs.map(([f, t]) => `('${f}'::delivery_state, '${t}'::delivery_state)`).join(', ')}) AS p(f, t)`;
  for (const operation of OPERATIONS) {
    const op = DELIVERY_OPERATIONS[operation];
    const product = op.from.every((f) => op.to.every((t) => canTransition(operation, f, t)));
    const guard = product
      ? `${deliverySourcesIn(operation, 'p.f')} AND ${deliveryTargetsIn(operation, 'p.t')}`
      : deliveryGuard(operation, 'p.f', 'p.t');
    const { rows } = await db.pool.query<{
      f: DeliveryStateName;
      t: DeliveryStateName;
      ok: boolean;
    }>(`SELECT f::text AS f, t::text AS t, (${guard}) AS ok FROM ${values}`);
    for (const { f, t, ok } of rows)
      assert.equal(ok, canTransition(operation, f, t), `${operation}: ${f} -> ${t}`);
  }
});

/** One delivery in every state, each in a campaign of its own kind. */
async function everyState(options: Partial<Parameters<typeof seedCampaign>[1]> = {}) {
  const seeded = await seedCampaign(db.pool, {
    status: 'running',
    deliveries: DELIVERY_STATES,
    ...options,
  });
  const byState = new Map(DELIVERY_STATES.map((s, i) => [s, seeded.deliveryIds[i]!]));
  return { ...seeded, byState };
}

async function assertOutcome(
  operation: DeliveryOperationName,
  byState: Map<DeliveryStateName, number>,
  to: DeliveryStateName,
): Promise<void> {
  const states = await statesById(db.pool, [...byState.values()]);
  for (const [from, id] of byState)
    assert.equal(states.get(id), expected(operation, from, to), `${operation}: ${from} -> ${to}`);
}

test('recordPublishOutcomes runs its statement from every state, for both outcomes', async () => {
  for (const to of DELIVERY_OPERATIONS.recordPublishOutcomes.to) {
    const { byState } = await everyState();
    const ids = [...byState.values()];
    await recordPublishOutcomes(db.pool, {
      ids,
      states: ids.map(() => to),
      brokerIds: ids.map(() => 'edge-1'),
      errors: ids.map(() => null),
    });
    await assertOutcome('recordPublishOutcomes', byState, to);
  }
  // A failed publish changes no state; it notes the error only where the operation applies.
  const { byState } = await everyState();
  const ids = [...byState.values()];
  await recordPublishOutcomes(db.pool, {
    ids,
    states: ids.map(() => null),
    brokerIds: ids.map(() => null),
    errors: ids.map(() => 'ROADCAST_ERR_BROKER_UNAVAILABLE'),
  });
  const { rows } = await db.pool.query<{ id: number; state: DeliveryStateName; noted: boolean }>(
    `SELECT id, state, last_error IS NOT NULL AS noted FROM deliveries WHERE id = ANY($1::bigint[])`,
    [ids],
  );
  for (const r of rows) {
    const from = DELIVERY_STATES[ids.indexOf(r.id)]!;
    assert.equal(r.state, from);
    assert.equal(r.noted, sources('recordPublishOutcomes').includes(from), from);
  }
});

test('applyAcks runs its statement from every state to every target', async () => {
  for (const to of DELIVERY_OPERATIONS.applyAcks.to) {
    const { byState, vehicleIds } = await everyState();
    const { rows } = await db.pool.query<{ id: number; notice: string }>(
      'SELECT id, notice_id AS notice FROM deliveries WHERE id = ANY($1::bigint[]) ORDER BY id',
      [[...byState.values()]],
    );
    // `verifying` is never a vehicle's word; the statement is built for it all the same.
    const acks: AckReport[] = rows.map((r, i) => ({
      vehicleId: vehicleIds[i]!,
      noticeId: r.notice,
      state: to as AckReport['state'],
      reason: null,
    }));
    const applied = await applyAcks(db.pool, acks);
    await assertOutcome('applyAcks', byState, to);
    assert.equal(
      applied.length,
      DELIVERY_STATES.filter((from) => canTransition('applyAcks', from, to)).length,
    );
  }
});

test('noteResend touches only what it may re-send and changes no state', async () => {
  const { byState } = await everyState();
  const touched = new Set(await noteResend(db.pool, [...byState.values()]));
  for (const [from, id] of byState)
    assert.equal(touched.has(id), sources('noteResend').includes(from), from);
  await assertOutcome('noteResend', byState, 'published');
});

test('timeOut runs its statement from every state', async () => {
  const { id, byState } = await everyState();
  await db.pool.query(
    `UPDATE deliveries SET updated_at = now() - interval '1 hour' WHERE campaign_id = $1`,
    [id],
  );
  const result = await timeOutDeliveries(db.pool, id, 60, { after: 0, size: 100 });
  await assertOutcome('timeOut', byState, 'timed_out');
  assert.equal(result.changed.length, DELIVERY_OPERATIONS.timeOut.from.length);
  assert.equal(result.next, 0, 'one stretch covered the whole campaign');
});

test('verifyBoot runs its statement from every state, for both verdicts', async () => {
  for (const to of DELIVERY_OPERATIONS.verifyBoot.to) {
    const { byState } = await everyState();
    await verifyBoot(
      db.pool,
      [...byState.values()].map((deliveryId) => ({ deliveryId, outcome: to, reason: 'fell back' })),
    );
    await assertOutcome('verifyBoot', byState, to);
  }
});

test('retry runs its statement from every state: a new attempt, a new notice id, the old one kept', async () => {
  const { id, byState } = await everyState();
  const before = await db.pool.query<{ id: number; notice: string }>(
    'SELECT id, notice_id AS notice FROM deliveries WHERE campaign_id = $1',
    [id],
  );
  // Every state asked for: the operation's own guard decides.
  const result = await retryDeliveries(db.pool, id, { states: DELIVERY_STATES, retriedBy: 'test' });
  await assertOutcome('retry', byState, 'pending');
  assert.equal(result.count, DELIVERY_OPERATIONS.retry.from.length);
  const after = await db.pool.query<{ id: number; notice: string; attempt: number }>(
    'SELECT id, notice_id AS notice, attempt FROM deliveries WHERE campaign_id = $1',
    [id],
  );
  const old = new Map(before.rows.map((r) => [r.id, r.notice]));
  const history = await db.pool.query<{ delivery_id: number; notice_id: string; attempt: number }>(
    'SELECT delivery_id, notice_id, attempt FROM delivery_attempts WHERE campaign_id = $1',
    [id],
  );
  for (const r of after.rows) {
    const retried = result.retried.get(0)?.includes(r.id) ?? false;
    assert.equal(r.notice !== old.get(r.id), retried);
    assert.equal(r.attempt, retried ? 2 : 1);
  }
  assert.deepEqual(
    history.rows.map((h) => [h.delivery_id, h.notice_id, h.attempt]).sort(),
    [...(result.retried.get(0) ?? [])].map((d) => [d, old.get(d), 1]).sort(),
  );
});

test('expire runs its statement from every state', async () => {
  const { byState } = await everyState({ expiresInSeconds: -1 });
  await expireCampaigns(deps);
  await assertOutcome('expire', byState, 'expired');
});

test('cancel runs its statement from every state, and tells what a session received', async () => {
  const { id, byState } = await everyState();
  const outcome = await cancelCampaign(deps, id, 'test');
  await assertOutcome('cancel', byState, 'cancelled');
  assert.equal(outcome.cancelled, DELIVERY_OPERATIONS.cancel.from.length);
  assert.equal(
    outcome.told,
    DELIVERY_STATES.filter(
      (s) => s !== 'pending' && s !== 'parked' && canTransition('cancel', s, 'cancelled'),
    ).length,
  );
});
