import { Redis } from 'ioredis';
import { uniquePrefix } from '@roadcast/testing';
import type { CleanupScope } from './cleanup.js';
import { REDIS_URL } from './process-sources.js';

/**
 * Deletes every key under `prefix:` with SCAN and UNLINK: SCAN never blocks the shared Redis
 * the way KEYS does, and UNLINK frees memory in the background. Returns how many went.
 */
export async function deleteRedisKeys(prefix: string, url = REDIS_URL): Promise<number> {
  if (!/^[A-Za-z0-9_-]{4,}$/.test(prefix))
    throw new Error(`refusing to delete keys under a prefix like '${prefix}'`);
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** A Redis prefix of the scenario's own, whose keys are deleted when the scope closes. */
export function scenarioRedisPrefix(scope: CleanupScope, label: string): string {
  const prefix = uniquePrefix(label);
  scope.defer(`redis keys ${prefix}:*`, () => deleteRedisKeys(prefix));
  return prefix;
}
