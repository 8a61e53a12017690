import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import {
  CertificateAuthority,
  PkiMalformed,
  certificateKey,
  readCrlEntries,
  revokedCertificateKeys,
} from '../src/index.js';

const ca = CertificateAuthority.create({ commonName: 'Revocation Test CA' });
// A second CA the listener might also trust: entries match by issuer name and serial together.
const other = CertificateAuthority.create({ commonName: 'Another Test CA' });
const der = (pem: string) => new X509Certificate(pem).raw;

describe('revocation lists', () => {
  it('reads the serials a CRL revokes, as node and an independent parser read them', () => {
    const revoked = [ca.issueVehicle('1HGCM82633A000001'), ca.issueVehicle('1HGCM82633A000002')];
    const pem = ca.createCrl(
      revoked.map((c) => ({ serialNumber: c.serialNumber, revokedAt: new Date() })),
    );
    const [entries] = readCrlEntries(pem);
    assert.deepEqual(
      entries!.revokedSerials,
      new x509.X509Crl(pem).entries.map((e) => e.serialNumber.toUpperCase()),
    );
    assert.deepEqual(
      entries!.revokedSerials,
      revoked.map((c) => new X509Certificate(c.cert).serialNumber),
    );
  });

  it('matches a certificate to the entry that revokes it, and nothing else', () => {
    const revoked = ca.issueVehicle('1HGCM82633A000003');
    const kept = ca.issueVehicle('1HGCM82633A000004');
    const keys = revokedCertificateKeys(
      readCrlEntries(
        ca.createCrl([{ serialNumber: revoked.serialNumber, revokedAt: new Date() }]) +
          // Another CA revoking the same serial number says nothing about this CA's certificate.
          other.createCrl([{ serialNumber: kept.serialNumber, revokedAt: new Date() }]),
      ),
    );
    assert.equal(keys.size, 2);
    assert.ok(keys.has(certificateKey(der(revoked.cert))));
    assert.ok(!keys.has(certificateKey(der(kept.cert))));
    assert.match(certificateKey(der(kept.cert)), new RegExp(`/${kept.serialNumber}$`));
  });

  it('reads an empty list, DER input, and refuses what is not a CRL', () => {
    const pem = ca.createCrl([]);
    assert.deepEqual(readCrlEntries(pem)[0]!.revokedSerials, []);
    const body = pem.replace(/-----[A-Z0-9 ]+-----/g, '').replace(/\s+/g, '');
    assert.deepEqual(readCrlEntries(Buffer.from(body, 'base64'))[0]!.revokedSerials, []);
    assert.throws(
      () => readCrlEntries(Buffer.from([0x30, 0x05, 0x02, 0x01])),
      (e: unknown) => (e as { code?: string }).code === PkiMalformed.code,
    );
    assert.deepEqual(readCrlEntries('no lists here'), []);
  });
});
