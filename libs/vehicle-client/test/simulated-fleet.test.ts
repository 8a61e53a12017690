import assert from 'node:assert/strict';
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
