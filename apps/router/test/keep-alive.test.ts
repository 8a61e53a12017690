import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getTestPki } from '@roadcast/testing';
import { bytes } from './support/bytes.js';
import { startRouterHarness, type RouterHarness } from './support/router-harness.js';
import { RawVehicle, connectPacket, connectVehicle } from './support/vehicle.js';

const closes = async (h: RouterHarness, reason: string) =>
  (await h.ctx.metrics.closes.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

describe('router keep-alive policy', () => {
  let h: RouterHarness;
  before(async () => {
    h = await startRouterHarness({
      brokers: 1,
      policy: {
        protocol: { minKeepAliveSeconds: 1, maxKeepAliveSeconds: 2 },
        network: { authFailureBan: { banSeconds: 0 } },
      },
    });
  });
  after(() => h.close());

  async function session(
    vehicleId: string,
    version: 4 | 5,
    keepalive: number,
  ): Promise<RawVehicle> {
    const raw = await RawVehicle.open(h.tlsPort, getTestPki().vehicle(vehicleId), version);
    raw.sendPacket(
      connectPacket(vehicleId, version, {
        keepalive,
        clean: true,
        ...(version === 5 ? { properties: {} } : {}),
      }),
      version,
    );
    return raw;
  }

  it('gives a 5.0 vehicle with keep alive 0 the maximum, and ends its silent session with 0x8D', async () => {
    const before = await closes(h, 'keep-alive-timeout');
    const raw = await session('WVWZZZ1JZXW001301', 5, 0);
    const connack = await raw.next('connack');
    assert.equal(connack?.cmd === 'connack' && connack.reasonCode, 0);
    assert.equal(connack?.cmd === 'connack' && connack.properties?.serverKeepAlive, 2);
    raw.received = Buffer.alloc(0);
    const started = Date.now();
    await raw.waitClosed(6_000);
    // Silent for 1.5 times the keep alive (3 s), judged by a sweep every half second.
    assert.ok(Date.now() - started >= 2_500, `closed after ${Date.now() - started} ms`);
    assert.deepEqual(
      raw.received,
      bytes(`
        e0 02 | DISCONNECT, remaining length 2
        8d    | 0x8D keep alive timeout
        00    | no properties
      `),
    );
    assert.equal(await closes(h, 'keep-alive-timeout'), before + 1);
  });

  it('lowers a 5.0 keep alive above the maximum, and leaves one within the bounds alone', async () => {
    const long = await session('WVWZZZ1JZXW001302', 5, 600);
    const lowered = await long.next('connack');
    assert.equal(lowered?.cmd === 'connack' && lowered.properties?.serverKeepAlive, 2);
    long.close();
    const within = await session('WVWZZZ1JZXW001303', 5, 2);
    const kept = await within.next('connack');
    assert.equal(kept?.cmd === 'connack' && kept.properties?.serverKeepAlive, undefined);
    within.close();
  });

  it('refuses a 3.1.1 keep alive of 0 with return code 5: 3.1.1 cannot be told another', async () => {
    const raw = await session('WVWZZZ1JZXW001304', 4, 0);
    await raw.waitClosed();
    assert.deepEqual(
      raw.received,
      bytes(`
        20 02 | CONNACK, remaining length 2
        00    | session present 0
        05    | return code 5: not authorized
      `),
    );
    assert.ok(h.logs.some((l) => l.refusal === 'keep-alive-not-allowed'));
  });

  it('keeps a vehicle that honours the Server Keep Alive it was given', async () => {
    const vehicleId = 'WVWZZZ1JZXW001305';
    // MQTT.js asks for ten minutes, is told 2 s, and pings at that pace. (MQTT.js 5 ignores a
    // Server Keep Alive when it asked for none; vehicles should never ask for none.)
    const vehicle = await connectVehicle(h.tlsPort, getTestPki().vehicle(vehicleId), {
      keepalive: 600,
      clean: true,
      properties: {},
    });
    let closed = false;
    vehicle.on('close', () => (closed = true));
    await new Promise((r) => setTimeout(r, 4_500));
    assert.equal(closed, false);
    await vehicle.subscribeAsync(`vehicles/${vehicleId}/ota/notices`, { qos: 1 });
    await vehicle.endAsync();
  });
});
