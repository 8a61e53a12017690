import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import {
  platformCredentials,
  startMosquitto,
  type BrokerIdentity,
  type MosquittoBroker,
} from '../src/index.js';

const brokers: MosquittoBroker[] = [];
const clients: MqttClient[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await Promise.all(brokers.map((b) => b.stop()));
});

async function broker(
  options: Parameters<typeof startMosquitto>[0] = {},
): Promise<MosquittoBroker> {
  const b = await startMosquitto(options);
  brokers.push(b);
  return b;
}

async function client(
  url: string,
  clientId: string,
  clean: boolean,
  identity: BrokerIdentity | null = 'observer',
): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, {
    clientId,
    ...(identity ? platformCredentials()[identity] : {}),
    protocolVersion: 5,
    clean,
    properties: { sessionExpiryInterval: clean ? 0 : 3600 },
    reconnectPeriod: 0,
  });
  clients.push(c);
  return c;
}

/** Connects a persistent MQTT 5 session and resolves with CONNACK's session-present flag. */
function resume(
  url: string,
  clientId: string,
): { client: MqttClient; sessionPresent: Promise<boolean> } {
  const c = mqtt.connect(url, {
    clientId,
    ...platformCredentials().router,
    protocolVersion: 5,
    clean: false,
    properties: { sessionExpiryInterval: 3600 },
    reconnectPeriod: 0,
  });
  clients.push(c);
  return {
    client: c,
    sessionPresent: new Promise((resolve) =>
      c.once('connect', (packet) => resolve(packet.sessionPresent)),
    ),
  };
}

function nextMessage(c: MqttClient): Promise<{ topic: string; payload: string }> {
  return new Promise((resolve) =>
    c.once('message', (topic, payload) => resolve({ topic, payload: payload.toString() })),
  );
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('startMosquitto', () => {
  it('runs a broker on its own port that relays QoS 1 messages', async () => {
    const b = await broker({ id: 'edge-relay' });
    assert.equal(b.id, 'edge-relay');
    assert.equal(b.url, `mqtt://127.0.0.1:${b.port}`);
    const sub = await client(b.url, 'relay-sub', true);
    await sub.subscribeAsync('vehicles/+/ota/notices', { qos: 1 });
    const received = nextMessage(sub);
    const pub = await client(b.url, 'relay-pub', true);
    await pub.publishAsync('vehicles/V1/ota/notices', 'hello', { qos: 1 });
    assert.deepEqual(await received, { topic: 'vehicles/V1/ota/notices', payload: 'hello' });
  });

  it('gives two brokers different ports and folders', async () => {
    const [a, c] = await Promise.all([broker(), broker()]);
    assert.notEqual(a.port, c.port);
    assert.notEqual(a.dataDir, c.dataDir);
  });

  it('keeps a persistent session and its queued message across stop and restart', async () => {
    const b = await broker();
    const vehicle = await client(b.url, 'VEHICLE-PERSIST', false, 'router');
    await vehicle.subscribeAsync('vehicles/VEHICLE-PERSIST/ota/notices', { qos: 1 });
    await vehicle.endAsync();
    const pub = await client(b.url, 'persist-pub', true, 'bridge');
    await pub.publishAsync('vehicles/VEHICLE-PERSIST/ota/notices', 'queued', { qos: 1 });
    await pub.endAsync();

    await b.stop();
    assert.equal(b.running, false);
    assert.ok(await refused(b.port), 'a stopped broker accepts no connections');
    assert.ok(existsSync(`${b.dataDir}/mosquitto.db`), 'graceful stop writes the persistence file');
    const port = b.port;
    await b.restart();
    assert.equal(b.port, port);

    const again = resume(b.url, 'VEHICLE-PERSIST');
    // Listening before CONNACK: the queued message may arrive in the same read.
    const message = nextMessage(again.client);
    assert.equal(await again.sessionPresent, true);
    assert.deepEqual(await message, {
      topic: 'vehicles/VEHICLE-PERSIST/ota/notices',
      payload: 'queued',
    });
  });

  it('loses what was not saved when killed, and restarts on the same port', async () => {
    const b = await broker();
    const vehicle = await client(b.url, 'VEHICLE-KILLED', false, 'router');
    await vehicle.subscribeAsync('vehicles/VEHICLE-KILLED/ota/notices', { qos: 1 });
    await vehicle.endAsync();
    await b.kill();
    assert.equal(b.running, false);
    await b.restart();
    assert.equal(b.running, true);
    const back = resume(b.url, 'VEHICLE-KILLED');
    // The session lived only in memory (no save since it was made): the broker forgot it.
    assert.equal(await back.sessionPresent, false);
    assert.match(readFileSync(b.logFile, 'utf8'), /mosquitto version .* running/);
  });

  it('fails fast, naming the cause, when the requested port is taken', async () => {
    const taken = await broker();
    await assert.rejects(startMosquitto({ port: taken.port, startTimeoutMs: 5000 }), /in use/);
  });

  it('admits only the identities it knows, each with the rights of the production ACL', async () => {
    const b = await broker();
    await assert.rejects(client(b.url, 'anonymous', true, null), { code: 0x87 });
    await assert.rejects(
      mqtt.connectAsync(b.url, {
        protocolVersion: 5,
        username: b.credentials('router').username,
        password: 'wrong',
        reconnectPeriod: 0,
      }),
      { code: 0x87 },
    );
    const vehicle = await client(b.url, 'VEHICLE-OWN', true, 'router');
    await vehicle.subscribeAsync('vehicles/+/ota/notices', { qos: 1 });
    const received = nextMessage(vehicle);
    const bridge = await client(b.url, 'acl-bridge', true, 'bridge');
    await bridge.publishAsync('vehicles/VEHICLE-OTHER/ota/notices', 'not yours', { qos: 1 });
    await bridge.publishAsync('vehicles/VEHICLE-OWN/ota/notices', 'yours', { qos: 1 });
    assert.deepEqual(await received, {
      topic: 'vehicles/VEHICLE-OWN/ota/notices',
      payload: 'yours',
    });
    await assert.rejects(
      vehicle.publishAsync('vehicles/VEHICLE-OTHER/ota/acks', '{}', { qos: 1 }),
      { code: 0x87 },
    );
  });

  it('lets anyone in when asked for a bare broker', async () => {
    const b = await broker({ anonymous: true });
    const c = await client(b.url, 'anyone', true, null);
    await c.publishAsync('anything/at/all', 'x', { qos: 1 });
  });

  it('applies extra configuration lines', async () => {
    const b = await broker({ config: ['max_packet_size 200'] });
    const c = await client(b.url, 'big-packet', true);
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.publish('vehicles/V1/status', 'x'.repeat(400), { qos: 1 });
    await closed;
  });
});
