import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { getTestPki } from '@roadcast/testing';
import { startRouterHarness, type RouterHarness } from './support/router-harness.js';
import { connectVehicle } from './support/vehicle.js';

describe('router throttling', () => {
  let h: RouterHarness;
  before(async () => {
    h = await startRouterHarness({
      brokers: 1,
      policy: {
        protocol: { maxPacketSize: 16_384 },
        throttling: { connection: { downstreamBytesPerSecond: 16_384 } },
      },
    });
  });
  after(() => h.close());

  it('slows a connection down to its byte rate without dropping anything', async () => {
    const vehicleId = 'WVWZZZ1JZXW000601';
    const received: number[] = [];
    const vehicle = await connectVehicle(
      h.tlsPort,
      getTestPki().vehicle(vehicleId),
      {},
      (_t, payload) => received.push(payload.length),
    );
    await vehicle.subscribeAsync(`vehicles/${vehicleId}/ota/notices`, { qos: 1 });
    const backend = await mqtt.connectAsync(h.brokers[0]!.url, {
      protocolVersion: 5,
      ...h.brokers[0]!.credentials('bridge'),
    });
    const started = Date.now();
    // 48 KiB through a 16 KiB/s bucket holding at most 16 KiB: at least two seconds of waiting.
    for (let i = 0; i < 6; i++)
      await backend.publishAsync(`vehicles/${vehicleId}/ota/notices`, Buffer.alloc(8_192, i), {
        qos: 1,
      });
    while (received.length < 6 && Date.now() - started < 10_000)
      await new Promise((r) => setTimeout(r, 50));
    const elapsed = Date.now() - started;
    assert.deepEqual(received, Array(6).fill(8_192));
    assert.ok(elapsed >= 1_800, `delivered in ${elapsed} ms, faster than the rate allows`);
    const throttled = await h.ctx.metrics.throttled.get();
    const downstream = throttled.values.find((v) => v.labels.direction === 'downstream');
    assert.ok((downstream?.value ?? 0) > 1, 'the held-back time is counted');
    await backend.endAsync();
    await vehicle.endAsync();
  });
});
