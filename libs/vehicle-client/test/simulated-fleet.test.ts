import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startMosquitto, type MosquittoBroker } from '@roadcast/testing';
import { SimulatedFleet } from '../src/index.js';
import { PlatformSide, eventually, noticeFor, signBatch, testSigner } from './helpers.js';

let broker: MosquittoBroker;
let platform: PlatformSide;
const signer = testSigner();

before(async () => {
  broker = await startMosquitto();
  platform = await PlatformSide.connect(broker);
});

after(async () => {
  await platform.close();
  await broker.stop();
});

test('a fleet with tunnels shows each notice to each car once and reports every outcome', async () => {
  const ids = Array.from(
    { length: 20 },
    (_, i) => `SIMFLEET${String(process.pid % 1000).padStart(3, '0')}${String(i).padStart(6, '0')}`,
  );
  const fleet = new SimulatedFleet({
    vehicles: ids.map((vehicleId) => ({ vehicleId })),
    url: broker.url,
    brokerLogin: broker.credentials('router'),
    trustedKeys: signer.trustedKeys,
    stepMs: [10, 50],
    failureRate: 0.2,
    tunnels: { share: 0.5, offlineMs: [50, 300], onlineMs: [20, 200], uncleanShare: 0.5 },
    seed: 7,
  });
  try {
    await fleet.connect();
    fleet.startTunnels();
    const notices = new Map(
      signBatch(
        signer.key,
        ids.map((id) => noticeFor(id)),
      ).map((n) => [n.vehicleId, n]),
    );
    // The platform sends each notice three times, as re-sends after reconnects would.
    for (let round = 0; round < 3; round += 1) {
      for (const [id, notice] of notices) await platform.publish(id, notice);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    const finalAck = (id: string) => platform.acksOf(notices.get(id)!.noticeId).at(-1)?.state;
    await eventually(
      () => ids.every((id) => finalAck(id) === fleet.expectedOutcome(id)),
      'every car reported its outcome',
      20_000,
    );
    for (const v of fleet.vehicles) {
      assert.deepEqual([...v.seen.values()], [1], `${v.vehicleId} saw its notice once`);
    }
    const stats = fleet.stats();
    assert.equal(stats.installed + stats.failed, ids.length);
    assert.ok(stats.failed > 0 && stats.installed > 0);
    assert.ok(stats.duplicates > 0, 'repeated notices reached the SDK and were absorbed');
  } finally {
    await fleet.stop();
  }
});

test('fault knobs: a stalled install goes silent after installing; a failing car fails its first attempt only', async () => {
  const id = (n: number) => `SIMKNOB${String(process.pid % 1000).padStart(3, '0')}${n}`;
  const stalled = new SimulatedFleet({
    vehicles: [{ vehicleId: id(1) }],
    url: broker.url,
    brokerLogin: broker.credentials('router'),
    trustedKeys: signer.trustedKeys,
    stepMs: [10, 20],
    stallRate: 1,
  });
  const retried = new SimulatedFleet({
    vehicles: [{ vehicleId: id(2) }],
    url: broker.url,
    brokerLogin: broker.credentials('router'),
    trustedKeys: signer.trustedKeys,
    stepMs: [10, 20],
    failureRate: 1,
    failedAttempts: 1,
  });
  try {
    await stalled.connect();
    await retried.connect();
    const [stall] = signBatch(signer.key, [noticeFor(id(1))]);
    await platform.publish(id(1), stall!);
    const campaignId = randomUUID();
    const [first] = signBatch(signer.key, [noticeFor(id(2), { campaignId })]);
    await platform.publish(id(2), first!);
    const last = (noticeId: string) => platform.acksOf(noticeId).at(-1)?.state;
    await eventually(() => last(stall!.noticeId) === 'installing', 'the stalled car installing');
    await eventually(() => last(first!.noticeId) === 'failed', 'the first attempt failed');
    // A retry is a new notice of the same campaign: this time the install succeeds.
    const [second] = signBatch(signer.key, [noticeFor(id(2), { campaignId })]);
    await platform.publish(id(2), second!);
    await eventually(() => last(second!.noticeId) === 'installed', 'the second attempt installed');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(last(stall!.noticeId), 'installing', 'the stalled car never reports again');
    assert.equal(retried.vehicles[0]!.attempts.get(campaignId), 2);
  } finally {
    await stalled.stop();
    await retried.stop();
  }
});
