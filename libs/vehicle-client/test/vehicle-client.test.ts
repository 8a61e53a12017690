import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startMosquitto, type MosquittoBroker } from '@roadcast/testing';
import type { LegacyNotice, Notice } from '@roadcast/contracts';
import {
  FileNoticeStore,
  MemoryNoticeStore,
  VehicleClient,
  type NoticeStore,
  type RejectedNotice,
  type VehicleClientOptions,
} from '../src/index.js';
import {
  PlatformSide,
  eventually,
  makeLegacyNotice,
  makeNotice,
  noticeFor,
  signBatch,
  testSigner,
  withPayload,
  withProof,
  type TestNotice,
} from './helpers.js';

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
    const notice = makeNotice(signer.key, id);
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
    const notice = makeNotice(signer.key, id);
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
    const notice = makeNotice(signer.key, id);
    await platform.publish(id, notice);
    await eventually(() => first.notices.length === 1, 'notice surfaced');
    await first.client.stop();
    const second = await startVehicle(id, new FileNoticeStore(file));
    await platform.publish(id, notice);
    await eventually(() => second.duplicates.length === 1, 'duplicate after restart');
    assert.equal(second.notices.length, 0);
    assert.equal(second.client.unfinished()[0]?.noticeId, notice.noticeId);
  });

  test('rejects forged, swapped, tampered, unknown-key, expired and rolled-back notices and reports why', async () => {
    const id = vehicleId();
    const neighbour = vehicleId();
    const v = await startVehicle(id, new MemoryNoticeStore(), { installedVersion: () => '3.0.0' });
    const newer = { update: { ...noticeFor(id).update, version: '9.0.0' } };
    const [ours, theirs, third, fourth] = signBatch(signer.key, [
      noticeFor(id, newer),
      noticeFor(neighbour, newer),
      noticeFor(id, newer),
      noticeFor(id, newer),
    ]);
    const cases: Array<[string, TestNotice | LegacyNotice | Buffer | string, string | undefined]> =
      [
        ['bad-signature', makeNotice(testSigner('test-key').key, id, newer), 'forged'],
        ['unknown-key', makeNotice(testSigner('other-key').key, id, newer), 'foreign'],
        ['wrong-vehicle', theirs!, 'swapped'],
        ['bad-path', withPayload(ours!, (p) => p.replace('"priority":0', '"priority":9')), 'leaf'],
        [
          'bad-path',
          withProof(third!, (proof) => ({ ...proof, path: [proof.root, ...proof.path.slice(1)] })),
          'path',
        ],
        ['bad-batch', withProof(fourth!, (proof) => ({ ...proof, size: 5 })), 'size'],
        ['legacy-format', makeLegacyNotice(signer.key, newer), 'legacy'],
        [
          'expired',
          makeNotice(signer.key, id, {
            ...newer,
            issuedAt: new Date(Date.now() - 7_200_000).toISOString(),
            expiresAt: new Date(Date.now() - 3_600_000).toISOString(),
          }),
          'expired',
        ],
        ['rollback', makeNotice(signer.key, id), 'rollback (2.0.0 while 3.0.0 runs)'],
        ['malformed', 'not json', undefined],
      ];
    for (const [, payload] of cases) await platform.publish(id, payload);
    await eventually(() => v.rejected.length === cases.length, 'every notice rejected');
    assert.deepEqual(
      v.rejected.map((r) => r.reason),
      cases.map(([reason]) => reason),
    );
    assert.equal(v.notices.length, 0);
    for (const [reason, payload, label] of cases) {
      if (typeof payload === 'string' || Buffer.isBuffer(payload)) continue;
      await eventually(() => platform.acksOf(payload.noticeId).length === 1, `${label} acked`);
      const [ack] = platform.acks.filter((a) => a.ack.noticeId === payload.noticeId);
      assert.equal(ack?.vehicleId, id, `${label}: reported on the vehicle's own topic`);
      assert.deepEqual([ack?.ack.state, ack?.ack.reason], ['rejected', reason], label);
    }

    // Neither a forged copy nor another vehicle's notice hides the genuine notice with that id.
    const forged = cases[0]![1] as TestNotice;
    await platform.publish(id, makeNotice(signer.key, id, { ...newer, noticeId: forged.noticeId }));
    await platform.publish(
      id,
      makeNotice(signer.key, id, { ...newer, noticeId: theirs!.noticeId }),
    );
    await eventually(() => v.notices.length === 2, 'genuine notices surfaced');
  });

  test('a key rotation during a campaign: each key is accepted while the vehicle trusts it', async () => {
    const id = vehicleId();
    const next = testSigner('next-key');
    const trustedKeys = new Map(signer.trustedKeys);
    const v = await startVehicle(id, new MemoryNoticeStore(), { trustedKeys });
    const campaignId = randomUUID();
    const fromOld = () => makeNotice(signer.key, id, { campaignId });
    const fromNext = makeNotice(next.key, id, { campaignId });

    await platform.publish(id, fromOld());
    await platform.publish(id, fromNext);
    await eventually(
      () => v.notices.length === 1 && v.rejected.length === 1,
      'before the rotation',
    );
    assert.equal(v.rejected[0]?.reason, 'unknown-key');

    // The vehicle learns the next key (GET /v1/signing-keys) while the old one is still listed.
    trustedKeys.set('next-key', next.publicKeyPem);
    await platform.publish(id, fromOld());
    await platform.publish(id, fromNext);
    await eventually(() => v.notices.length === 3, 'both keys during the rotation');
    assert.ok(
      v.notices.some((n) => n.noticeId === fromNext.noticeId),
      'the refused notice, sent again',
    );

    trustedKeys.delete(signer.key.keyId);
    await platform.publish(id, fromOld());
    await platform.publish(id, makeNotice(next.key, id, { campaignId }));
    await eventually(() => v.notices.length === 4 && v.rejected.length === 2, 'after the rotation');
    assert.equal(v.rejected[1]?.reason, 'unknown-key');
  });

  test('across the change of format, legacy notices are accepted only from keys marked legacy', async () => {
    const id = vehicleId();
    const next = testSigner('batch-key');
    const v = await startVehicle(id, new MemoryNoticeStore(), {
      trustedKeys: new Map([...signer.trustedKeys, ...next.trustedKeys]),
      legacyKeyIds: new Set([signer.key.keyId]),
    });
    const legacy = makeLegacyNotice(signer.key);
    await platform.publish(id, legacy);
    await platform.publish(id, makeLegacyNotice(next.key));
    await platform.publish(id, makeNotice(next.key, id));
    await platform.publish(id, makeNotice(signer.key, id));
    await eventually(() => v.notices.length === 3 && v.rejected.length === 1, 'both formats');
    assert.equal(v.notices[0]?.noticeId, legacy.noticeId);
    assert.equal(v.notices[0]?.vehicleId, id, 'a legacy notice is taken to be for its topic');
    assert.equal(v.rejected[0]?.reason, 'legacy-format');
  });

  test('a cancel notice stops a known update and is surfaced', async () => {
    const id = vehicleId();
    const v = await startVehicle(id);
    const notice = makeNotice(signer.key, id);
    await platform.publish(id, notice);
    await eventually(() => v.notices.length === 1, 'notice surfaced');
    const cancelled = once(v.client, 'cancel');
    await platform.publish(
      id,
      makeNotice(signer.key, id, {
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
      const notice = makeNotice(signer.key, id);
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
    const notice = makeNotice(signer.key, id);
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
    const notice = makeNotice(signer.key, id);
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
