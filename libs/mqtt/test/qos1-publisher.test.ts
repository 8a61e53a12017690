import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  encodePublishBatch,
  PUBLISH_LOST,
  PUBLISH_TIMED_OUT,
  Qos1Publisher,
  type Qos1PublisherOptions,
} from '../src/index.js';
import {
  acceptWith,
  ScriptedBroker,
  waitUntil,
  type ScriptedConnection,
} from './scripted-broker.js';

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

async function broker(onConnection: (c: ScriptedConnection) => void): Promise<ScriptedBroker> {
  const b = await ScriptedBroker.start(onConnection);
  closers.push(() => b.close());
  return b;
}

async function publisher(
  url: string,
  overrides: Partial<Qos1PublisherOptions> = {},
): Promise<Qos1Publisher> {
  const p = new Qos1Publisher({
    session: { url, clientId: 'publisher', keepaliveSeconds: 0 },
    maxInflight: 100,
    ackTimeoutMs: 5_000,
    reconnectMinMs: 50,
    reconnectMaxMs: 200,
    ...overrides,
  });
  closers.push(() => p.close());
  assert.equal(await p.waitConnected(5_000), true, 'publisher connected');
  return p;
}

const batchOf = (n: number, size = 20) =>
  encodePublishBatch(
    Array.from({ length: n }, (_, i) => ({
      topic: `vehicles/V${i}/ota/notices`,
      payload: Buffer.alloc(size, i),
      properties: { messageExpiryInterval: 60 },
    })),
  );

/** Acknowledges every PUBLISH at once with a reason the test picks by topic. */
const acking =
  (reasonFor: (topic: string) => number = () => 0, connack = {}) =>
  (c: ScriptedConnection) =>
    c.onPacket((p) => {
      if (p.cmd === 'connect') c.connack(connack);
      if (p.cmd === 'publish') c.puback(p.messageId!, reasonFor(p.topic));
    });

