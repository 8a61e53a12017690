import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import {
  identifyVehicle,
  vehicleIdFromCertificate,
  type IdentitySource,
} from '../src/vehicle-identity.js';

function cert(
  subject: Record<string, string | string[]>,
  subjectaltname?: string,
): PeerCertificate {
  return { subject, ...(subjectaltname ? { subjectaltname } : {}) } as unknown as PeerCertificate;
}

describe('vehicle id from a certificate', () => {
  const cases: Array<[string, PeerCertificate, IdentitySource, string | undefined]> = [
    ['CN', cert({ CN: 'WVWZZZ1JZXW000001' }), 'cn', 'WVWZZZ1JZXW000001'],
    [
      'first of several CNs',
      cert({ CN: ['WVWZZZ1JZXW000001', 'OTHER'] }),
      'cn',
      'WVWZZZ1JZXW000001',
    ],
    ['no CN', cert({ O: 'Fleet' }), 'cn', undefined],
    [
      'DNS SAN',
      cert({ CN: 'ignored' }, 'DNS:WVWZZZ1JZXW000002, URI:urn:vin:X'),
      'san:dns',
      'WVWZZZ1JZXW000002',
    ],
    [
      'URI SAN, last segment',
      cert({ CN: 'ignored' }, 'DNS:a.example, URI:urn:roadcast:vehicle:WVWZZZ1JZXW000003'),
      'san:uri',
      'WVWZZZ1JZXW000003',
    ],
    ['missing SAN kind', cert({ CN: 'WVWZZZ1JZXW000001' }, 'DNS:a.example'), 'san:uri', undefined],
  ];
  for (const [name, certificate, source, expected] of cases) {
    it(`${name} (${source}) -> ${expected ?? 'none'}`, () => {
      assert.equal(vehicleIdFromCertificate(certificate, source), expected);
    });
  }
});

describe('identifying a vehicle on a verified connection', () => {
  const options = { source: 'cn' as const, idPattern: /^[A-Z0-9]{17}$/, hasRole: () => false };
  const socket = (validFrom: string, validTo: string) =>
    ({
      authorized: true,
      getPeerCertificate: () => ({
        subject: { CN: 'WVWZZZ1JZXW000001' },
        valid_from: validFrom,
        valid_to: validTo,
        fingerprint256: 'AA:BB',
      }),
    }) as unknown as TLSSocket;

  it('accepts a certificate inside its validity period', () => {
    const result = identifyVehicle(
      socket('Jan  1 00:00:00 2020 GMT', 'Jan  1 00:00:00 2099 GMT'),
      options,
    );
    assert.deepEqual(result, {
      ok: true,
      identity: { vehicleId: 'WVWZZZ1JZXW000001', role: 'vehicle', fingerprint: 'AA:BB' },
    });
  });

  it('refuses a certificate that expired after the session it resumes was made', () => {
    // A resumed TLS session is not verified again by the handshake.
    const result = identifyVehicle(
      socket('Jan  1 00:00:00 2020 GMT', 'Jan  1 00:00:00 2021 GMT'),
      options,
    );
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.problem, 'certificate-rejected');
    assert.equal(!result.ok && result.vehicleId, 'WVWZZZ1JZXW000001');
  });

  it('refuses a certificate not yet valid', () => {
    const result = identifyVehicle(
      socket('Jan  1 00:00:00 2098 GMT', 'Jan  1 00:00:00 2099 GMT'),
      options,
    );
    assert.equal(result.ok, false);
  });
});
