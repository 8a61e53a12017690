import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultPolicy, parsePolicy } from '../src/index.js';

describe('parsePolicy', () => {
  it('turns an empty document into the defaults', () => {
    const result = parsePolicy({});
    assert.ok(result.ok);
    assert.deepEqual(result.policy, defaultPolicy());
    assert.equal(result.policy.protocol.maxPacketSize, 262_144);
    assert.deepEqual(result.policy.protocol.roles.vehicle?.subscribe, ['vehicles/{vehicleId}/#']);
  });

  it('gives every hostile-load limit a default', () => {
    const p = defaultPolicy();
    assert.deepEqual(p.preAuth, {
      maxConnections: 2_000,
      maxPerAddress: 0,
      maxConnectBytes: 4_096,
      unidentifiedTimeoutMs: 2_000,
      refusalAnswers: { perSecond: 20, burst: 100 },
    });
    assert.deepEqual(p.throttling.messages, {
      upstream: { perSecond: 100, burst: 1_000 },
      downstream: { perSecond: 0, burst: 1_000 },
      upstreamGraceMs: 10_000,
    });
    assert.equal(p.throttling.writeBufferBytes, 65_536);
    assert.equal(p.throttling.stalledTimeoutMs, 30_000);
    assert.deepEqual([p.protocol.minKeepAliveSeconds, p.protocol.maxKeepAliveSeconds], [5, 1_200]);
    assert.deepEqual(p.network.proxyProtocol, { trustedSources: [], required: true });
    assert.deepEqual(p.logging, { refusalIntervalMs: 10_000, refusalLinesPerInterval: 20 });
  });

  it('keeps given values and fills the rest', () => {
    const result = parsePolicy({
      protocol: { maxPacketSize: 4096 },
      network: { deny: ['192.0.2.0/24'] },
    });
    assert.ok(result.ok);
    assert.equal(result.policy.protocol.maxPacketSize, 4096);
    assert.equal(result.policy.protocol.connectTimeoutMs, 10_000);
    assert.deepEqual(result.policy.network.deny, ['192.0.2.0/24']);
  });

  const invalid: Array<[string, unknown, string]> = [
    ['an unknown top-level field', { bogus: true }, '/bogus'],
    [
      'a packet size below the minimum',
      { protocol: { maxPacketSize: 10 } },
      '/protocol/maxPacketSize',
    ],
    ['a network with a bad prefix', { network: { allow: ['10.0.0.0/33'] } }, '/network/allow/0'],
    ['a network that is not an address', { network: { deny: ['example.com'] } }, '/network/deny/0'],
    [
      'a trusted PROXY source that is not a network',
      { network: { proxyProtocol: { trustedSources: ['balancer.local'] } } },
      '/network/proxyProtocol/trustedSources/0',
    ],
    [
      'a minimum keep alive above the maximum',
      { protocol: { minKeepAliveSeconds: 600, maxKeepAliveSeconds: 60 } },
      '/protocol/minKeepAliveSeconds',
    ],
    [
      'a write buffer below the socket high-water mark',
      { throttling: { writeBufferBytes: 1_024 } },
      '/throttling/writeBufferBytes',
    ],
    [
      'a topic pattern with a misplaced wildcard',
      { protocol: { roles: { vehicle: { publish: ['a/#/b'], subscribe: [] } } } },
      '/protocol/roles/vehicle/publish/0',
    ],
  ];
  for (const [name, doc, path] of invalid) {
    it(`refuses ${name}`, () => {
      const result = parsePolicy(doc);
      assert.equal(result.ok, false);
      assert.ok(
        !result.ok && result.problems.some((p) => p.path === path),
        JSON.stringify(!result.ok && result.problems),
      );
    });
  }

  it('keeps the default vehicle role beside added roles unless the document replaces it', () => {
    const added = parsePolicy({
      protocol: { roles: { service: { publish: ['svc/#'], subscribe: [] } } },
    });
    assert.ok(added.ok);
    assert.deepEqual(Object.keys(added.policy.protocol.roles).sort(), ['service', 'vehicle']);
    const replaced = parsePolicy({
      protocol: {
        roles: { vehicle: { publish: [], subscribe: ['vehicles/{vehicleId}/ota/notices'] } },
      },
    });
    assert.ok(replaced.ok);
    assert.deepEqual(replaced.policy.protocol.roles.vehicle, {
      publish: [],
      subscribe: ['vehicles/{vehicleId}/ota/notices'],
    });
  });

  it('does not modify its input', () => {
    const input = { protocol: { maxPacketSize: 4096 } };
    parsePolicy(input);
    assert.deepEqual(input, { protocol: { maxPacketSize: 4096 } });
  });
});
