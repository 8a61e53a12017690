import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CertificateAuthority, type IssuedCertificate } from './certificate-authority.js';
import type { RevokedCertificate } from './x509-structures.js';
import { PkiInvalidRequest } from './errors.js';

/**
 * A fleet PKI kept as files in one folder, the layout the router's settings point at:
 *
 *   ca.crt ca.key router.crt router.key crl.pem revoked.json vehicles/<id>.crt vehicles/<id>.key
 *   test/expired.{crt,key} test/revoked.{crt,key} test/foreign.{crt,key} test/foreign-ca.crt
 *
 * The `test/` certificates are the refusals every deployment should be able to demonstrate:
 * expired, revoked (listed in the CRL) and issued by an unrelated CA.
 * Every operation keeps what is already there (the CA above all), so it can run again safely.
 */
export interface FleetPkiFiles {
  dir: string;
  caFile: string;
  caKeyFile: string;
  crlFile: string;
  routerCertFile: string;
  routerKeyFile: string;
  vehiclesDir: string;
  testDir: string;
}

/** Vehicle ids of the negative-case certificates: valid VINs, so only the certificate is wrong. */
export const NEGATIVE_CASE_VEHICLE_IDS = {
  expired: 'RCEXPRD0000000001',
  revoked: 'RCRVKD00000000001',
  foreign: 'RCFRGN00000000001',
} as const;

export interface FleetPkiOptions {
  /** Development vehicles to issue (`RCDEV000000000001` …) when `vehicleIds` is not given. */
  count?: number;
  vehicleIds?: string[];
  /** Names the router certificate is valid for (default localhost, 127.0.0.1, ::1). */
  routerDnsNames?: string[];
  routerIpAddresses?: string[];
  caCommonName?: string;
}

export interface VehicleFiles {
  vehicleId: string;
  serialNumber: string;
  certFile: string;
  keyFile: string;
}

interface RevocationState {
  crlNumber: number;
  revoked: Array<{ vehicleId: string; serialNumber: string; revokedAt: string }>;
}

const VEHICLE_FILE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function fleetPkiFiles(dir: string): FleetPkiFiles {
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    caKeyFile: join(dir, 'ca.key'),
    crlFile: join(dir, 'crl.pem'),
    routerCertFile: join(dir, 'router.crt'),
    routerKeyFile: join(dir, 'router.key'),
    vehiclesDir: join(dir, 'vehicles'),
    testDir: join(dir, 'test'),
  };
}

/** Development VINs: `RCDEV` and a 12-digit number, valid under the default id pattern. */
export function devVehicleId(n: number): string {
  return `RCDEV${String(n).padStart(12, '0')}`;
}

async function writeIssued(
  certFile: string,
  keyFile: string,
  issued: IssuedCertificate,
): Promise<void> {
  await writeFile(keyFile, issued.key, { mode: 0o600 });
  await writeFile(certFile, issued.cert);
}

async function loadOrCreateCa(
  files: FleetPkiFiles,
  commonName?: string,
): Promise<CertificateAuthority> {
  if (existsSync(files.caFile)) {
    const [cert, key] = await Promise.all([
      readFile(files.caFile, 'utf8'),
      readFile(files.caKeyFile, 'utf8'),
    ]);
    return CertificateAuthority.load({ cert, key });
  }
  const ca = CertificateAuthority.create(commonName ? { commonName } : {});
  await mkdir(files.dir, { recursive: true });
  await writeFile(files.caKeyFile, ca.key, { mode: 0o600 });
  await writeFile(files.caFile, ca.cert);
  return ca;
}

async function readState(files: FleetPkiFiles): Promise<RevocationState> {
  const text = await readFile(join(files.dir, 'revoked.json'), 'utf8').catch(() => null);
  return text === null ? { crlNumber: 0, revoked: [] } : (JSON.parse(text) as RevocationState);
}

/** Signs a new CRL (next CRL number) from `revoked.json` and writes both. */
async function publishCrl(
  ca: CertificateAuthority,
  files: FleetPkiFiles,
  state: RevocationState,
): Promise<void> {
  state.crlNumber += 1;
  const revoked: RevokedCertificate[] = state.revoked.map((r) => ({
    serialNumber: r.serialNumber,
    revokedAt: new Date(r.revokedAt),
    reason: 'keyCompromise',
  }));
  await writeFile(
    files.crlFile,
    ca.createCrl(revoked, { crlNumber: state.crlNumber, validDays: 365 }),
  );
  await writeFile(join(files.dir, 'revoked.json'), `${JSON.stringify(state, null, 2)}\n`);
}

function vehicleFiles(
  files: FleetPkiFiles,
  vehicleId: string,
): { certFile: string; keyFile: string } {
  if (!VEHICLE_FILE_ID.test(vehicleId)) {
    throw new PkiInvalidRequest(`vehicle id "${vehicleId}" is not usable as a file name`,
    );
  }
  return {
    certFile: join(files.vehiclesDir, `${vehicleId}.crt`),
    keyFile: join(files.vehiclesDir, `${vehicleId}.key`),
  };
}

/**
 * Creates (or completes) the fleet PKI in `dir`: the CA, the router's server certificate, a
 * CRL and the requested vehicle certificates. Existing files are kept.
 */
