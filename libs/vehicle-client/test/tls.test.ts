import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  freePort,
  getTestPki,
  mtlsListenerConfig,
  startMosquitto,
  type MosquittoBroker,
} from '@roadcast/testing';
import { MemoryNoticeStore, VehicleClient } from '../src/index.js';
import { PlatformSide, eventually, makeNotice, testSigner } from './helpers.js';

const signer = testSigner();
let broker: MosquittoBroker;
let tlsUrl: string;
let platform: PlatformSide;
const clients: VehicleClient[] = [];

before(async () => {
  const tlsPort = await freePort();
  broker = await startMosquitto({ config: mtlsListenerConfig(tlsPort) });
  tlsUrl = `mqtts://127.0.0.1:${tlsPort}`;
  platform = await PlatformSide.connect(broker);
});

after(async () => {
  await Promise.all(clients.map((c) => c.stop().catch(() => undefined)));
  await platform.close();
  await broker.stop();
});

function vehicle(vehicleId: string, ca: string = getTestPki().ca): VehicleClient {
  const cert = getTestPki().vehicle(vehicleId);
  const client = new VehicleClient({
    vehicleId,
    url: tlsUrl,
    tls: { cert: cert.cert, key: cert.key, ca },
    trustedKeys: signer.trustedKeys,
    store: new MemoryNoticeStore(),
    reconnect: { initialMs: 50, maxMs: 200 },
  });
  clients.push(client);
  return client;
}

describe('vehicle client over mTLS', () => {
  test('comes back from a tunnel with an abbreviated handshake and gets what it missed', async () => {
    const client = vehicle('VCTLS000000000001');
    const notices: string[] = [];
    client.on('notice', (n: { noticeId: string }) => notices.push(n.noticeId));
    let connected = once(client, 'connected');
    await client.start();
    await connected;
    assert.equal(client.tlsSessionResumed, false, 'the first connection is a full handshake');
    // Let the session ticket arrive (TLS 1.3 sends it after the handshake).
    await new Promise((resolve) => setTimeout(resolve, 100));

    await client.goOffline({ clean: false });
    const notice = makeNotice(signer.key, 'VCTLS000000000001');
    await platform.publish('VCTLS000000000001', notice);
    connected = once(client, 'connected');
    client.goOnline();
    await connected;
    assert.equal(client.tlsSessionResumed, true, 'the reconnect resumed the TLS session');
    await eventually(() => notices.includes(notice.noticeId), 'the notice queued while away');
    await eventually(
      () => platform.acksOf(notice.noticeId).some((a) => a.state === 'received'),
      'received ack over the resumed connection',
    );
  });

  test('does not connect to a server its fleet CA did not vouch for', async () => {
    const foreignCa = readFileSync(join(getTestPki().dir, 'foreign', 'ca.crt'), 'utf8');
    const client = vehicle('VCTLS000000000002', foreignCa);
    const warnings: Error[] = [];
    client.on('warning', (err: Error) => warnings.push(err));
    await client.start();
    await eventually(() => warnings.length > 0, 'a TLS verification failure is reported');
    assert.equal(client.connected, false);
    await client.goOffline({ clean: false });
  });
});
