import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import {
  createFleetPki,
  devVehicleId,
  issueFleetVehicles,
  listFleetVehicles,
  NEGATIVE_CASE_VEHICLE_IDS,
  PkiInvalidRequest,
  refreshFleetCrl,
  revokeFleetVehicles,
} from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'roadcast-fleet-pki-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

const crlOf = (dir: string) => new x509.X509Crl(readFileSync(join(dir, 'crl.pem'), 'utf8'));
const crlNumber = (crl: x509.X509Crl) =>
  Buffer.from(crl.extensions.find((e) => e.type === '2.5.29.20')!.value).readUIntBE(2, 1);

describe('fleet PKI files', () => {
  it('creates CA, router certificate, CRL and development vehicles that match the router defaults', async () => {
    const dir = join(root, 'fresh');
    const files = await createFleetPki(dir, { count: 3 });
    assert.deepEqual(await listFleetVehicles(dir), [
      devVehicleId(1),
      devVehicleId(2),
      devVehicleId(3),
    ]);
    assert.match(devVehicleId(1), /^[A-HJ-NPR-Z0-9]{17}$/);
    const ca = new X509Certificate(readFileSync(files.caFile));
    const router = new X509Certificate(readFileSync(files.routerCertFile));
    assert.ok(router.verify(ca.publicKey));
    assert.equal(router.checkHost('localhost'), 'localhost');
    assert.equal(statSync(files.caKeyFile).mode & 0o777, 0o600);
    assert.equal(statSync(files.routerKeyFile).mode & 0o777, 0o600);
    const vehicle = new X509Certificate(
      readFileSync(join(files.vehiclesDir, `${devVehicleId(2)}.crt`)),
    );
    assert.ok(vehicle.verify(ca.publicKey));
    const crl = crlOf(dir);
    // The only revoked certificate of a new PKI is its own test/revoked refusal case.
    const revokedCase = new X509Certificate(readFileSync(join(dir, 'test/revoked.crt')));
    assert.deepEqual(
      crl.entries.map((e) => e.serialNumber.toUpperCase()),
      [revokedCase.serialNumber],
    );
    assert.ok(await crl.verify({ publicKey: new x509.X509Certificate(ca.toString()) }));
  });

  it('keeps the CA and existing certificates when run again', async () => {
    const dir = join(root, 'again');
    const files = await createFleetPki(dir, { count: 1 });
    const caBefore = readFileSync(files.caFile, 'utf8');
    const vehicleBefore = readFileSync(join(files.vehiclesDir, `${devVehicleId(1)}.crt`), 'utf8');
    await createFleetPki(dir, { count: 2 });
    assert.equal(readFileSync(files.caFile, 'utf8'), caBefore);
    assert.equal(
      readFileSync(join(files.vehiclesDir, `${devVehicleId(1)}.crt`), 'utf8'),
      vehicleBefore,
    );
    assert.deepEqual(await listFleetVehicles(dir), [devVehicleId(1), devVehicleId(2)]);
  });

  it('revokes vehicles into a newer CRL and refreshes it with the same entries', async () => {
    const dir = join(root, 'revoke');
    await createFleetPki(dir, { vehicleIds: ['1HGCM82633A004352', '1HGCM82633A004353'] });
    const [issued] = await issueFleetVehicles(dir, ['1HGCM82633A004352']);
    const first = crlNumber(crlOf(dir));
    const serials = await revokeFleetVehicles(dir, ['1HGCM82633A004352']);
    assert.deepEqual(serials, [issued!.serialNumber]);
    const revoked = crlOf(dir);
    assert.equal(crlNumber(revoked), first + 1);
    const revokedCase = new X509Certificate(readFileSync(join(dir, 'test/revoked.crt'))).serialNumber;
    assert.deepEqual(
      revoked.entries.map((e) => e.serialNumber.toUpperCase()).sort(),
      [issued!.serialNumber, revokedCase].sort(),
    );
    await revokeFleetVehicles(dir, ['1HGCM82633A004352']);
    await refreshFleetCrl(dir);
    const refreshed = crlOf(dir);
    assert.equal(crlNumber(refreshed), first + 3);
    assert.equal(refreshed.entries.length, 2, 'revoking twice lists the certificate once');
  });

  it('refuses vehicle ids that cannot be file names, and revoking an unknown vehicle', async () => {
    const dir = join(root, 'refuse');
    await createFleetPki(dir, { count: 0 });
    await assert.rejects(
      issueFleetVehicles(dir, ['../escape']),
      (err: { code?: string }) => err.code === PkiInvalidRequest.code,
    );
    await assert.rejects(
      revokeFleetVehicles(dir, ['1HGCM82633A009999']),
      (err: { code?: string }) => err.code === PkiInvalidRequest.code,
    );
  });
});

describe('negative-case certificates and the pki command', () => {
  const verify = (dir: string, cert: string) =>
    spawnSync('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), '-crl_check', '-CRLfile', join(dir, 'crl.pem'), join(dir, cert)], {
      encoding: 'utf8',
    });

  it('writes expired, revoked and foreign certificates that openssl refuses for the right reason', async () => {
    const dir = join(root, 'negative');
    await createFleetPki(dir, { count: 1 });
    assert.equal(verify(dir, 'vehicles/RCDEV000000000001.crt').status, 0);
    const expired = verify(dir, 'test/expired.crt');
    assert.notEqual(expired.status, 0);
    assert.match(expired.stdout + expired.stderr, /certificate has expired/);
    const revoked = verify(dir, 'test/revoked.crt');
    assert.notEqual(revoked.status, 0);
    assert.match(revoked.stdout + revoked.stderr, /certificate revoked/);
    const foreign = verify(dir, 'test/foreign.crt');
    assert.notEqual(foreign.status, 0);
    // Issued by test/foreign-ca.crt, which does verify it.
    const own = spawnSync('openssl', ['verify', '-CAfile', join(dir, 'test/foreign-ca.crt'), join(dir, 'test/foreign.crt')]);
    assert.equal(own.status, 0);
    assert.equal(
      new X509Certificate(readFileSync(join(dir, 'test/revoked.crt'))).subject.split('CN=')[1]?.trim(),
      NEGATIVE_CASE_VEHICLE_IDS.revoked,
    );
  });

  it('keeps the revoked case in the CRL when the PKI is completed again', async () => {
    const dir = join(root, 'negative-again');
    await createFleetPki(dir, { count: 0 });
    await createFleetPki(dir, { count: 2 });
    assert.notEqual(verify(dir, 'test/revoked.crt').status, 0);
    assert.equal(verify(dir, 'vehicles/RCDEV000000000002.crt').status, 0);
  });

  it('adds vehicles with --vehicles and --count and refuses ids that are not VINs', () => {
    const dir = join(root, 'cli');
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../../infra/pki/cli.ts'), '--dir', dir, ...args], {
        encoding: 'utf8',
      });
    assert.equal(cli().status, 0);
    const ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
    assert.equal(cli('--vehicles', '1HGCM82633A004352', 'WVWZZZ1JZXW000001').status, 0);
    assert.equal(cli('--count', '12').status, 0);
    const bad = cli('--vehicles', 'NOT-A-VIN');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /not valid vehicle ids/);
    assert.equal(readFileSync(join(dir, 'ca.crt'), 'utf8'), ca, 'the CA is never replaced');
    assert.ok(statSync(join(dir, 'vehicles/1HGCM82633A004352.crt')).isFile());
    assert.ok(statSync(join(dir, 'vehicles', `${devVehicleId(12)}.crt`)).isFile());
  });
});