export async function createFleetPki(
  dir: string,
  options: FleetPkiOptions = {},
): Promise<FleetPkiFiles> {
  const files = fleetPkiFiles(dir);
  const ca = await loadOrCreateCa(files, options.caCommonName);
  if (!existsSync(files.routerCertFile)) {
    const router = ca.issueServer({
      commonName: 'router',
      dnsNames: options.routerDnsNames ?? ['localhost'],
      ipAddresses: options.routerIpAddresses ?? ['127.0.0.1', '::1'],
    });
    await writeIssued(files.routerCertFile, files.routerKeyFile, router);
  }
  const ids =
    options.vehicleIds ??
    Array.from({ length: options.count ?? 10 }, (_, i) => devVehicleId(i + 1));
  await issueFleetVehicles(dir, ids, ca);
  const state = await readState(files);
  const revokedNow = await writeNegativeCases(ca, files, state);
  if (revokedNow || !existsSync(files.crlFile)) await publishCrl(ca, files, state);
  return files;
}

/**
 * Writes `test/expired`, `test/revoked` and `test/foreign` when missing; returns true when the
 * revoked one was just added to the revocation state (so a new CRL must be published).
 */
async function writeNegativeCases(
  ca: CertificateAuthority,
  files: FleetPkiFiles,
  state: RevocationState,
): Promise<boolean> {
  await mkdir(files.testDir, { recursive: true });
  const at = (name: string) => ({ certFile: join(files.testDir, `${name}.crt`), keyFile: join(files.testDir, `${name}.key`) });
  const expired = at('expired');
  if (!existsSync(expired.certFile)) {
    const now = Date.now();
    const issued = ca.issueVehicle(NEGATIVE_CASE_VEHICLE_IDS.expired, {
      notBefore: new Date(now - 30 * 86_400_000),
      notAfter: new Date(now - 86_400_000),
    });
    await writeIssued(expired.certFile, expired.keyFile, issued);
  }
  const foreign = at('foreign');
  if (!existsSync(foreign.certFile)) {
    // Same name as the fleet CA, different key: only the signature gives it away.
    const foreignCa = CertificateAuthority.create({ commonName: ca.commonName });
    await writeFile(join(files.testDir, 'foreign-ca.crt'), foreignCa.cert);
    await writeIssued(foreign.certFile, foreign.keyFile, foreignCa.issueVehicle(NEGATIVE_CASE_VEHICLE_IDS.foreign));
  }
  const revoked = at('revoked');
  if (existsSync(revoked.certFile)) return false;
  const issued = ca.issueVehicle(NEGATIVE_CASE_VEHICLE_IDS.revoked);
  await writeIssued(revoked.certFile, revoked.keyFile, issued);
  state.revoked.push({
    vehicleId: NEGATIVE_CASE_VEHICLE_IDS.revoked,
    serialNumber: issued.serialNumber,
    revokedAt: new Date().toISOString(),
  });
  return true;
}

/** Issues certificates for the vehicles in `ids` that have none yet; returns all of them. */
export async function issueFleetVehicles(
  dir: string,
  ids: string[],
  authority?: CertificateAuthority,
): Promise<VehicleFiles[]> {
  const files = fleetPkiFiles(dir);
  const ca = authority ?? (await loadOrCreateCa(files));
  await mkdir(files.vehiclesDir, { recursive: true });
  const out: VehicleFiles[] = [];
  for (const vehicleId of ids) {
    const paths = vehicleFiles(files, vehicleId);
    let serialNumber: string;
    if (existsSync(paths.certFile)) {
      serialNumber = (await readSerial(paths.certFile)) ?? '';
    } else {
      const issued = ca.issueVehicle(vehicleId);
      await writeIssued(paths.certFile, paths.keyFile, issued);
      serialNumber = issued.serialNumber;
    }
    out.push({ vehicleId, serialNumber, ...paths });
  }
  return out;
}

async function readSerial(certFile: string): Promise<string | null> {
  try {
    return new X509Certificate(await readFile(certFile)).serialNumber;
  } catch {
    return null;
  }
}

/**
 * Revokes the current certificates of `ids` and publishes a new CRL. The certificate files
 * stay, so the refusal can be tried; issuing again needs their removal first.
 */
export async function revokeFleetVehicles(dir: string, ids: string[]): Promise<string[]> {
  const files = fleetPkiFiles(dir);
  const ca = await loadOrCreateCa(files);
  const state = await readState(files);
  const serials: string[] = [];
  for (const vehicleId of ids) {
    const serialNumber = await readSerial(vehicleFiles(files, vehicleId).certFile);
    if (!serialNumber)
      throw new PkiInvalidRequest(`no certificate for vehicle ${vehicleId}`);
    if (!state.revoked.some((r) => r.serialNumber === serialNumber)) {
      state.revoked.push({ vehicleId, serialNumber, revokedAt: new Date().toISOString() });
    }
    serials.push(serialNumber);
  }
  await publishCrl(ca, files, state);
  return serials;
}

/** Signs a fresh CRL with the same entries, e.g. before the current one's nextUpdate. */
export async function refreshFleetCrl(dir: string): Promise<void> {
  const files = fleetPkiFiles(dir);
  await publishCrl(await loadOrCreateCa(files), files, await readState(files));
}

/** Vehicle ids that have a certificate in `dir`. */
export async function listFleetVehicles(dir: string): Promise<string[]> {
  const entries = await readdir(fleetPkiFiles(dir).vehiclesDir).catch(() => [] as string[]);
  return entries
    .filter((e) => e.endsWith('.crt'))
    .map((e) => e.slice(0, -4))
    .sort();
}
