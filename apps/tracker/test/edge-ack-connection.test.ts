import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import { createLogger } from '@roadcast/observability';
import { startMosquitto, type MosquittoBroker } from '@roadcast/testing';
import { EdgeAckConnection, type IncomingAck } from '../src/ingest/edge-ack-connection.js';
import { eventually } from './fixtures.js';

const logger = createLogger({ service: 'tracker-test', level: 'warn' });
const PROBE = 'vehicles/PROBE/ota/acks';
let broker: MosquittoBroker;
let vehicles: MqttClient;
const consumers: EdgeAckConnection[] = [];

before(async () => {
  broker = await startMosquitto();
  vehicles = await mqtt.connectAsync(broker.url, {
    clientId: `fleet-${randomUUID()}`,
    protocolVersion: 5,
    ...broker.credentials('observer'),
  });
});

after(async () => {
  await Promise.all(consumers.map((c) => c.close()));
  await vehicles.endAsync();
  await broker.stop();
});

/**
 * A consumer with the tracker's identity in a share group of its own, collecting the acks it
 * is handed; probes are released at once and only counted.
 */
function consumer(clientId: string, receiveMaximum: number, acks: IncomingAck[]) {
  const { username, password } = broker.credentials('tracker');
  const probes = { seen: 0 };
  const connection = new EdgeAckConnection({
    brokerId: broker.id,
    url: broker.url,
    clientId,
    username,
    password: Buffer.from(password),
    filter: `$share/${clientId}/vehicles/+/ota/acks`,
    sessionExpirySeconds: 600,
    receiveMaximum,
    onAck: (ack) => {
      if (ack.topic !== PROBE) return acks.push(ack);
      probes.seen += 1;
      ack.release();
    },
    logger,
  });
  consumers.push(connection);
  connection.start();
  return { connection, probes };
}

/** Publishes probes until one arrives: the consumer's subscription is in place. */
async function subscribed(probes: { seen: number }): Promise<void> {
  await eventually(async () => {
    if (probes.seen > 0) return true;
    await vehicles.publishAsync(PROBE, 'probe', { qos: 1 });
    await new Promise((r) => setTimeout(r, 100));
    return probes.seen > 0;
  }, 'the subscription in place');
}

const publishAcks = (names: string[]) =>
  Promise.all(names.map((n) => vehicles.publishAsync(`vehicles/${n}/ota/acks`, n, { qos: 1 })));

const payloads = (acks: IncomingAck[]) => acks.map((a) => a.payload.toString()).sort();

test('announces its Receive Maximum: the broker holds further acks until PUBACKs come', async () => {
  const acks: IncomingAck[] = [];
  await subscribed(consumer(`roadcast-test-${process.pid}-window`, 2, acks).probes);
  await publishAcks(['V1', 'V2', 'V3', 'V4', 'V5']);
  await eventually(() => acks.length === 2, 'the first two');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(acks.length, 2, 'nothing more while two wait for their PUBACK');
  // Each release frees the window; Mosquitto refills it as it sees fit, so only totals count.
  for (let released = 0; released < 5;) {
    await eventually(() => acks.length > released, 'another ack');
    for (const a of acks.slice(released)) a.release();
    released = acks.length;
  }
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(payloads(acks), ['V1', 'V2', 'V3', 'V4', 'V5'], 'each once');
});

test('acks not released, or released after their connection ended, come back on the resumed session', async () => {
  const clientId = `roadcast-test-${process.pid}-resume`;
  const first: IncomingAck[] = [];
  const a = consumer(clientId, 10, first);
  await subscribed(a.probes);
  await publishAcks(['R1', 'R2', 'R3']);
  await eventually(() => first.length === 3, 'three acks');
  first.find((x) => x.payload.toString() === 'R1')!.release();
  await new Promise((r) => setTimeout(r, 100));
  await a.connection.close();
  // Its packet id would acknowledge something else on the next connection.
  first.find((x) => x.payload.toString() === 'R2')!.release();

  const second: IncomingAck[] = [];
  consumer(clientId, 10, second);
  await eventually(() => second.length === 2, 'the two unacknowledged');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(payloads(second), ['R2', 'R3']);
  for (const x of second) x.release();
});
