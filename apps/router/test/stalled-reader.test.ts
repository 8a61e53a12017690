import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import mqtt from 'mqtt';
import { encodePacket, PacketReader } from '@roadcast/mqtt';
import { getTestPki } from '@roadcast/testing';
import { startRouterProcess, type RouterProcess } from './support/router-process.js';
import { connectVehicle } from './support/vehicle.js';

const VIN = 'WVWZZZ1JZXW001101';
const HONEST = 'WVWZZZ1JZXW001102';
const KiB = 1024;
const MiB = 1024 * KiB;
const WRITE_BUFFER = 64 * KiB;
const MAX_PACKET = 64 * KiB;
/** docs/security.md: 2 × writeBufferBytes + 4 × maxPacketSize + 256 KiB of socket buffers. */
const BOUND = 2 * WRITE_BUFFER + 4 * MAX_PACKET + 256 * KiB;

/** A vehicle that connects, subscribes to its notices, and then never reads again. */
async function neverReadingVehicle(port: number): Promise<TLSSocket> {
  const cert = getTestPki().vehicle(VIN);
  const socket = tlsConnect({
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    ca: getTestPki().ca,
    key: cert.key,
    cert: cert.cert,
  });
  socket.on('error', () => undefined);
  await once(socket, 'secureConnect');
  const reader = new PacketReader({ maxPacketSize: 1 << 28, protocolVersion: 5 });
  const seen: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const { packet } of reader.push(chunk)) seen.push(packet.cmd);
  };
  socket.on('data', onData);
  socket.write(
    encodePacket(
      {
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 5,
        clean: true,
        keepalive: 60,
        clientId: VIN,
      },
      5,
    ),
  );
  socket.write(
    encodePacket(
      {
        cmd: 'subscribe',
        messageId: 1,
        subscriptions: [{ topic: `vehicles/${VIN}/ota/notices`, qos: 0 }],
      },
      5,
    ),
  );
  for (let i = 0; i < 100 && !seen.includes('suback'); i++)
    await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(seen, ['connack', 'suback']);
  socket.off('data', onData);
  socket.pause();
  return socket;
}

describe('a vehicle that never reads', () => {
  let router: RouterProcess;
  before(async () => {
    router = await startRouterProcess({
      policy: {
        protocol: { maxPacketSize: MAX_PACKET },
        throttling: {
          writeBufferBytes: WRITE_BUFFER,
          stalledTimeoutMs: 3_000,
          // The flood below is about memory, not message rates.
          messages: { upstream: { perSecond: 0 } },
        },
      },
    });
  });
  after(() => router.stop());

  it('holds at most the documented bytes for it, then is disconnected as a stalled reader', async () => {
    const attacker = await neverReadingVehicle(router.tlsPort);
    await new Promise((r) => setTimeout(r, 300));
    const rssBefore = router.rss();

    // Notices keep coming from the broker, and the vehicle keeps sending PUBLISHes the
    // router refuses with a PUBACK each: both fill the direction the vehicle never reads.
    const backend = await mqtt.connectAsync(router.broker.url, {
      protocolVersion: 5,
      ...router.broker.credentials('bridge'),
    });
    const notice = Buffer.alloc(32 * KiB, 7);
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        await backend.publishAsync(`vehicles/${VIN}/ota/notices`, notice, { qos: 0 });
        await new Promise((r) => setImmediate(r));
      }
    })();
    const refused = Buffer.concat(
      Array.from({ length: 500 }, (_, i) =>
        encodePacket(
          {
            cmd: 'publish',
            topic: 'vehicles/WVWZZZ1JZXW001199/ota/acks',
            payload: Buffer.from('{}'),
            qos: 1,
            messageId: (i % 65_000) + 1,
            retain: false,
            dup: false,
          },
          5,
        ),
      ),
    );
    let sent = 0;
    let blocked = false;
    const flooding = (async () => {
      while (!attacker.destroyed && publishing) {
        sent += refused.length;
        if (!attacker.write(refused)) {
          // The router stopped reading: the attacker's own buffer fills; wait as a client must.
          blocked = true;
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              attacker.off('drain', done);
              resolve();
            };
            const timer = setTimeout(done, 200);
            attacker.once('drain', done);
          });
        }
      }
    })();

    let largest = 0;
    let rssPeak = 0;
    const deadline = Date.now() + 12_000;
    let closes = 0;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      largest = Math.max(
        largest,
        await router.metric('roadcast_router_held_bytes', { scope: 'largest' }),
      );
      rssPeak = Math.max(rssPeak, router.rss());
      closes = await router.metric('roadcast_router_closes_total', { reason: 'stalled-reader' });
      if (closes > 0) break;
    }
    publishing = false;
    await publisher;
    await flooding;
    attacker.destroy();
    await backend.endAsync();

    assert.ok(blocked, 'the router stopped reading from the vehicle');
    assert.ok(sent > 4 * MiB, `the vehicle sent ${sent} bytes of refused PUBLISHes`);
    assert.ok(
      largest > 0 && largest <= BOUND,
      `largest connection held ${largest} bytes, bound ${BOUND}`,
    );
    assert.equal(closes, 1, 'disconnected as a stalled reader');
    // Heap growth from handling the flood levels off; what the connection holds does not grow.
    const grown = rssPeak - rssBefore;
    assert.ok(grown < 64 * MiB, `router resident memory grew by ${Math.round(grown / MiB)} MiB`);

    // Others are still served.
    const honest = await connectVehicle(router.tlsPort, getTestPki().vehicle(HONEST), {
      clean: true,
      properties: {},
    });
    await honest.subscribeAsync(`vehicles/${HONEST}/ota/notices`, { qos: 1 });
    await honest.endAsync();
  });
});
