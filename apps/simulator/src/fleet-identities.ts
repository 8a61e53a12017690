import { readFile } from 'node:fs/promises';
import { devVehicleId, fleetPkiFiles, issueFleetVehicles } from '@roadcast/pki';
import type { SimulatedVehicleIdentity } from '@roadcast/vehicle-client';

/**
 * Development vehicle ids `first`…`first + count - 1`, each with a client certificate from the
 * fleet PKI (issued on first use, reused afterwards).
 */
export async function fleetIdentities(
  pkiDir: string,
  first: number,
  count: number,
): Promise<SimulatedVehicleIdentity[]> {
  const ids = Array.from({ length: count }, (_, i) => devVehicleId(first + i));
  const files = await issueFleetVehicles(pkiDir, ids);
  const ca = await readFile(fleetPkiFiles(pkiDir).caFile, 'utf8');
  return Promise.all(
    files.map(async (f) => ({
      vehicleId: f.vehicleId,
      tls: { cert: await readFile(f.certFile, 'utf8'), key: await readFile(f.keyFile, 'utf8'), ca },
    })),
  );
}
