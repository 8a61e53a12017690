import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_VEHICLE_IDS, getTestPki, type TestCertificate } from '@roadcast/testing';
import { bytes } from './support/bytes.js';
import { startRouterHarness, type RouterHarness } from './support/router-harness.js';
import { RawVehicle, connectPacket } from './support/vehicle.js';

const VIN = 'WVWZZZ1JZXW000201';
const OTHER = 'WVWZZZ1JZXW000299';

describe('router refusals at CONNECT', () => {
  let h: RouterHarness;
  before(async () => {
    // Bans off here: these cases fail authentication on purpose, from one address.
    h = await startRouterHarness({
      brokers: 1,
      policy: {
        network: { authFailureBan: { banSeconds: 0 } },
        protocol: { connectTimeoutMs: 400 },
      },
    });
  });
  after(() => h.close());

  const pki = () => getTestPki();
  const cases: Array<{
    name: string;
    cert: () => TestCertificate | null;
    connect: Parameters<typeof connectPacket>;
    reason: string;
    expected: Buffer;
  }> = [
    {
      name: '5.0 client id of another vehicle',
      cert: () => pki().vehicle(VIN),
      connect: [OTHER, 5],
      reason: 'client-id-mismatch',
      expected: bytes(`
        20 03 | CONNACK, remaining length 3
        00    | session present 0
        85    | 0x85 client identifier not valid
        00    | no properties
      `),
    },
    {
      name: '3.1.1 client id of another vehicle',
      cert: () => pki().vehicle(VIN),
      connect: [OTHER, 4],
      reason: 'client-id-mismatch',
      expected: bytes(`
        20 02 | CONNACK, remaining length 2
        00    | session present 0
        02    | return code 2: identifier rejected
      `),
    },
    {
      name: '5.0 username of another vehicle',
      cert: () => pki().vehicle(VIN),
      connect: [VIN, 5, { username: OTHER }],
      reason: 'username-mismatch',
      expected: bytes(`
        20 03 | CONNACK, remaining length 3
        00    | session present 0
        86    | 0x86 bad user name or password
        00    | no properties
      `),
    },
    {
      name: '5.0 revoked certificate',
      cert: () => pki().revoked,
      connect: [TEST_VEHICLE_IDS.revoked, 5],
      reason: 'certificate-rejected',
      expected: bytes(`
        20 03 | CONNACK, remaining length 3
        00    | session present 0
        87    | 0x87 not authorized
        00    | no properties
      `),
    },
    {
      name: '3.1.1 expired certificate',
      cert: () => pki().expired,
      connect: ['', 4, { clean: true }],
      reason: 'certificate-rejected',
      expected: bytes(`
        20 02 | CONNACK, remaining length 2
        00    | session present 0
        05    | return code 5: not authorized
      `),
    },
    {
      name: '5.0 certificate from a foreign CA',
      cert: () => pki().foreign,
      connect: [TEST_VEHICLE_IDS.foreign, 5],
      reason: 'certificate-rejected',
      expected: bytes(`
        20 03 | CONNACK, remaining length 3
        00    | session present 0
        87    | 0x87 not authorized
        00    | no properties
      `),
    },
    {
      name: '5.0 without a client certificate',
      cert: () => null,
      connect: [VIN, 5],
      reason: 'no-certificate',
      expected: bytes(`
        20 03 | CONNACK, remaining length 3
        00    | session present 0
        87    | 0x87 not authorized
        00    | no properties
      `),
    },
    {
      name: '5.0 will on a topic the vehicle may not publish to',
      cert: () => pki().vehicle(VIN),
      connect: [
        VIN,
        5,
        {
          will: {
            topic: `vehicles/${OTHER}/status`,
            payload: Buffer.from('gone'),
            qos: 0,
            retain: false,
          },
        },
      ],
      reason: 'will-not-authorized',
      expected: bytes(`
        20 03 | CONNACK, remaining length 3
        00    | session present 0
        87    | 0x87 not authorized
        00    | no properties
      `),
    },
    {
      name: 'MQTT 3.1 (protocol level 3)',
      cert: () => pki().vehicle(VIN),
      connect: [VIN, 4, { protocolId: 'MQIsdp', protocolVersion: 3 }],
      reason: 'unsupported-protocol',
      expected: bytes(`
        20 02 | CONNACK, remaining length 2
        00    | session present 0
        01    | return code 1: unacceptable protocol version
      `),
    },
  ];

  for (const c of cases) {
    it(`answers ${c.name} with the protocol's refusal, then closes`, async () => {
      const before =
        (await h.ctx.metrics.refusals.get()).values.find((v) => v.labels.reason === c.reason)
          ?.value ?? 0;
      const raw = await RawVehicle.open(h.tlsPort, c.cert(), c.connect[1] === 5 ? 5 : 4);
      const [clientId, version, extra] = c.connect;
      raw.sendPacket(connectPacket(clientId, version, extra), version === 5 ? 5 : 4);
      await raw.waitClosed();
      assert.deepEqual(raw.received, c.expected);
      const after =
        (await h.ctx.metrics.refusals.get()).values.find((v) => v.labels.reason === c.reason)
          ?.value ?? 0;
      assert.equal(after, before + 1);
      const line = h.logs.findLast((l) => l.refusal === c.reason);
      assert.equal(line?.address, '127.0.0.1');
      if (c.cert()) assert.equal(line?.vehicleId, c.cert()!.vehicleId);
    });
  }

  it('closes a connection that sends nothing within the CONNECT deadline', async () => {
    const raw = await RawVehicle.open(h.tlsPort, pki().vehicle(VIN));
    const started = Date.now();
    await raw.waitClosed(3_000);
    assert.ok(Date.now() - started >= 300, 'closed only after the deadline');
    assert.equal(raw.received.length, 0);
  });

  it('closes a connection whose first packet is not CONNECT [MQTT-3.1.0-1]', async () => {
    const raw = await RawVehicle.open(h.tlsPort, pki().vehicle(VIN));
    raw.send(
      bytes(`
      c0 00 | PINGREQ, remaining length 0
    `),
    );
    await raw.waitClosed();
    assert.equal(raw.received.length, 0);
  });

  it('refuses an oversized CONNECT from its fixed header alone (3.1.1: no CONNACK)', async () => {
    const raw = await RawVehicle.open(h.tlsPort, pki().vehicle(VIN), 4);
    raw.send(
      bytes(`
      10 80 80 80 01 | CONNECT, remaining length 2 097 152, over the 256 KiB limit
    `),
    );
    await raw.waitClosed();
    assert.equal(raw.received.length, 0);
    assert.ok(h.logs.some((l) => l.refusal === 'packet-too-large' && l.vehicleId === VIN));
  });
});
