import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import {
  CertificateAuthority,
  PkiInvalidRequest,
  PkiKeyMismatch,
  PkiMalformed,
  PkiUnsupportedKey,
  VEHICLE_URI_PREFIX,
} from '../src/index.js';

const ca = CertificateAuthority.create({ commonName: 'Unit Test Fleet CA' });
const caCert = new X509Certificate(ca.cert);

describe('CertificateAuthority', () => {
  it('creates a self-signed CA certificate that may sign certificates and CRLs', () => {
    assert.equal(caCert.ca, true);
    assert.ok(caCert.checkIssued(caCert));
    assert.ok(caCert.verify(caCert.publicKey));
    assert.equal(ca.commonName, 'Unit Test Fleet CA');
    assert.equal(ca.serialNumber, caCert.serialNumber);
    const parsed = new x509.X509Certificate(ca.cert);
    const usage = parsed.getExtension(x509.KeyUsagesExtension);
    assert.equal(usage?.critical, true);
    assert.equal(usage!.usages & x509.KeyUsageFlags.keyCertSign, x509.KeyUsageFlags.keyCertSign);
    assert.equal(usage!.usages & x509.KeyUsageFlags.cRLSign, x509.KeyUsageFlags.cRLSign);
  });

  it('issues vehicle certificates naming the vehicle in CN, DNS and URI SANs, for client auth only', () => {
    const issued = ca.issueVehicle('1HGCM82633A004352');
    const cert = new X509Certificate(issued.cert);
    assert.ok(cert.checkIssued(caCert));
    assert.ok(cert.verify(caCert.publicKey));
    assert.equal(cert.ca, false);
    assert.equal(cert.subject, 'O=Roadcast\nCN=1HGCM82633A004352');
    assert.equal(
      cert.subjectAltName,
      `DNS:1HGCM82633A004352, URI:${VEHICLE_URI_PREFIX}1HGCM82633A004352`,
    );
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.equal(cert.serialNumber, issued.serialNumber);
    assert.equal(new Date(cert.validTo).getTime(), issued.notAfter.getTime());
    assert.ok(cert.checkPrivateKey(createPrivateKey(issued.key)));
  });

  it('leaves the DNS SAN out for an id that is not a DNS label', () => {
    const cert = new X509Certificate(ca.issueVehicle('fleet/vehicle 7').cert);
    assert.equal(cert.subjectAltName, `URI:${VEHICLE_URI_PREFIX}fleet%2Fvehicle%207`);
  });

  it('issues server certificates for DNS names and IPv4/IPv6 addresses', () => {
    const issued = ca.issueServer({
      commonName: 'router',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1', '::1', 'fd00::2:1'],
    });
    const cert = new X509Certificate(issued.cert);
    assert.ok(cert.verify(caCert.publicKey));
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.equal(cert.checkHost('localhost'), 'localhost');
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkIP('::1'), '::1');
    assert.equal(cert.checkIP('fd00::2:1'), 'fd00::2:1');
    assert.equal(cert.checkHost('example.com'), undefined);
  });

  it('honours explicit validity bounds, e.g. for an already expired certificate', () => {
    const notBefore = new Date('2020-01-01T00:00:00Z');
    const notAfter = new Date('2021-01-01T00:00:00Z');
    const cert = new X509Certificate(
      ca.issueVehicle('1HGCM82633A004353', { notBefore, notAfter }).cert,
    );
    assert.equal(new Date(cert.validFrom).getTime(), notBefore.getTime());
    assert.equal(new Date(cert.validTo).getTime(), notAfter.getTime());
    assert.throws(
      () => ca.issueVehicle('X', { notBefore: notAfter, notAfter: notBefore }),
      (err: { code?: string }) => err.code === PkiInvalidRequest.code,
    );
  });

  it('gives every certificate its own positive serial number', () => {
    const serials = new Set(
      Array.from({ length: 200 }, (_, i) => ca.issueVehicle(`V${i}`).serialNumber),
    );
    assert.equal(serials.size, 200);
    for (const serial of serials) assert.match(serial, /^[4-7][0-9A-F]{31}$/);
  });

  it('loads a CA from its PEM and issues certificates that chain to the original', () => {
    const loaded = CertificateAuthority.load({ cert: ca.cert, key: ca.key });
    const cert = new X509Certificate(loaded.issueVehicle('1HGCM82633A004354').cert);
    assert.ok(cert.checkIssued(caCert));
    assert.ok(cert.verify(caCert.publicKey));
    const aki = new x509.X509Certificate(cert.toString()).getExtension(
      x509.AuthorityKeyIdentifierExtension,
    );
    const ski = new x509.X509Certificate(ca.cert).getExtension(x509.SubjectKeyIdentifierExtension);
    assert.equal(aki?.keyId, ski?.keyId);
  });

  it('refuses a CA key that does not belong to the certificate, and unreadable PEM', () => {
    const other = CertificateAuthority.create();
    assert.throws(
      () => CertificateAuthority.load({ cert: ca.cert, key: other.key }),
      (err: { code?: string }) => err.code === PkiKeyMismatch.code,
    );
    assert.throws(
      () => CertificateAuthority.load({ cert: 'not a certificate', key: ca.key }),
      (err: { code?: string }) => err.code === PkiMalformed.code,
    );
  });

  it('refuses keys other than EC P-256', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    assert.throws(
      () => CertificateAuthority.load({ cert: ca.cert, key: rsa.toString() }),
      (err: { code?: string }) => err.code === PkiUnsupportedKey.code,
    );
  });
});

