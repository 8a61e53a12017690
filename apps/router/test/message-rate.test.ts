import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import type { IDisconnectPacket } from '@roadcast/mqtt';
import { getTestPki } from '@roadcast/testing';
import { startRouterHarness, type RouterHarness } from './support/router-harness.js';
import { connectVehicle } from './support/vehicle.js';

const RATE = 50;
const BURST = 50;

describe('router per-vehicle message rate', () => {
  let h: RouterHarness;
  before(async () => {
    h = await startRouterHarness({
      brokers: 1,
      policy: {
        throttling: {
          messages: { upstream: { perSecond: RATE, burst: BURST }, upstreamGraceMs: 2_000 },
        },
      },
    });
  });
  after(() => h.close());

  /** Arrival times (ms) of every ack the broker receives for this vehicle. */
  async function watchAcks(vehicleId: string): Promise<{ times: number[]; stop(): Promise<void> }> {
    const backend = await mqtt.connectAsync(h.brokers[0]!.url, {
      protocolVersion: 5,
      ...h.brokers[0]!.credentials('tracker'),
    });
    const times: number[] = [];
    backend.on('message', () => times.push(Date.now()));
    await backend.subscribeAsync(`vehicles/${vehicleId}/ota/acks`, { qos: 0 });
    return { times, stop: () => backend.endAsync() };
  }

  it('slows an ack flood to the rate before the broker, then disconnects the vehicle with 0x96', async () => {
    const vehicleId = 'WVWZZZ1JZXW001401';
    const acks = await watchAcks(vehicleId);
    const vehicle = await connectVehicle(h.tlsPort, getTestPki().vehicle(vehicleId), {
      clean: true,
      properties: {},
    });
    const disconnected = new Promise<IDisconnectPacket>((resolve) =>
      vehicle.once('disconnect', resolve),
    );
    const started = Date.now();
    // 700,000 acks in 31 s was the attack; a few thousand as fast as the client can is enough here.
    for (let i = 0; i < 5_000; i++)
      vehicle.publish(`vehicles/${vehicleId}/ota/acks`, `{"noticeId":"${i}","state":"received"}`, {
        qos: 0,
      });
    const packet = await disconnected;
    const heldFor = Date.now() - started;
    assert.equal(packet.reasonCode, 0x96);
    await new Promise((r) => setTimeout(r, 200));
    await acks.stop();
    vehicle.end(true);

    const first = acks.times[0]!;
    acks.times.forEach((t, i) => {
      // One CONNECT came out of the same bucket; a little slack for timer granularity.
      const allowed = BURST + (RATE * (t - first)) / 1_000 + 5;
      assert.ok(
        i + 1 <= allowed,
        `${i + 1} acks by ${t - first} ms, allowed ${allowed.toFixed(0)}`,
      );
    });
    assert.ok(acks.times.length >= BURST, `${acks.times.length} acks reached the broker`);
    assert.ok(acks.times.length < 5_000 / 10);
    assert.ok(heldFor >= 2_000, `disconnected after ${heldFor} ms, within the grace`);
    const refused = (await h.ctx.metrics.refusals.get()).values.find(
      (v) => v.labels.reason === 'message-rate',
    );
    assert.equal(refused?.value, 1);
  });

  it('lets a burst within the bucket through at once and keeps the vehicle', async () => {
    const vehicleId = 'WVWZZZ1JZXW001402';
    const acks = await watchAcks(vehicleId);
    const vehicle = await connectVehicle(h.tlsPort, getTestPki().vehicle(vehicleId), {
      clean: true,
      properties: {},
    });
    for (let i = 0; i < BURST - 5; i++)
      await vehicle.publishAsync(`vehicles/${vehicleId}/ota/acks`, '{}', { qos: 1 });
    for (let i = 0; i < 50 && acks.times.length < BURST - 5; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(acks.times.length, BURST - 5);
    assert.equal(vehicle.connected, true);
    await vehicle.endAsync();
    await acks.stop();
  });
});
