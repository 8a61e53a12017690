import { compareVersions } from '@roadcast/vehicle-client';

/**
 * The version a simulated campaign offers when none is asked for: the next major version
 * after the newest one any vehicle runs, so a second run offers something the vehicles have
 * not installed yet (the same version again would be refused as a rollback). 1.0.0 → 2.0.0,
 * 2.0.0 → 3.0.0, 2.4.1 → 3.0.0; a version without a leading number gets `.1` appended.
 */
export function nextVersion(running: Iterable<string | undefined>): string {
  let newest: string | undefined;
  for (const version of running) {
    if (version !== undefined && (newest === undefined || compareVersions(version, newest) > 0))
      newest = version;
  }
  if (newest === undefined) return '2.0.0';
  const major = /^(\d+)/.exec(newest);
  return major ? `${Number(major[1]) + 1}.0.0` : `${newest}.1`;
}
