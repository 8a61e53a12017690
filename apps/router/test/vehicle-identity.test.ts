import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PeerCertificate } from 'node:tls';
import { vehicleIdFromCertificate, type IdentitySource } from '../src/vehicle-identity.js';

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
