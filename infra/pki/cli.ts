/**
 * The development fleet PKI, in `.data/pki` where the router's default settings look:
 *
 *   npm run pki                               CA, router certificate, CRL, the test/ refusal
 *                                             cases and 10 vehicles (all kept if present)
 *   npm run pki -- --vehicles <id> [<id> …]   add certificates for these vehicle ids
 *   npm run pki -- --count N                  add development vehicles 1…N
 *   npm run pki -- revoke <id> [<id> …]       revoke them and publish a new CRL
 *   npm run pki -- crl                        sign the CRL again before it expires
 *   npm run pki -- list                       vehicles with a certificate
 *
 * `--dir <folder>` works on another folder; `--pattern <regex>` changes the vehicle-id rule
 * (default: VIN). Files only; nothing leaves this machine.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createFleetPki,
  devVehicleId,
  issueFleetVehicles,
  listFleetVehicles,
  refreshFleetCrl,
  revokeFleetVehicles,
} from '@roadcast/pki';

const VIN = '^[A-HJ-NPR-Z0-9]{17}$';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    dir: { type: 'string', default: '.data/pki' },
    count: { type: 'string' },
    vehicles: { type: 'string', multiple: true },
    pattern: { type: 'string', default: VIN },
  },
});
const dir = resolve(values.dir);

function checkedIds(ids: string[]): string[] {
  const pattern = new RegExp(values.pattern);
  const bad = ids.filter((id) => !pattern.test(id));
  if (bad.length > 0) {
    throw new Error(`not valid vehicle ids under ${values.pattern}: ${bad.join(', ')} (use --pattern to change the rule)`);
  }
  return ids;
}

async function main(): Promise<void> {
  // `--vehicles A B C`: the flag takes one value, the rest arrive as positionals.
  if (values.vehicles) {
    const ids = checkedIds([...values.vehicles, ...positionals]);
    await createFleetPki(dir, { vehicleIds: [] });
    for (const v of await issueFleetVehicles(dir, ids)) console.log(`${v.vehicleId}  ${v.certFile}`);
    return;
  }
  if (values.count !== undefined) {
    const count = Number(values.count);
    if (!Number.isInteger(count) || count < 1) throw new Error('--count must be a whole number of at least 1');
    await createFleetPki(dir, { vehicleIds: [] });
    const issued = await issueFleetVehicles(dir, Array.from({ length: count }, (_, i) => devVehicleId(i + 1)));
    console.log(`${issued.length} development vehicle certificate(s) in ${dir}/vehicles/.`);
    return;
  }
  const [command = 'init', ...ids] = positionals;
  switch (command) {
    case 'init': {
      const files = await createFleetPki(dir);
      console.log(
        `Fleet PKI in ${files.dir}: ca.crt, router.crt/.key, crl.pem, test/{expired,revoked,foreign}, vehicles/.`,
      );
      return;
    }
    case 'revoke': {
      if (ids.length === 0) throw new Error('name at least one vehicle id');
      const serials = await revokeFleetVehicles(dir, ids);
      console.log(`Revoked ${serials.length} certificate(s); new CRL in ${dir}/crl.pem.`);
      return;
    }
    case 'crl':
      await refreshFleetCrl(dir);
      console.log(`Signed a new CRL in ${dir}/crl.pem.`);
      return;
    case 'list':
      for (const id of await listFleetVehicles(dir)) console.log(id);
      return;
    default:
      throw new Error(`unknown command "${command}"; use --vehicles, --count, revoke, crl or list`);
  }
}

try {
  await main();
} catch (err) {
  console.error(`pki: ${(err as Error).message}`);
  process.exitCode = 1;
}
