import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startMosquitto, type MosquittoBroker } from '@roadcast/testing';
import type { Notice } from '@roadcast/contracts';
import {
  FileNoticeStore,
  MemoryNoticeStore,
  VehicleClient,
  type NoticeStore,
  type RejectedNotice,
  type VehicleClientOptions,
} from '../src/index.js';
import { PlatformSide, eventually, makeNotice, testSigner } from './helpers.js';

let broker: MosquittoBroker;
let platform: PlatformSide;
let dir: string;
const signer = testSigner();
let vehicleCounter = 0;
const clients: VehicleClient[] = [];

before(async () => {
  broker = await startMosquitto();
  platform = await PlatformSide.connect(broker);
  dir = await mkdtemp(join(tmpdir(), 'roadcast-vehicle-client-'));
});

after(async () => {
  await Promise.all(clients.map((c) => c.stop().catch(() => undefined)));
  await platform.close();
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
});

function vehicleId(): string {
  vehicleCounter += 1;
  return `VCTEST${String(process.pid).padStart(7, '0')}${String(vehicleCounter).padStart(4, '0')}`;
}

interface Watched {
  client: VehicleClient;
  notices: Notice[];
  rejected: RejectedNotice[];
  duplicates: string[];
}

async function startVehicle(
  id: string,
  store: NoticeStore = new MemoryNoticeStore(),
  extra: Partial<VehicleClientOptions> = {},
): Promise<Watched> {
  const client = new VehicleClient({
    vehicleId: id,
    url: broker.url,
    // Straight to the broker, the vehicle logs in as the router would.
    brokerLogin: broker.credentials('router'),
    trustedKeys: signer.trustedKeys,
    store,
    reconnect: { initialMs: 50, maxMs: 200 },
    ...extra,
  });
  clients.push(client);
  const watched: Watched = { client, notices: [], rejected: [], duplicates: [] };
  client.on('notice', (n) => watched.notices.push(n));
  client.on('rejected', (r) => watched.rejected.push(r));
  client.on('duplicate', (d) => watched.duplicates.push(d.noticeId));
  const connected = once(client, 'connected');
  await client.start();
  await connected;
  // The subscription is in place once a round trip to the broker has completed.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return watched;
}

