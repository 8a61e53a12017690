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

const CACHE_MS = 5_000;
const TOUCH_MS = 60_000;

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
 * API keys: 256-bit random secrets stored as SHA-256 hashes. Lookups are cached for a few
 * seconds so authentication costs no query per request; a revocation takes effect at once
 * in this process and within the cache time elsewhere.
 */
export class ApiKeys {
  private readonly cache = new Map<string, { principal: Principal | undefined; at: number }>();
  private readonly touched = new Map<string, number>();

  constructor(private readonly pool: pg.Pool) {}

  async authenticate(key: string): Promise<Principal | undefined> {
    const hash = hashKey(key);
    const now = Date.now();
    const hit = this.cache.get(hash);
    if (hit && now - hit.at < CACHE_MS) return hit.principal;
    const { rows } = await this.pool.query<{ id: string; name: string; role: ApiRoleName }>(
      'SELECT id, name, role FROM api_keys WHERE hash = $1 AND revoked_at IS NULL',
      [hash],
    );
    const row = rows[0];
    const principal = row ? { keyId: row.id, name: row.name, role: row.role } : undefined;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { principal, at: now });
    if (principal && now - (this.touched.get(principal.keyId) ?? 0) > TOUCH_MS) {
      this.touched.set(principal.keyId, now);
      this.pool
        .query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [principal.keyId])
        .catch(() => undefined);
    }
    return principal;
  }

  /** Stores the configured bootstrap key as an admin key (idempotent). */
  async bootstrap(key: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO api_keys (id, name, prefix, hash, role, created_by)
       VALUES (gen_random_uuid(), 'bootstrap-admin', $1, $2, 'admin', 'configuration')
       ON CONFLICT (hash) DO UPDATE SET revoked_at = NULL`,
      [key.slice(0, 8), hashKey(key)],
    );
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
    this.cache.clear();
    return rows[0] ? toInfo(rows[0]) : undefined;
  }
}
