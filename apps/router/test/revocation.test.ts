/**
 * A CRL published while vehicles are connected ends the sessions of the certificates it
 * revokes, with the real test PKI and real brokers; everyone else stays connected.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getTestPki } from '@roadcast/testing';
import { TlsReloader, type TlsFiles } from '../src/tls-files.js';
import { startRouterHarness, type RouterHarness } from './support/router-harness.js';
import { RawVehicle, connectPacket, connectVehicle } from './support/vehicle.js';

const REVOKED_V5 = 'WVWZZZ1JZXW000901';
const REVOKED_V4 = 'WVWZZZ1JZXW000902';
const KEPT = 'WVWZZZ1JZXW000903';

describe('revocation of open sessions', () => {
  let h: RouterHarness;
  let dir: string;
  let files: TlsFiles;

  before(async () => {
    const pki = getTestPki();
    dir = mkdtempSync(join(tmpdir(), 'roadcast-router-revocation-'));
    files = {
      caFile: pki.caFile,
      certFile: pki.routerCertFile,
      keyFile: pki.routerKeyFile,
      crlFile: join(dir, 'crl.pem'),
    };
    copyFileSync(pki.crlFile, files.crlFile);
    h = await startRouterHarness({ brokers: 1, tlsFiles: files });
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function relaying(vehicleId: string, protocolVersion: 4 | 5): Promise<RawVehicle> {
    const raw = await RawVehicle.open(h.tlsPort, getTestPki().vehicle(vehicleId), protocolVersion);
    raw.sendPacket(connectPacket(vehicleId, protocolVersion), protocolVersion);
    const connack = await raw.next('connack');
    assert.equal(connack?.cmd === 'connack' && (connack.reasonCode ?? connack.returnCode), 0);
    return raw;
  }

  it('disconnects revoked vehicles with 0x98, refuses their return and keeps the others', async () => {
    const pki = getTestPki();
    const v5 = await relaying(REVOKED_V5, 5);
    const v4 = await relaying(REVOKED_V4, 4);
    const kept = await connectVehicle(h.tlsPort, pki.vehicle(KEPT));
    const reloader = new TlsReloader({
      files,
      apply: (secure) => h.router.setSecureContext(secure),
      onError: (err) => assert.fail(err as Error),
    });
    await reloader.start(60_000);
    // One disconnect per 100 ms pass, so the pacing shows.
    await h.setPolicy({ drain: { disconnectPerSecond: 10 } });
    const open = (id: string) => [...h.router.connections].some((c) => c.vehicleId === id);
    try {
      writeFileSync(
        files.crlFile,
        pki.authority.createCrl(
          [REVOKED_V5, REVOKED_V4, pki.revoked.vehicleId].map((id) => ({
            serialNumber:
              id === pki.revoked.vehicleId
                ? pki.revoked.serialNumber
                : pki.vehicle(id).serialNumber,
            revokedAt: new Date(),
            reason: 'keyCompromise' as const,
          })),
          { validDays: 365, crlNumber: 2 },
        ),
      );
      assert.equal(await reloader.check(), true);
      assert.equal([REVOKED_V5, REVOKED_V4].filter(open).length, 1, 'paced like a drain');

      const disconnect = await v5.next('disconnect');
      assert.equal(disconnect?.cmd === 'disconnect' && disconnect.reasonCode, 0x98);
      await v5.waitClosed();
      // 3.1.1 has no DISCONNECT from the server: the connection is closed.
      await v4.waitClosed();
      assert.equal(await v4.next('disconnect'), null);
      const revoked = await h.ctx.metrics.revoked.get();
      assert.equal(revoked.values[0]?.value, 2);
      assert.ok(
        h.logs.some(
          (l) => l.msg === 'certificate revoked; session ended' && l.vehicleId === REVOKED_V5,
        ),
      );

      const again = await RawVehicle.open(h.tlsPort, pki.vehicle(REVOKED_V5), 5, {
        ...(v5.tlsSession ? { session: v5.tlsSession } : {}),
      });
      again.sendPacket(connectPacket(REVOKED_V5, 5));
      const refused = await again.next('connack');
      assert.equal(again.socket.isSessionReused(), false);
      assert.equal(refused?.cmd === 'connack' && refused.reasonCode, 0x87);
      again.close();

      assert.ok(kept.connected, 'a vehicle the CRL does not list stays connected');
      await kept.publishAsync(`vehicles/${KEPT}/ota/acks`, '{"state":"received"}', { qos: 1 });
    } finally {
      reloader.stop();
      await kept.endAsync(true);
    }
  });
});