describe('vehicle client against a broker', () => {
  test('surfaces a verified notice once and reports received then each lifecycle state in order', async () => {
    const id = vehicleId();
    const v = await startVehicle(id);
    const notice = makeNotice(signer.key);
    await platform.publish(id, notice);
    await eventually(() => v.notices.length === 1, 'notice surfaced');
    assert.equal(v.notices[0]?.noticeId, notice.noticeId);
    for (const state of ['downloading', 'installing', 'installed'] as const) {
      assert.equal(await v.client.report(notice.noticeId, state), true);
    }
    await eventually(() => platform.acksOf(notice.noticeId).length === 4, 'four acks');
    assert.deepEqual(
      platform.acksOf(notice.noticeId).map((a) => a.state),
      ['received', 'downloading', 'installing', 'installed'],
    );
    assert.equal(
      await v.client.report(notice.noticeId, 'installing'),
      false,
      'never moves backwards',
    );
  });

  test('a notice delivered again is not surfaced again, and its last state is re-sent', async () => {
    const id = vehicleId();
    const v = await startVehicle(id);
    const notice = makeNotice(signer.key);
    await platform.publish(id, notice);
    await eventually(() => v.notices.length === 1, 'notice surfaced');
    await v.client.report(notice.noticeId, 'downloading');
    await platform.publish(id, notice);
    await eventually(() => v.duplicates.length === 1, 'duplicate seen');
    await eventually(() => platform.acksOf(notice.noticeId).length === 3, 'state re-sent');
    assert.equal(v.notices.length, 1);
    assert.equal(platform.acksOf(notice.noticeId).at(-1)?.state, 'downloading');
  });

  test('de-duplicates across a restart with the file store', async () => {
    const id = vehicleId();
    const file = join(dir, `${id}.json`);
    const first = await startVehicle(id, new FileNoticeStore(file));
    const notice = makeNotice(signer.key);
    await platform.publish(id, notice);
    await eventually(() => first.notices.length === 1, 'notice surfaced');
    await first.client.stop();
    const second = await startVehicle(id, new FileNoticeStore(file));
    await platform.publish(id, notice);
    await eventually(() => second.duplicates.length === 1, 'duplicate after restart');
    assert.equal(second.notices.length, 0);
    assert.equal(second.client.unfinished()[0]?.noticeId, notice.noticeId);
  });

  test('rejects forged, unknown-key, expired and rolled-back notices and reports why', async () => {
    const id = vehicleId();
    const v = await startVehicle(id, new MemoryNoticeStore(), { installedVersion: () => '3.0.0' });
    const forged = {
      ...makeNotice(signer.key, { update: { ...makeNotice(signer.key).update, version: '9.0.0' } }),
    };
    forged.priority = 99;
    const foreign = makeNotice(testSigner('other-key').key, {
      update: { ...makeNotice(signer.key).update, version: '9.0.0' },
    });
    const expired = makeNotice(signer.key, {
      issuedAt: new Date(Date.now() - 7_200_000).toISOString(),
      expiresAt: new Date(Date.now() - 3_600_000).toISOString(),
      update: { ...makeNotice(signer.key).update, version: '9.0.0' },
    });
    const rollback = makeNotice(signer.key); // 2.0.0 while 3.0.0 runs
    for (const n of [forged, foreign, expired, rollback]) await platform.publish(id, n);
    await platform.publish(id, 'not json');
    await eventually(() => v.rejected.length === 5, 'five rejections');
    assert.deepEqual(
      v.rejected.map((r) => r.reason),
      ['bad-signature', 'unknown-key', 'expired', 'rollback', 'malformed'],
    );
    assert.equal(v.notices.length, 0);
    for (const n of [forged, foreign, expired, rollback]) {
      await eventually(() => platform.acksOf(n.noticeId).length === 1, 'rejected ack');
      assert.equal(platform.acksOf(n.noticeId)[0]?.state, 'rejected');
    }
    assert.equal(platform.acksOf(rollback.noticeId)[0]?.reason, 'rollback');

    // A forged copy must not hide the genuine notice carrying the same id.
    const genuine = makeNotice(signer.key, {
      noticeId: forged.noticeId,
      update: { ...forged.update },
    });
    await platform.publish(id, genuine);
    await eventually(() => v.notices.length === 1, 'genuine notice surfaced');
  });

  test('a cancel notice stops a known update and is surfaced', async () => {
    const id = vehicleId();
    const v = await startVehicle(id);
    const notice = makeNotice(signer.key);
    await platform.publish(id, notice);
    await eventually(() => v.notices.length === 1, 'notice surfaced');
    const cancelled = once(v.client, 'cancel');
    await platform.publish(
      id,
      makeNotice(signer.key, {
        type: 'cancel',
        campaignId: notice.campaignId,
        update: notice.update,
      }),
    );
    const [event] = (await cancelled) as [{ update?: { noticeId: string } }];
    assert.equal(event.update?.noticeId, notice.noticeId);
    assert.equal(await v.client.report(notice.noticeId, 'installed'), false);
  });

  for (const protocolVersion of [5, 4] as const) {
    test(`receives what was published while offline (MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}, socket dropped)`, async () => {
      const id = vehicleId();
      const v = await startVehicle(id, new MemoryNoticeStore(), { protocolVersion });
      await v.client.goOffline({ clean: false });
      const notice = makeNotice(signer.key);
      // Mosquitto notices the dropped socket at once on loopback; the session remains.
      await new Promise((resolve) => setTimeout(resolve, 100));
      await platform.publish(id, notice);
      assert.equal(v.notices.length, 0);
      v.client.goOnline();
      await eventually(() => v.notices.length === 1, 'queued notice delivered on reconnect');
      await eventually(() => platform.acksOf(notice.noticeId).length === 1, 'received ack');
    });
  }

  test('after a broker lost its sessions, the vehicle repeats its current state of live notices', async () => {
    const id = vehicleId();
    const v = await startVehicle(id);
    const notice = makeNotice(signer.key);
    await platform.publish(id, notice);
    await eventually(() => v.notices.length === 1, 'notice surfaced');
    await v.client.report(notice.noticeId, 'installed');
    await eventually(() => platform.acksOf(notice.noticeId).length === 2, 'installed ack');
    // The vehicle is away while the broker dies without saving: its session, and any ack
    // queued for the platform, are gone when it comes back.
    await v.client.goOffline({ clean: false });
    await broker.kill();
    await broker.restart();
    await eventually(() => platform.client.connected, 'platform reconnected');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const reconnected = once(v.client, 'connected');
    v.client.goOnline();
    const [{ sessionPresent }] = (await reconnected) as [{ sessionPresent: boolean }];
    assert.equal(sessionPresent, false);
    await eventually(() => platform.acksOf(notice.noticeId).length === 3, 'state repeated', 10_000);
    assert.equal(platform.acksOf(notice.noticeId).at(-1)?.state, 'installed');
    assert.equal(v.notices.length, 1);
  });

  test('a report made while offline reaches the platform after reconnecting', async () => {
    const id = vehicleId();
    const v = await startVehicle(id);
    const notice = makeNotice(signer.key);
    await platform.publish(id, notice);
    await eventually(() => platform.acksOf(notice.noticeId).length === 1, 'received ack');
    await v.client.goOffline({ clean: true });
    await v.client.report(notice.noticeId, 'installed');
    v.client.goOnline();
    await eventually(
      () => platform.acksOf(notice.noticeId).some((a) => a.state === 'installed'),
      'installed ack',
    );
  });
});
