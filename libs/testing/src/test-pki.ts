import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CertificateAuthority, type IssuedCertificate } from '@roadcast/pki';
import { processTempDir } from './temp-dirs.js';

/** A certificate with its key, as PEM strings and as files. */
export interface TestCertificate {
  vehicleId: string;
  serialNumber: string;
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

export interface TestPki {
  /** Folder holding every file below; removed when the process exits. */
  dir: string;
  /** The fleet CA certificate (PEM) and its file. */
  ca: string;
  caFile: string;
  /** The fleet CA's CRL, which lists `revoked`. */
  crlFile: string;
  /** Server certificate for `localhost`, 127.0.0.1 and ::1 (the router's vehicle listener). */
  routerCertFile: string;
  routerKeyFile: string;
  /** A valid vehicle certificate for `vehicleId`, issued once per process and id. */
  vehicle(vehicleId: string): TestCertificate;
  /** What a valid vehicle connects with: its certificate and key (as `vehicle`) and the fleet CA. */
  vehicleTls(vehicleId: string): { cert: string; key: string; ca: string };
  /** From the fleet CA, but past its notAfter. */
  expired: TestCertificate;
  /** From the fleet CA and otherwise valid, but listed in the CRL. */
  revoked: TestCertificate;
  /** Valid in every way, but issued by a CA the router does not trust. */
  foreign: TestCertificate;
  /** The fleet CA itself, for tests that need a certificate of their own making. */
  authority: CertificateAuthority;
}

/** Vehicle ids of the misfits; each is a well-formed VIN, so only the certificate is wrong. */
export const TEST_VEHICLE_IDS = {
  expired: 'RCEXPD00000000001',
  revoked: 'RCRVKD00000000001',
  foreign: 'RCFRGN00000000001',
} as const;

let pki: TestPki | null = null;

function fileStem(vehicleId: string): string {
  return /^[A-Za-z0-9._-]{1,64}$/.test(vehicleId) && !vehicleId.startsWith('.')
    ? vehicleId
    : createHash('sha256').update(vehicleId).digest('hex').slice(0, 32);
}

/**
 * The fleet PKI every test of one process shares: generated on first use (EC P-256, a few
 * milliseconds), written under a private temporary folder. Synchronous, so a test may call
 * it, and `vehicle()`, wherever it needs a certificate.
 */
export function getTestPki(): TestPki {
  if (pki) return pki;
  const dir = processTempDir('pki');
  mkdirSync(join(dir, 'vehicles'));

  const write = (name: string, content: string, secret = false) => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: secret ? 0o600 : 0o644 });
    return path;
  };
  const save = (
    vehicleId: string,
    issued: IssuedCertificate,
    folder = 'vehicles',
  ): TestCertificate => {
    const stem = join(folder, fileStem(vehicleId));
    return {
      vehicleId,
      serialNumber: issued.serialNumber,
      certFile: write(`${stem}.crt`, issued.cert),
      keyFile: write(`${stem}.key`, issued.key, true),
      cert: issued.cert,
      key: issued.key,
    };
  };

  const authority = CertificateAuthority.create({ commonName: 'Roadcast Test Fleet CA' });
  const router = authority.issueServer({
    commonName: 'router',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1', '::1'],
  });
  const now = Date.now();
  const expired = save(
    TEST_VEHICLE_IDS.expired,
    authority.issueVehicle(TEST_VEHICLE_IDS.expired, {
      notBefore: new Date(now - 30 * 86_400_000),
      notAfter: new Date(now - 86_400_000),
    }),
  );
  const revoked = save(TEST_VEHICLE_IDS.revoked, authority.issueVehicle(TEST_VEHICLE_IDS.revoked));
  mkdirSync(join(dir, 'foreign'));
  // Same name as the fleet CA, different key: only a real signature check tells them apart.
  const foreignCa = CertificateAuthority.create({ commonName: 'Roadcast Test Fleet CA' });
  write('foreign/ca.crt', foreignCa.cert);
  const foreign = save(
    TEST_VEHICLE_IDS.foreign,
    foreignCa.issueVehicle(TEST_VEHICLE_IDS.foreign),
    'foreign',
  );

  const vehicles = new Map<string, TestCertificate>();
  const vehicle = (vehicleId: string): TestCertificate => {
    let issued = vehicles.get(vehicleId);
    if (!issued) {
      issued = save(vehicleId, authority.issueVehicle(vehicleId));
      vehicles.set(vehicleId, issued);
    }
    return issued;
  };
  pki = {
    dir,
    ca: authority.cert,
    caFile: write('ca.crt', authority.cert),
    crlFile: write(
      'crl.pem',
      authority.createCrl(
        [
          {
            serialNumber: revoked.serialNumber,
            revokedAt: new Date(now - 60_000),
            reason: 'keyCompromise',
          },
        ],
        {
          validDays: 365,
        },
      ),
    ),
    routerCertFile: write('router.crt', router.cert),
    routerKeyFile: write('router.key', router.key, true),
    vehicle,
    vehicleTls(vehicleId: string) {
      const { cert, key } = vehicle(vehicleId);
      return { cert, key, ca: authority.cert };
    },
    expired,
    revoked,
    foreign,
    authority,
  };
  return pki;
}
