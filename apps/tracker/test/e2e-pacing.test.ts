import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { localMinuteOfWeek } from '@roadcast/campaigns';
import type { CampaignDetail, RegionList } from '@roadcast/contracts';
import {
  assertCountersExact,
  campaignDetail,
  campaignRequest,
  createCampaign,
  simulatedFleet,
  startE2e,
  stateCounts,
  vehicleIds,
  waitFor,
  type E2e,
} from './e2e-support.js';

let e2e: E2e;

before(async () => {
  // Small fan-out jobs: a campaign's jobs take turns spending its rate.
  e2e = await startE2e('e2e-pacing', {
    env: { api: { FANOUT_BATCH_SIZE: '16' }, tracker: { FANOUT_BATCH_SIZE: '16' } },
  });
});

after(async () => {
  await e2e?.close();
});

const oneWave = { waves: [{ percent: 100, successThreshold: 1, failureThreshold: 0.5 }] };

async function registerIn(region: string, ids: string[]): Promise<void> {
  await e2e.api('POST', '/v1/vehicles', {
    vehicles: ids.map((id) => ({ id, model: 'e2e', region, softwareVersion: '1.0.0' })),
  });
}

/** When each delivery of the campaign was first acknowledged as received, in ms, sorted. */
async function receivedTimes(campaignId: string): Promise<number[]> {
  const { rows } = await e2e.db.query<{ at: Date }>(
    `SELECT received_at AS at FROM deliveries WHERE campaign_id = $1 AND received_at IS NOT NULL
     ORDER BY received_at`,
    [campaignId],
  );
  return rows.map((r) => r.at.getTime());
}

async function publishedCount(campaignId: string): Promise<number> {
  const counts = await stateCounts(e2e.db, campaignId);
  return Object.entries(counts)
    .filter(([state]) => state !== 'pending')
    .reduce((n, [, c]) => n + c, 0);
}

