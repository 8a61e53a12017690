import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { getTestPki, TEST_VEHICLE_IDS, type TestCertificate } from '../src/index.js';

const pki = getTestPki();
let server: tls.Server;
let port = 0;

// A listener set up as the router's vehicle listener is: fleet CA and CRL, client certificate
// requested; it answers with the vehicle id, or with the reason the certificate was refused.
before(async () => {
  server = tls.createServer({
    ca: readFileSync(pki.caFile),
    crl: readFileSync(pki.crlFile),
    cert: readFileSync(pki.routerCertFile),
    key: readFileSync(pki.routerKeyFile),
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
  });
  server.on('secureConnection', (socket) =>
    socket.end(
      socket.authorized
        ? `id:${socket.getPeerCertificate().subject.CN}`
        : `refused:${String(socket.authorizationError)}`,
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Connects with `cert` and resolves with what the server answered, or rejects. */
function handshake(cert: TestCertificate, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      port,
      host,
      ca: pki.ca,
      cert: cert.cert,
      key: cert.key,
      servername: host === '127.0.0.1' ? undefined : host,
    });
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    let failure: Error | null = null;
    socket.on('error', (err) => (failure = err));
    socket.on('close', () => {
      if (failure) reject(failure);
      else if (answer) resolve(answer);
      else reject(new Error('closed without an answer'));
    });
  });
}

describe('getTestPki', () => {
  it('is generated once per process', () => {
    assert.equal(getTestPki(), pki);
    assert.equal(pki.vehicle('1HGCM82633A004352'), pki.vehicle('1HGCM82633A004352'));
  });

  it('writes the PEM it returns', () => {
    const v = pki.vehicle('1HGCM82633A004352');
    assert.equal(readFileSync(pki.caFile, 'utf8'), pki.ca);
    assert.equal(readFileSync(v.certFile, 'utf8'), v.cert);
    assert.equal(readFileSync(v.keyFile, 'utf8'), v.key);
    assert.equal(new X509Certificate(v.cert).subject.split('\n').at(-1), 'CN=1HGCM82633A004352');
  });

  it('issues vehicle certificates that the router listener accepts, with the CN as vehicle id', async () => {
    assert.equal(await handshake(pki.vehicle('1HGCM82633A004352')), 'id:1HGCM82633A004352');
    assert.equal(
      await handshake(pki.vehicle('5YJ3E1EA7KF000001'), 'localhost'),
      'id:5YJ3E1EA7KF000001',
    );
  });

  const refusals = {
    expired: 'refused:CERT_HAS_EXPIRED',
    revoked: 'refused:CERT_REVOKED',
    foreign: 'refused:UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  };
  for (const name of ['expired', 'revoked', 'foreign'] as const) {
    it(`provides a ${name} vehicle certificate that the router listener refuses`, async () => {
      const cert = pki[name];
      assert.equal(cert.vehicleId, TEST_VEHICLE_IDS[name]);
      assert.equal(await handshake(cert), refusals[name]);
    });
  }

  it('revokes by serial number, so a reissued certificate for the same vehicle is accepted', async () => {
    const reissued = pki.vehicle(TEST_VEHICLE_IDS.revoked);
    assert.notEqual(reissued.serialNumber, pki.revoked.serialNumber);
    assert.equal(await handshake(reissued), `id:${TEST_VEHICLE_IDS.revoked}`);
  });

  it('hands a vehicle its certificate, key and the fleet CA in one piece', () => {
    const vin = 'WVWZZZ1JZXW000077';
    const cert = pki.vehicle(vin);
    assert.deepEqual(pki.vehicleTls(vin), { cert: cert.cert, key: cert.key, ca: pki.ca });
  });
});
