import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import mqtt from 'mqtt';
import { ackTopic, type RetryResult } from '@roadcast/contracts';
import {
  assertCountersExact,
  campaignDetail,
  campaignRequest,
  createCampaign,
  deliveryStates,
  registerVehicles,
  simulatedFleet,
  startE2e,
  stateCounts,
  vehicleIds,
  waitFor,
  type E2e,
} from './e2e-support.js';

let e2e: E2e;

before(async () => {
  e2e = await startE2e('e2e-retry');
});

after(async () => {
  await e2e?.close();
});

/** The tracker's count of acks that changed nothing (duplicates, late and superseded reports). */
async function staleAcks(): Promise<number> {
  const health = e2e.stack.apps.get('tracker')!.options.healthUrl;
  const text = await (await fetch(health.replace(/\/healthz$/, '/metrics'))).text();
  return Number(
    /^roadcast_tracker_acks_ignored_total\{reason="stale"[^}]*\} (\S+)$/m.exec(text)?.[1] ?? 0,
  );
}

test('retry reaches failed vehicles once more, as a new attempt whose old notice no longer counts', async () => {
  const ids = vehicleIds(12, 601);
  await registerVehicles(e2e, ids);
  // Half the cars fail their first install and succeed when asked again.
  const fleet = simulatedFleet(e2e, ids, { seed: 13, failureRate: 0.5, failedAttempts: 1 });
  await fleet.connect(undefined, 60_000);
  const failing = fleet.vehicles.filter((v) => v.behaviour.fails);
  assert.ok(failing.length > 1 && failing.length < ids.length, `${failing.length} failing`);
  const campaignId = await createCampaign(
    e2e,
    campaignRequest(ids, {
      rollout: { waves: [{ percent: 100, successThreshold: 0.1, failureThreshold: 1 }] },
    }),
  );
  await waitFor(
    async () => (await campaignDetail(e2e, campaignId)).status === 'completed',
    'the first attempts to end',
    60_000,
    async () => JSON.stringify(await stateCounts(e2e.db, campaignId)),
  );
  assert.equal((await campaignDetail(e2e, campaignId)).counts.failed, failing.length);
  const { rows: firstNotices } = await e2e.db.query<{ vehicle_id: string; notice_id: string }>(
    'SELECT vehicle_id, notice_id FROM deliveries WHERE campaign_id = $1',
    [campaignId],
  );
  const oldNotice = new Map(firstNotices.map((r) => [r.vehicle_id, r.notice_id]));

  // One failing car is away while the retry goes out: its new attempt waits for it.
  const away = failing[0]!;
  await fleet.takeOffline([away], 0);
  const retried = await e2e.api<RetryResult>('POST', `/v1/campaigns/${campaignId}/retry`, {});
  assert.equal(retried.retried, failing.length);
  assert.equal(retried.campaign.status, 'running', 'the completed campaign reopened');

  // A late report about the first attempt's notice, as a broker might still deliver it.
  const before = await staleAcks();
  const [broker] = e2e.stack.brokers.values();
  const late = await mqtt.connectAsync(broker!.broker.url, {
    ...broker!.broker.credentials('observer'),
    protocolVersion: 5,
  });
  await late.publishAsync(
    ackTopic(away.vehicleId),
    JSON.stringify({
      noticeId: oldNotice.get(away.vehicleId),
      state: 'installed',
      at: new Date().toISOString(),
    }),
    { qos: 1 },
  );
  await late.endAsync();
  await waitFor(
    async () => (await staleAcks()) > before,
    'the tracker to read the late ack',
    30_000,
  );
  const { rows: awayRow } = await e2e.db.query<{ state: string; attempt: number }>(
    'SELECT state::text AS state, attempt FROM deliveries WHERE campaign_id = $1 AND vehicle_id = $2',
    [campaignId, away.vehicleId],
  );
  assert.equal(awayRow[0]!.attempt, 2);
  assert.ok(
    ['pending', 'published', 'parked'].includes(awayRow[0]!.state),
    `the new attempt is untouched by the old notice's report (${awayRow[0]!.state})`,
  );

  away.client.goOnline();
  await waitFor(
    async () => (await campaignDetail(e2e, campaignId)).status === 'completed',
    'the retried campaign to complete again',
    60_000,
    async () => JSON.stringify(await stateCounts(e2e.db, campaignId)),
  );
  const states = await deliveryStates(e2e.db, campaignId);
  assert.deepEqual(
    ids.map((id) => states.get(id)),
    ids.map(() => 'installed'),
  );
  for (const v of fleet.vehicles) {
    const expected = v.behaviour.fails ? 2 : 1;
    assert.equal(v.seen.size, expected, `${v.vehicleId}'s software saw one notice per attempt`);
    assert.ok(
      [...v.seen.values()].every((n) => n === 1),
      `${v.vehicleId} saw each notice once`,
    );
  }
  const { rows: history } = await e2e.db.query<{
    vehicle_id: string;
    state: string;
    notice_id: string;
  }>(
    `SELECT vehicle_id, state::text AS state, notice_id FROM delivery_attempts WHERE campaign_id = $1`,
    [campaignId],
  );
  assert.deepEqual(
    history.map((h) => [h.vehicle_id, h.state, h.notice_id]).sort(),
    failing.map((v) => [v.vehicleId, 'failed', oldNotice.get(v.vehicleId)]).sort(),
  );
  await assertCountersExact(e2e.db, campaignId);
});