describe('QoS 1 publisher', () => {
  it('ends each publish with its own PUBACK reason code, matched by packet id', async () => {
    const reasons = [0x00, 0x10, 0x87, 0x10, 0x00];
    const b = await broker(acking((t) => reasons[Number(/V(\d+)/.exec(t)![1]) % 5]!));
    const p = await publisher(b.url);
    const codes = await p.publish(batchOf(20));
    assert.deepEqual(
      [...codes],
      Array.from({ length: 20 }, (_, i) => reasons[i % 5]),
    );
    const ids = b.connections[0]!.published().map((x) => x.messageId);
    assert.equal(new Set(ids).size, 20, 'distinct packet ids in flight');
    assert.equal(p.inflight, 0);
  });

  it('never has more unacknowledged than the Receive Maximum from CONNACK', async () => {
    let outstanding: number[] = [];
    let most = 0;
    const b = await broker((c) =>
      c.onPacket((packet) => {
        if (packet.cmd === 'connect') c.connack({ receiveMaximum: 3 });
        if (packet.cmd !== 'publish') return;
        outstanding.push(packet.messageId!);
        most = Math.max(most, outstanding.length);
        // Acknowledge lazily, oldest first, so the window really fills.
        setTimeout(() => {
          const id = outstanding.shift();
          if (id !== undefined) c.puback(id);
        }, 2);
      }),
    );
    const p = await publisher(b.url, { maxInflight: 100 });
    assert.equal(p.windowSize, 3);
    const results = await Promise.all([p.publish(batchOf(40)), p.publish(batchOf(25))]);
    assert.ok(results.every((codes) => codes.every((c) => c === 0)));
    assert.equal(b.connections[0]!.published().length, 65);
    assert.equal(most, 3);
    outstanding = [];
  });

  it('writes a batch that fits the window as one run', async () => {
    const b = await broker(acking());
    const p = await publisher(b.url);
    const before = b.connections[0]!.chunks;
    const codes = await p.publish(batchOf(80, 50));
    assert.ok(codes.every((c) => c === 0));
    assert.ok(b.connections[0]!.chunks - before <= 2, `${b.connections[0]!.chunks - before} reads`);
  });

  it('fails what is unacknowledged when the broker drops mid-batch, then reconnects', async () => {
    const b = await broker((c) => {
      const first = b.connections.length === 1;
      let seen = 0;
      c.onPacket((packet) => {
        if (packet.cmd === 'connect') c.connack({});
        if (packet.cmd !== 'publish') return;
        seen += 1;
        if (!first) return c.puback(packet.messageId!);
        if (seen <= 10) c.puback(packet.messageId!);
        else if (seen === 11) setTimeout(() => c.socket.destroy(), 20);
      });
    });
    const p = await publisher(b.url);
    const codes = await p.publish(batchOf(50));
    assert.deepEqual([...codes.subarray(0, 10)], Array(10).fill(0));
    assert.ok(
      [...codes.subarray(10)].every((c) => c === PUBLISH_LOST),
      'the rest is lost',
    );
    assert.equal(p.inflight, 0);
    assert.equal(await p.waitConnected(5_000), true, 'reconnected');
    const again = await p.publish(batchOf(5));
    assert.deepEqual([...again], [0, 0, 0, 0, 0]);
    assert.equal(b.connections.length, 2);
  });

  it('times a batch out once, and drops a connection whose PUBACKs stop coming', async () => {
    const b = await broker(acceptWith());
    const p = await publisher(b.url, { ackTimeoutMs: 300 });
    const started = Date.now();
    const codes = await p.publish(batchOf(10));
    assert.ok(codes.every((c) => c === PUBLISH_TIMED_OUT));
    assert.ok(Date.now() - started >= 290);
    await waitUntil(
      () => b.connections[0]!.socket.destroyed || b.connections[0]!.socket.readableEnded,
      'dropped',
    );
    assert.equal(p.inflight, 0);
  });

  it('answers at once, unsent, when not connected', async () => {
    const p = new Qos1Publisher({
      session: { url: 'mqtt://127.0.0.1:1', clientId: 'nobody', connectTimeoutMs: 200 },
      maxInflight: 10,
      ackTimeoutMs: 1_000,
      reconnectMinMs: 1_000,
    });
    closers.push(() => p.close());
    const codes = await p.publish(batchOf(3));
    assert.deepEqual([...codes], [PUBLISH_LOST, PUBLISH_LOST, PUBLISH_LOST]);
    assert.equal(await p.waitConnected(100), false);
  });

  it("refuses a packet larger than the broker's Maximum Packet Size without sending it", async () => {
    const b = await broker(acking(() => 0, { maximumPacketSize: 200 }));
    const p = await publisher(b.url);
    const batch = encodePublishBatch([
      { topic: 't/1', payload: Buffer.alloc(10) },
      { topic: 't/2', payload: Buffer.alloc(500) },
      { topic: 't/3', payload: Buffer.alloc(10) },
    ]);
    const codes = await p.publish(batch);
    assert.deepEqual([...codes], [0, 0x95, 0]);
    assert.deepEqual(
      b.connections[0]!.published().map((x) => x.topic),
      ['t/1', 't/3'],
    );
  });

  it('ignores a PUBACK for a packet id it never sent', async () => {
    const b = await broker((c) =>
      c.onPacket((packet) => {
        if (packet.cmd === 'connect') c.connack({});
        if (packet.cmd === 'publish') {
          c.puback(60_000);
          c.puback(packet.messageId!, 0x10);
        }
      }),
    );
    const p = await publisher(b.url);
    assert.deepEqual([...(await p.publish(batchOf(2)))], [0x10, 0x10]);
  });

  it('reports each publish→PUBACK time', async () => {
    const b = await broker(acking());
    const times: number[] = [];
    const p = await publisher(b.url, { onAckLatency: (ms) => times.push(ms) });
    await p.publish(batchOf(30));
    assert.equal(times.length, 30);
    assert.ok(times.every((t) => t >= 0 && t < 5_000));
  });
});