describe('CertificateAuthority.createCrl', () => {
  it('signs a v2 CRL with the revoked serials, reasons, CRL number and validity', async () => {
    const revoked = ca.issueVehicle('1HGCM82633A004355');
    const kept = ca.issueVehicle('1HGCM82633A004356');
    const now = new Date('2030-06-01T12:00:00Z');
    const pem = ca.createCrl(
      [
        {
          serialNumber: revoked.serialNumber,
          revokedAt: new Date('2030-05-31T00:00:00Z'),
          reason: 'keyCompromise',
        },
        { serialNumber: '0A', revokedAt: new Date('2030-05-30T00:00:00Z') },
      ],
      { now, crlNumber: 7, validDays: 2 },
    );
    const crl = new x509.X509Crl(pem);
    assert.ok(await crl.verify({ publicKey: new x509.X509Certificate(ca.cert) }));
    assert.equal(crl.thisUpdate.getTime(), now.getTime() - 5 * 60_000);
    assert.equal(crl.nextUpdate?.getTime(), now.getTime() - 5 * 60_000 + 2 * 86_400_000);
    const serials = crl.entries.map((e) => e.serialNumber.toUpperCase());
    assert.deepEqual(serials, [revoked.serialNumber, '0A']);
    assert.ok(!serials.includes(kept.serialNumber));
    assert.equal(crl.entries[0]?.reason, x509.X509CrlReason.keyCompromise);
    assert.equal(crl.entries[1]?.reason, undefined);
    const crlNumber = crl.extensions.find((e) => e.type === '2.5.29.20');
    // INTEGER 7
    assert.equal(Buffer.from(crlNumber!.value).toString('hex'), '020107');
  });

  it('signs an empty CRL when nothing is revoked', async () => {
    const crl = new x509.X509Crl(ca.createCrl([]));
    assert.equal(crl.entries.length, 0);
    assert.ok(await crl.verify({ publicKey: new x509.X509Certificate(ca.cert) }));
  });

  it('refuses bad serial numbers', () => {
    assert.throws(
      () => ca.createCrl([{ serialNumber: 'xyz', revokedAt: new Date() }]),
      (err: { code?: string }) => err.code === PkiInvalidRequest.code,
    );
  });
});
