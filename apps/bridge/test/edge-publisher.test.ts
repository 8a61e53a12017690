import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import mqtt from 'mqtt';
import { encodePublishBatch, PUBLISH_LOST, Qos1Publisher, type PublishBatch } from '@roadcast/mqtt';
import { startMosquitto, uniquePrefix, type MosquittoBroker } from '@roadcast/testing';
import { waitFor } from './bridge-fixture.js';

// The bridge's publish path (libs/mqtt's QoS 1 publisher) against a real Mosquitto.

const closers: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
});

async function broker(config: string[] = []): Promise<MosquittoBroker> {
  const b = await startMosquitto({ persistence: false, config });
  closers.push(() => b.stop());
  return b;
}

/** The bridge's publisher, logged in as the bridge; `url` may lead through a relay. */
async function publisher(
  b: MosquittoBroker,
  url = b.url,
  maxInflight = 100,
): Promise<Qos1Publisher> {
  const p = new Qos1Publisher({
    session: {
      url,
      clientId: uniquePrefix('edge-publisher'),
      keepaliveSeconds: 10,
      ...b.credentials('bridge'),
    },
    maxInflight,
    ackTimeoutMs: 10_000,
    reconnectMinMs: 100,
    reconnectMaxMs: 500,
  });
  closers.push(() => p.close());
  assert.equal(await p.waitConnected(10_000), true);
  return p;
}

function notices(vehicleIds: readonly string[]): PublishBatch {
  return encodePublishBatch(
    vehicleIds.map((id) => ({
      topic: `vehicles/${id}/ota/notices`,
      payload: Buffer.from(JSON.stringify({ noticeId: `n-${id}`, pad: 'x'.repeat(400) })),
      properties: {
        messageExpiryInterval: 3600,
        contentType: 'application/json',
        payloadFormatIndicator: true,
        userProperties: { noticeId: `n-${id}`, campaignId: 'c-1' },
      },
    })),
  );
}

const vehicles = (tag: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${tag}${String(i).padStart(6, '0')}`);

/**
 * A TCP relay that watches the bytes between publisher and broker: PUBLISH packets one way,
 * PUBACKs the other, so the test sees what was unacknowledged on the wire at every moment.
 */
async function countingRelay(target: MosquittoBroker) {
  const stats = { outstanding: 0, most: 0, publishes: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, '127.0.0.1');
    const watch = (type: number, delta: number) => {
      let pending = Buffer.alloc(0);
      return (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        for (;;) {
          let length = 0;
          let multiplier = 1;
          let at = 1;
          let byte = 0x80;
          while (byte & 0x80 && at < pending.length) {
            byte = pending[at++]!;
            length += (byte & 0x7f) * multiplier;
            multiplier *= 128;
          }
          if (byte & 0x80 || at + length > pending.length) return;
          if (pending[0]! >> 4 === type) {
            stats.outstanding += delta;
            if (delta > 0) stats.publishes += 1;
            stats.most = Math.max(stats.most, stats.outstanding);
          }
          pending = pending.subarray(at + length);
        }
      };
    };
    client.on('data', watch(3, 1));
    upstream.on('data', watch(4, -1));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`, stats };
}

test('Mosquitto answers 0x00 where a session subscribes and 0x10 where none does', async () => {
  const b = await broker();
  const ids = vehicles('PA', 40);
  const observer = await mqtt.connectAsync(b.url, {
    ...b.credentials('observer'),
    protocolVersion: 5,
    clientId: uniquePrefix('observer'),
  });
  closers.push(() => observer.endAsync(true));
  const subscribed = ids.filter((_, i) => i % 4 === 0);
  await observer.subscribeAsync(
    subscribed.map((id) => `vehicles/${id}/ota/notices`),
    { qos: 1 },
  );
  const received: string[] = [];
  observer.on('message', (topic) => received.push(topic.split('/')[1]!));
  const p = await publisher(b);
  const codes = await p.publish(notices(ids));
  assert.deepEqual(
    [...codes],
    ids.map((_, i) => (i % 4 === 0 ? 0x00 : 0x10)),
  );
  await waitFor(() => received.length === subscribed.length, 5_000, 'notices at the observer');
  assert.deepEqual(received.sort(), subscribed);
});

test("the window follows Mosquitto's receive maximum on the wire", async () => {
  const b = await broker(['max_inflight_messages 5']);
  const relay = await countingRelay(b);
  const p = await publisher(b, relay.url, 100);
  assert.equal(p.windowSize, 5, 'lowered to the Receive Maximum from CONNACK');
  const results = await Promise.all([
    p.publish(notices(vehicles('RA', 1_500))),
    p.publish(notices(vehicles('RB', 500))),
  ]);
  assert.ok(results.every((codes) => codes.every((c) => c === 0x10)));
  assert.equal(relay.stats.publishes, 2_000);
  assert.ok(relay.stats.most <= 5, `${relay.stats.most} unacknowledged at most`);
  assert.ok(relay.stats.most >= 2, 'the window was used');
});

test('a broker killed mid-batch fails exactly what it did not acknowledge; the publisher comes back', async () => {
  const b = await broker(['max_inflight_messages 50']);
  const p = await publisher(b, b.url, 50);
  const ids = vehicles('KB', 20_000);
  const pending = p.publish(notices(ids));
  await waitFor(() => p.inflight > 0, 5_000, 'publishes in flight');
  await new Promise((r) => setTimeout(r, 20));
  await b.kill();
  const codes = await pending;
  const acked = codes.filter((c) => c === 0x10).length;
  const lost = codes.filter((c) => c === PUBLISH_LOST).length;
  assert.equal(acked + lost, ids.length, 'every notice ends acknowledged or lost, none in between');
  assert.ok(lost > 0, 'the kill landed mid-batch');
  const firstLost = codes.indexOf(PUBLISH_LOST);
  assert.ok(
    codes.subarray(firstLost).every((c) => c === PUBLISH_LOST),
    'nothing after the first loss was acknowledged',
  );
  assert.equal(p.inflight, 0);
  assert.equal(p.connected, false);

  await b.restart();
  assert.equal(await p.waitConnected(10_000), true, 'reconnected with backoff');
  const again = await p.publish(notices(ids.slice(firstLost, firstLost + 100)));
  assert.ok(again.every((c) => c === 0x10));
});
