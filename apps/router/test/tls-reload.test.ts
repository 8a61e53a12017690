import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getTestPki } from '@roadcast/testing';
import { TlsReloader, type TlsFiles } from '../src/tls-files.js';
import { startRouterHarness, type RouterHarness } from './support/router-harness.js';
import { RawVehicle, connectPacket } from './support/vehicle.js';

const VIN = 'WVWZZZ1JZXW000801';

describe('TLS file reload', () => {
  let h: RouterHarness;
  let dir: string;
  let files: TlsFiles;

  before(async () => {
    const pki = getTestPki();
    dir = mkdtempSync(join(tmpdir(), 'roadcast-router-tls-'));
    files = {
      caFile: join(dir, 'ca.crt'),
      certFile: join(dir, 'router.crt'),
      keyFile: join(dir, 'router.key'),
      crlFile: join(dir, 'crl.pem'),
    };
    copyFileSync(pki.caFile, files.caFile);
    copyFileSync(pki.routerCertFile, files.certFile);
    copyFileSync(pki.routerKeyFile, files.keyFile);
    copyFileSync(pki.crlFile, files.crlFile);
    h = await startRouterHarness({ brokers: 1, tlsFiles: files });
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function connackCode(): Promise<number | undefined> {
    const raw = await RawVehicle.open(h.tlsPort, getTestPki().vehicle(VIN));
    raw.sendPacket(connectPacket(VIN, 5));
    const connack = await raw.next('connack');
    raw.close();
    return connack?.cmd === 'connack' ? connack.reasonCode : undefined;
  }

  it('lets a returning vehicle resume its TLS session, until a new CRL ends every session', async () => {
    const pki = getTestPki();
    const vin = 'WVWZZZ1JZXW000802';
    const cert = pki.vehicle(vin);
    const reloader = new TlsReloader({
      files,
      apply: (secure) => h.router.setSecureContext(secure),
      onError: (err) => assert.fail(err as Error),
    });
    await reloader.start(60_000);
    const connect = async (session?: Buffer) => {
      const raw = await RawVehicle.open(h.tlsPort, cert, 5, session ? { session } : {});
      raw.sendPacket(connectPacket(vin, 5));
      const connack = await raw.next('connack');
      // TLS 1.3 tickets follow the handshake; the CONNACK round trip leaves time for them.
      const resumed = raw.socket.isSessionReused();
      const ticket = raw.tlsSession;
      raw.close();
      return { code: connack?.cmd === 'connack' ? connack.reasonCode : undefined, resumed, ticket };
    };
    try {
      const first = await connect();
      assert.equal(first.code, 0);
      assert.equal(first.resumed, false);
      assert.ok(first.ticket, 'the router offers a session ticket');
      const back = await connect(first.ticket);
      assert.deepEqual([back.code, back.resumed], [0, true], 'abbreviated handshake, same vehicle');

      writeFileSync(
        files.crlFile,
        pki.authority.createCrl(
          [{ serialNumber: cert.serialNumber, revokedAt: new Date(), reason: 'keyCompromise' }],
          { validDays: 365 },
        ),
      );
      assert.equal(await reloader.check(), true);
      const afterCrl = await connect(back.ticket ?? first.ticket);
      assert.equal(afterCrl.resumed, false, 'the old ticket no longer resumes');
      assert.equal(afterCrl.code, 0x87, 'the full handshake finds the certificate revoked');
    } finally {
      reloader.stop();
      copyFileSync(pki.crlFile, files.crlFile);
      await reloader.check();
    }
  });

  it('refuses a certificate revoked by a CRL published while the router runs', async () => {
    const pki = getTestPki();
    const reloader = new TlsReloader({
      files,
      apply: (secure) => h.router.setSecureContext(secure),
      onError: (err) => assert.fail(err as Error),
    });
    await reloader.start(60_000);
    try {
      assert.equal(await connackCode(), 0);
      assert.equal(await reloader.check(), false, 'nothing changed yet');

      const crl = pki.authority.createCrl(
        [
          {
            serialNumber: pki.revoked.serialNumber,
            revokedAt: new Date(Date.now() - 60_000),
            reason: 'keyCompromise',
          },
          {
            serialNumber: pki.vehicle(VIN).serialNumber,
            revokedAt: new Date(Date.now() - 1_000),
            reason: 'keyCompromise',
          },
        ],
        { validDays: 365 },
      );
      writeFileSync(files.crlFile, crl);
      assert.equal(await reloader.check(), true);
      assert.equal(await connackCode(), 0x87);
    } finally {
      reloader.stop();
    }
  });
});
