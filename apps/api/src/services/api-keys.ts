import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { ApiKeyCreated, ApiKeyInfo, ApiRoleName } from '@roadcast/contracts';

export interface Principal {
  keyId: string;
  name: string;
  role: ApiRoleName;
}

const ROLE_RANK: Record<ApiRoleName, number> = { viewer: 0, operator: 1, admin: 2 };
export const hasRole = (have: ApiRoleName, need: ApiRoleName): boolean =>
  ROLE_RANK[have] >= ROLE_RANK[need];

export const hashKey = (key: string): string =>
  createHash('sha256').update(key, 'utf8').digest('hex');

/** How long a lookup's answer is trusted before Postgres is asked again. */
const CACHE_MS = 5_000;
const TOUCH_MS = 60_000;
/** Valid keys remembered; unknown keys never take their places. */
const MAX_VALID = 10_000;
/** Refused keys remembered, in a map of their own. */
const MAX_REFUSED = 1_000;

const COLUMNS = `id, name, prefix, role, created_by AS "createdBy", created_at AS "createdAt",
  last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`;

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  role: ApiRoleName;
  createdBy: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const toInfo = (r: KeyRow): ApiKeyInfo => ({
  ...r,
  createdAt: r.createdAt.toISOString(),
  lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
  revokedAt: r.revokedAt?.toISOString() ?? null,
});

/**
 * What this process remembers about a key hash: `valid` within the cache time, `known`
 * (valid when last looked up, to be looked up again), `refused` recently, or `unknown`.
 */
export type KeyRecall =
  { state: 'valid'; principal: Principal } | { state: 'known' | 'refused' | 'unknown' };

/**
 * API keys: 256-bit random secrets stored as SHA-256 hashes. Lookups are remembered for a few
 * seconds so authentication costs no query per request; a revocation takes effect at once
 * in this process and within the cache time elsewhere. Valid and refused keys are kept in
 * two bounded maps (least recently used first out), so a spray of random keys can neither
 * grow memory nor push a valid key out of the cache.
 */
export class ApiKeys {
  private readonly valid = new Map<string, { principal: Principal; at: number }>();
  private readonly refused = new Map<string, number>();
  private readonly touched = new Map<string, number>();
  /** Lookups that reached Postgres, for tests and metrics. */
  lookups = 0;

  constructor(private readonly pool: pg.Pool) {}

  recall(hash: string, now = Date.now()): KeyRecall {
    const hit = this.valid.get(hash);
    if (hit) {
      this.valid.delete(hash);
      this.valid.set(hash, hit);
      return now - hit.at < CACHE_MS
        ? { state: 'valid', principal: hit.principal }
        : { state: 'known' };
    }
    const refusedAt = this.refused.get(hash);
    if (refusedAt !== undefined && now - refusedAt < CACHE_MS) return { state: 'refused' };
    return { state: 'unknown' };
  }

  /** Looks a key hash up in Postgres and remembers the answer. */
  async lookup(hash: string): Promise<Principal | undefined> {
    this.lookups += 1;
    const { rows } = await this.pool.query<{ id: string; name: string; role: ApiRoleName }>(
      'SELECT id, name, role FROM api_keys WHERE hash = $1 AND revoked_at IS NULL',
      [hash],
    );
    const row = rows[0];
    const now = Date.now();
    if (!row) {
      this.valid.delete(hash);
      remember(this.refused, hash, now, MAX_REFUSED);
      return undefined;
    }
    const principal = { keyId: row.id, name: row.name, role: row.role };
    this.refused.delete(hash);
    this.valid.delete(hash);
    remember(this.valid, hash, { principal, at: now }, MAX_VALID);
    if (now - (this.touched.get(principal.keyId) ?? 0) > TOUCH_MS) {
      remember(this.touched, principal.keyId, now, MAX_VALID);
      this.pool
        .query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [principal.keyId])
        .catch(() => undefined);
    }
    return principal;
  }

  /**
   * Stores the configured bootstrap key as an admin key. Idempotent, and a bootstrap key
   * that an admin revoked stays revoked: 'revoked' tells the caller to say so.
   */
  async bootstrap(key: string): Promise<'stored' | 'present' | 'revoked'> {
    const hash = hashKey(key);
    const { rowCount } = await this.pool.query(
      `INSERT INTO api_keys (id, name, prefix, hash, role, created_by)
       VALUES (gen_random_uuid(), 'bootstrap-admin', $1, $2, 'admin', 'configuration')
       ON CONFLICT (hash) DO NOTHING`,
      [key.slice(0, 8), hash],
    );
    if (rowCount) return 'stored';
    const { rows } = await this.pool.query<{ revoked: boolean }>(
      'SELECT revoked_at IS NOT NULL AS revoked FROM api_keys WHERE hash = $1',
      [hash],
    );
    return rows[0]?.revoked ? 'revoked' : 'present';
  }

  get cachedKeys(): { valid: number; refused: number } {
    return { valid: this.valid.size, refused: this.refused.size };
  }

  async create(name: string, role: ApiRoleName, createdBy: string): Promise<ApiKeyCreated> {
    const key = `rk_${randomBytes(32).toString('base64url')}`;
    const { rows } = await this.pool.query<KeyRow>(
      `INSERT INTO api_keys (id, name, prefix, hash, role, created_by)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [name, key.slice(0, 10), hashKey(key), role, createdBy],
    );
    return { ...toInfo(rows[0]!), key };
  }

  async list(): Promise<ApiKeyInfo[]> {
    const { rows } = await this.pool.query<KeyRow>(
      `SELECT ${COLUMNS} FROM api_keys ORDER BY created_at`,
    );
    return rows.map(toInfo);
  }

  /** Revokes a key; false when there is no such key. */
  async revoke(id: string): Promise<ApiKeyInfo | undefined> {
    const { rows } = await this.pool.query<KeyRow>(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`,
      [id],
    );
    for (const [hash, entry] of this.valid)
      if (entry.principal.keyId === id) this.valid.delete(hash);
    return rows[0] ? toInfo(rows[0]) : undefined;
  }
}

/** Sets `key` as the most recently used entry, forgetting the least recently used beyond `max`. */
function remember<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) map.delete(map.keys().next().value as K);
  map.set(key, value);
}