// The three campaigns run side by side: each has its own vehicles and its own bucket.
describe('pacing', { concurrency: true }, () => {
  test('a campaign with maxPerMinute 120 reaches its vehicles at 120 a minute, within 10 %', async (t) => {
    const ids = vehicleIds(80, 601);
    await registerIn('test', ids);
    const fleet = simulatedFleet(e2e, ids, { stepMs: [20, 100] });
    await fleet.connect(undefined, 60_000);
    const campaignId = await createCampaign(
      e2e,
      campaignRequest(ids, { rollout: oneWave, options: { rate: { maxPerMinute: 120 } } }),
    );
    const started = await campaignDetail(e2e, campaignId);
    assert.equal(started.allowedPerMinute, 120);
    await waitFor(
      async () => (await receivedTimes(campaignId)).length === ids.length,
      'every vehicle to receive the notice',
      90_000,
      async () => JSON.stringify(await stateCounts(e2e.db, campaignId)),
    );
    const times = await receivedTimes(campaignId);
    // The bucket holds two seconds' worth (4), spent at once when the campaign starts; the
    // others follow at the campaign's pace, the whole lasting about 38 s.
    const spanMinutes = (times[times.length - 1]! - times[0]!) / 60_000;
    const perMinute = (times.length - 4) / spanMinutes;
    t.diagnostic(`measured ${perMinute.toFixed(1)}/min over ${(spanMinutes * 60).toFixed(1)} s`);
    assert.ok(
      perMinute >= 108 && perMinute <= 132,
      `${times.length} notices over ${(spanMinutes * 60).toFixed(1)} s: ${perMinute.toFixed(1)}/min`,
    );
    // No stretch of 10 s carried more than its share plus a burst of two seconds' worth.
    for (const start of times) {
      const inWindow = times.filter((t) => t >= start && t < start + 10_000).length;
      assert.ok(inWindow <= 20 + 4 + 1, `${inWindow} notices within 10 s`);
    }
    await waitFor(
      async () => (await campaignDetail(e2e, campaignId)).counts.installed === ids.length,
      'every vehicle to install',
      30_000,
    );
    await assertCountersExact(e2e.db, campaignId);
  });

  test('a ramp starts at its initial rate and grows by its factor at each step', async () => {
    const ids = vehicleIds(40, 701);
    await registerIn('test', ids);
    const fleet = simulatedFleet(e2e, ids, { stepMs: [20, 100] });
    await fleet.connect(undefined, 60_000);
    const campaignId = await createCampaign(
      e2e,
      campaignRequest(ids, {
        rollout: oneWave,
        options: {
          rate: { maxPerMinute: 600, ramp: { initialPerMinute: 60, factor: 4, stepSeconds: 12 } },
        },
      }),
    );
    const first: CampaignDetail = await campaignDetail(e2e, campaignId);
    assert.equal(first.allowedPerMinute, 60);
    assert.deepEqual(first.options.rate, {
      maxPerMinute: 600,
      ramp: { initialPerMinute: 60, factor: 4, stepSeconds: 12 },
    });
    // The first step: about one a second, counted from the wave's start by receipt times.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    const { rows } = await e2e.db.query<{ early: number }>(
      `SELECT count(*)::int AS early FROM deliveries d JOIN campaign_waves w
         ON w.campaign_id = d.campaign_id AND w.index = 0
       WHERE d.campaign_id = $1 AND d.received_at < w.started_at + interval '10 seconds'`,
      [campaignId],
    );
    const early = rows[0]!.early;
    assert.ok(early >= 3 && early <= 2 + 10 + 1, `${early} received in the first 10 s at 60/min`);
    // After the step the rate is four times higher: the rest go out well before 40 s at 60/min.
    await waitFor(
      async () => (await campaignDetail(e2e, campaignId)).allowedPerMinute === 240,
      'the ramp to step up',
      20_000,
    );
    await waitFor(
      async () => (await publishedCount(campaignId)) === ids.length,
      'every notice to go out at the ramped rate',
      30_000,
      async () => JSON.stringify(await stateCounts(e2e.db, campaignId)),
    );
    await waitFor(
      async () => (await campaignDetail(e2e, campaignId)).counts.installed === ids.length,
      'every vehicle to install',
      30_000,
    );
  });

  test('a maintenance window in the region’s time zone holds notices until it opens', async () => {
    const zone = 'Asia/Kolkata';
    await assert.rejects(
      e2e.api('PUT', '/v1/regions/night-shift', { timeZone: 'Mars/Olympus_Mons' }),
      /400 .*ROADCAST_ERR_INVALID_TIME_ZONE/,
    );
    await e2e.api('PUT', '/v1/regions/night-shift', { timeZone: zone });
    const regions = await e2e.api<RegionList>('GET', '/v1/regions');
    assert.ok(regions.items.some((r) => r.id === 'night-shift' && r.timeZone === zone));

    const held = vehicleIds(6, 801);
    const now = vehicleIds(4, 811);
    await registerIn('night-shift', held);
    await registerIn('test', now);
    const fleet = simulatedFleet(e2e, [...held, ...now], { stepMs: [20, 100] });
    await fleet.connect(undefined, 60_000);

    // Opens at the next minute boundary at least 15 s away, in Kolkata's local time.
    const minute = 60_000;
    let opensAt = Math.ceil(Date.now() / minute) * minute;
    if (opensAt - Date.now() < 15_000) opensAt += minute;
    const hhmm = (m: number) =>
      `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    const localOpen = localMinuteOfWeek(new Date(opensAt), zone);
    const utcNow = localMinuteOfWeek(new Date(), 'UTC');
    const windows = [
      // Kolkata's window: opens shortly, 30 minutes long.
      {
        days: [Math.floor(localOpen / 1440) + 1],
        start: hhmm(localOpen % 1440),
        end: hhmm((localOpen % 1440) + 30),
      },
      // Already open in UTC (the 'test' region), closed at that time in Kolkata.
      {
        days: [Math.floor(utcNow / 1440) + 1],
        start: hhmm(Math.max(0, (utcNow % 1440) - 1)),
        end: hhmm(Math.min(1439, (utcNow % 1440) + 20)),
      },
    ];
    const campaignId = await createCampaign(
      e2e,
      campaignRequest([...held, ...now], {
        rollout: oneWave,
        options: { maintenanceWindows: windows },
      }),
    );
    const states = async () => {
      const { rows } = await e2e.db.query<{ vehicle_id: string; state: string }>(
        `SELECT vehicle_id, state::text AS state FROM deliveries WHERE campaign_id = $1`,
        [campaignId],
      );
      return new Map(rows.map((r) => [r.vehicle_id, r.state]));
    };
    // The UTC region's window is open: its vehicles get the notice at once.
    await waitFor(
      async () => {
        const s = await states();
        return now.every((v) => s.get(v) === 'installed');
      },
      'vehicles in an open window to install',
      Math.max(10_000, opensAt - Date.now() - 3_000),
    );
    // Until Kolkata's window opens, its vehicles were not told.
    const waitUntil = opensAt - 2_000;
    if (waitUntil > Date.now()) await new Promise((r) => setTimeout(r, waitUntil - Date.now()));
    const before = await states();
    assert.deepEqual(
      held.map((v) => before.get(v)),
      held.map(() => 'pending'),
    );
    for (const v of fleet.vehicles.filter((x) => held.includes(x.vehicleId)))
      assert.equal(v.seen.size, 0, `${v.vehicleId} saw no notice before the window opened`);

    await waitFor(
      async () => {
        const s = await states();
        return held.every((v) => s.get(v) === 'installed');
      },
      'the held vehicles to install once the window opened',
      40_000,
      async () => JSON.stringify(await stateCounts(e2e.db, campaignId)),
    );
    const { rows } = await e2e.db.query<{ at: Date }>(
      `SELECT min(received_at) AS at FROM deliveries WHERE campaign_id = $1 AND vehicle_id = ANY($2)`,
      [campaignId, held],
    );
    assert.ok(
      rows[0]!.at.getTime() >= opensAt - 1_000,
      `first held notice received at ${rows[0]!.at.toISOString()}, window opened ${new Date(opensAt).toISOString()}`,
    );
    await assertCountersExact(e2e.db, campaignId);
  });
});
