import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { getTestPki } from '@roadcast/testing';
import { bytes } from './support/bytes.js';
import { startRouterHarness, type RouterHarness } from './support/router-harness.js';
import { RawVehicle, connectPacket } from './support/vehicle.js';

const V1 = 'WVWZZZ1JZXW000501';
const V2 = 'WVWZZZ1JZXW000502';

const CONNACK_0x9F = bytes(`
  20 03 | CONNACK, remaining length 3
  00    | session present 0
  9f    | 0x9F connection rate exceeded
  00    | no properties
`);

async function attempt(
  h: RouterHarness,
  vehicleId: string,
  clientId = vehicleId,
): Promise<RawVehicle> {
  const raw = await RawVehicle.open(h.tlsPort, getTestPki().vehicle(vehicleId), 5);
  raw.sendPacket(connectPacket(clientId, 5));
  await raw.next('connack');
  return raw;
}

describe('router connection gate and run-time policy', () => {
  let h: RouterHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('answers connections over the per-address rate with CONNACK 0x9F', async () => {
    h = await startRouterHarness({
      brokers: 1,
      policy: { network: { connectsPerIp: { perSecond: 0.001, burst: 2 } } },
    });
    const first = await attempt(h, V1);
    const second = await attempt(h, V2);
    const third = await attempt(h, 'WVWZZZ1JZXW000503');
    await third.waitClosed();
    assert.deepEqual(third.received, CONNACK_0x9F);
    assert.equal(first.closed || second.closed, false);
    first.close();
    second.close();
  });

  it('answers connections over the maximum with CONNACK 0x97 quota exceeded', async () => {
    h = await startRouterHarness({ brokers: 1, policy: { throttling: { maxConnections: 1 } } });
    const first = await attempt(h, V1);
    const second = await attempt(h, V2);
    await second.waitClosed();
    assert.deepEqual(
      second.received,
      bytes(`
        20 03 | CONNACK, remaining length 3
        00    | session present 0
        97    | 0x97 quota exceeded
        00    | no properties
      `),
    );
    first.close();
  });

  it('bans an address after repeated authentication failures, before any TLS work', async () => {
    h = await startRouterHarness({
      brokers: 1,
      policy: {
        network: { authFailureBan: { maxFailures: 2, windowSeconds: 60, banSeconds: 60 } },
      },
    });
    for (let i = 0; i < 2; i++) {
      const bad = await attempt(h, V1, V2);
      await bad.waitClosed();
    }
    await assert.rejects(RawVehicle.open(h.tlsPort, getTestPki().vehicle(V1), 5));
    assert.ok(h.logs.some((l) => l.refusal === 'banned' && l.address === '127.0.0.1'));
  });

  it('applies a new policy version to new and live connections without a restart', async () => {
    h = await startRouterHarness({ brokers: 1 });
    const live = await attempt(h, V1);
    assert.equal(h.ctx.policy.current.version, 0);
    await h.setPolicy({ protocol: { maxPacketSize: 128 }, network: { deny: ['127.0.0.0/8'] } });
    assert.equal(h.ctx.policy.current.version, 1);
    // New connections from a denied network are dropped before TLS.
    await assert.rejects(RawVehicle.open(h.tlsPort, getTestPki().vehicle(V2), 5));
    // The live connection now has the smaller packet limit.
    live.send(
      bytes(`
      30 c8 01      | PUBLISH QoS 0, remaining length 200: over the new 128-byte limit
    `),
    );
    await live.waitClosed();
    assert.deepEqual(
      live.received.subarray(-4),
      bytes(`
        e0 02 | DISCONNECT, remaining length 2
        95    | 0x95 packet too large
        00    | no properties
      `),
    );
  });

  it('keeps the policy in force when a new version is invalid', async () => {
    h = await startRouterHarness({ brokers: 1, policy: { protocol: { maxPacketSize: 4096 } } });
    assert.equal(h.ctx.policy.current.version, 1);
    await h.setPolicy({ protocol: { maxPacketSize: 'large' } });
    assert.equal(h.ctx.policy.current.version, 1);
    assert.equal(h.ctx.policy.current.policy.protocol.maxPacketSize, 4096);
    assert.ok(
      h.logs.some(
        (l) => l.msg === 'policy rejected; keeping the one in force' && l.policyVersion === 2,
      ),
    );
  });

  it('tells 5.0 vehicles the server is shutting down (0x8B) when it stops', async () => {
    h = await startRouterHarness({ brokers: 1 });
    const live = await attempt(h, V1);
    await h.router.stop(2_000);
    await live.waitClosed();
    assert.deepEqual(
      live.received.subarray(-4),
      bytes(`
        e0 02 | DISCONNECT, remaining length 2
        8b    | 0x8B server shutting down
        00    | no properties
      `),
    );
  });
});
