import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import { startMosquitto, type MosquittoBroker } from '@roadcast/testing';
import { statusTopic, type VehicleStatus } from '@roadcast/contracts';
import { MemoryNoticeStore, SimulatedFleet, VehicleClient } from '../src/index.js';
import { PlatformSide, eventually, makeNotice, testSigner } from './helpers.js';

let broker: MosquittoBroker;
let platform: PlatformSide;
let observer: MqttClient;
const reports: Array<{ vehicleId: string; status: VehicleStatus }> = [];
const signer = testSigner();

before(async () => {
  broker = await startMosquitto();
  platform = await PlatformSide.connect(broker);
  observer = await mqtt.connectAsync(broker.url, {
    ...broker.credentials('observer'),
    clientId: `status-${randomUUID()}`,
    protocolVersion: 5,
  });
  observer.on('message', (topic, payload) => {
    reports.push({
      vehicleId: topic.split('/')[1] ?? '',
      status: JSON.parse(payload.toString()) as VehicleStatus,
    });
  });
  await observer.subscribeAsync(statusTopic('+'), { qos: 1 });
});

after(async () => {
  await observer.endAsync();
  await platform.close();
  await broker.stop();
});

const reportsOf = (vehicleId: string) =>
  reports.filter((r) => r.vehicleId === vehicleId).map((r) => r.status);

test('the SDK reports status after connecting and whenever asked, stamped with its time', async () => {
  const id = `VCSTATUS${String(process.pid).padStart(9, '0')}`;
  let version = '1.0.0';
  const client = new VehicleClient({
    vehicleId: id,
    url: broker.url,
    brokerLogin: broker.credentials('router'),
    trustedKeys: signer.trustedKeys,
    store: new MemoryNoticeStore(),
    status: () => ({
      components: [{ id: 'head-unit', version }],
      boot: { health: 'healthy', bootedAt: '2026-11-29T10:00:00.000Z' },
    }),
  });
  await client.start();
  await eventually(() => reportsOf(id).length === 1, 'status after connect');
  assert.deepEqual(reportsOf(id)[0]?.components, [{ id: 'head-unit', version: '1.0.0' }]);
  assert.match(reportsOf(id)[0]?.at ?? '', /^\d{4}-\d\d-\d\dT/);
  version = '2.0.0';
  assert.equal(client.publishStatus(), true);
  await eventually(() => reportsOf(id).length === 2, 'status on request');
  assert.equal(reportsOf(id)[1]?.components?.[0]?.version, '2.0.0');
  await client.stop();
  assert.equal(client.publishStatus(), false, 'offline, nothing is sent');
});

test('simulated cars report the new version after installing it, or the old one when they fall back', async () => {
  const ids = ['VCBOOTOK', 'VCBOOTFAIL'].map((p) => `${p}${String(process.pid).padStart(9, '0')}`);
  const fleet = new SimulatedFleet({
    vehicles: ids.map((vehicleId) => ({ vehicleId })),
    url: broker.url,
    brokerLogin: broker.credentials('router'),
    trustedKeys: signer.trustedKeys,
    installedVersion: '1.0.0',
    components: ['infotainment'],
    stepMs: [10, 30],
  });
  // Decided per vehicle here rather than drawn, so the test knows which one falls back.
  Object.assign(fleet.vehicles[1]!.behaviour, { bootFails: true });
  await fleet.connect();
  await eventually(() => ids.every((id) => reportsOf(id).length === 1), 'status after connect');
  for (const id of ids) {
    await platform.publish(id, makeNotice(signer.key, id));
  }
  await eventually(() => ids.every((id) => reportsOf(id).length === 2), 'status after reboot');
  const last = (id: string) => reportsOf(id).at(-1)?.components;
  assert.deepEqual(last(ids[0]!), [{ id: 'infotainment', version: '2.0.0' }]);
  assert.deepEqual(last(ids[1]!), [{ id: 'infotainment', version: '1.0.0' }]);
  assert.deepEqual(
    ids.map((id) => [...fleet.vehicles.find((v) => v.vehicleId === id)!.outcomes.values()]),
    [['installed'], ['installed']],
    'both reported installed; only the status tells the fall-back',
  );
  await fleet.stop();
});
