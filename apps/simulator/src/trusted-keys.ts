import { readFile } from 'node:fs/promises';
import type { SimulatorSettings } from '@roadcast/config';

export interface VehicleTrust {
  trustedKeys: Map<string, string>;
  legacyKeyIds: Set<string>;
}

/**
 * The keys the simulated vehicles trust, as a vehicle team would configure them: the signing
 * key, any further keys of a rotation, and the keys whose legacy format is still accepted.
 */
export async function readVehicleTrust(settings: SimulatorSettings): Promise<VehicleTrust> {
  const files: Array<[string, string]> = [
    [settings.SIMULATOR_SIGNING_KEY_ID, settings.SIMULATOR_SIGNING_PUBLIC_KEY_FILE],
    ...(settings.SIMULATOR_SIGNING_PUBLIC_KEYS
      ? settings.SIMULATOR_SIGNING_PUBLIC_KEYS.split(',').map(
          (pair) => pair.split('=', 2) as [string, string],
        )
      : []),
  ];
  const trustedKeys = new Map<string, string>();
  for (const [keyId, file] of files) trustedKeys.set(keyId, await readFile(file, 'utf8'));
  const legacyKeyIds = new Set(
    settings.SIMULATOR_LEGACY_KEY_IDS ? settings.SIMULATOR_LEGACY_KEY_IDS.split(',') : [],
  );
  return { trustedKeys, legacyKeyIds };
}
