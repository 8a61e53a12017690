import type pg from 'pg';
import {
  UUID_PATTERN,
  type AuditEntry,
  type AuditList,
  type AuditQuery,
} from '@roadcast/contracts';
import { decodeCursor, encodeCursor } from '@roadcast/campaigns';
import { ApiError } from '../errors.js';

export type AuditCursor = [string, string];
const UUID = new RegExp(UUID_PATTERN);
const DIGITS = /^[1-9]\d{0,18}$/;
// Exactly what the list encodes (an ISO time and an entry id), so Postgres never sees a value
// it cannot cast: a tampered cursor is refused as invalid, not failed as an internal error.
const isAuditCursor = (v: unknown): v is AuditCursor =>
  Array.isArray(v) &&
  v.length === 2 &&
  typeof v[0] === 'string' &&
  typeof v[1] === 'string' &&
  DIGITS.test(v[1]) &&
  Date.parse(v[0]) >= 0 &&
  new Date(Date.parse(v[0])).toISOString() === v[0];

const invalid = (path: string, message: string) =>
  new ApiError('ROADCAST_ERR_VALIDATION', message, [{ path, message }]);

/**
 * The audit log, newest first, with filters and a keyset cursor over (at, id). Every filter
 * has an index that also yields the order, so a page reads about `limit` index entries
 * (docs/decisions/0355): actor and action (actor|action, at DESC, id DESC), a resource
 * (target_type, target_id), time alone (at DESC).
 */
export async function listAuditEntries(pool: pg.Pool, query: AuditQuery): Promise<AuditList> {
  const limit = query.limit ?? 50;
  const cursor = decodeCursor(query.cursor, isAuditCursor);
  if (query.cursor && !cursor)
    throw new ApiError('ROADCAST_ERR_INVALID_CURSOR', 'cursor is not valid');
  if (query.resourceId !== undefined && query.resourceType === undefined)
    throw invalid('/resourceId', 'resourceId needs resourceType');
  if (query.from && query.to && Date.parse(query.from) >= Date.parse(query.to))
    throw invalid('/to', 'to must be after from');
  const actors = query.actor === undefined ? undefined : await actorsNamed(pool, query.actor);
  if (actors?.length === 0) return { items: [], nextCursor: null };
  const { rows } = await pool.query<{
    id: string;
    at: Date;
    actor: string;
    action: string;
    targetType: string;
    targetId: string | null;
    requestId: string | null;
    details: Record<string, unknown> | null;
  }>(auditPageSql(query, actors, cursor, limit + 1));
  const page = rows.slice(0, limit);
  const items: AuditEntry[] = page.map((r) => ({ ...r, at: r.at.toISOString() }));
  const last = page[page.length - 1];
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCursor([last.at.toISOString(), last.id]) : null,
  };
}

/** The page's statement; exported so a test can read its plan. */
export function auditPageSql(
  query: Omit<AuditQuery, 'actor' | 'cursor' | 'limit'>,
  actors: readonly string[] | undefined,
  cursor: AuditCursor | undefined,
  rows: number,
): pg.QueryConfig {
  const values: unknown[] = [];
  const where: string[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  // One actor (a key id) is an equality, so the index also yields the order.
  if (actors?.length === 1) where.push(`actor = ${param(actors[0])}`);
  else if (actors !== undefined) where.push(`actor = ANY(${param(actors)}::text[])`);
  if (query.resourceType !== undefined) where.push(`target_type = ${param(query.resourceType)}`);
  if (query.resourceId !== undefined) where.push(`target_id = ${param(query.resourceId)}`);
  if (query.action !== undefined) where.push(`action = ${param(query.action)}`);
  if (query.from) where.push(`at >= ${param(query.from)}::timestamptz`);
  if (query.to) where.push(`at < ${param(query.to)}::timestamptz`);
  if (cursor) {
    where.push(`(at, id) < (${param(cursor[0])}::timestamptz, ${param(cursor[1])}::bigint)`);
  }
  return {
    text: `SELECT id::text AS id, at, actor, action, target_type AS "targetType",
         target_id AS "targetId", request_id AS "requestId", details
       FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY audit_log.at DESC, audit_log.id DESC LIMIT ${param(rows)}`,
    values,
  };
}

/**
 * The audit log's actor strings for a key id or a key name (every key of that name, revoked
 * ones included): `name (id)`, as the audit plugin writes them.
 */
async function actorsNamed(pool: pg.Pool, actor: string): Promise<string[]> {
  const { rows } = await pool.query<{ actor: string }>(
    UUID.test(actor)
      ? `SELECT name || ' (' || id || ')' AS actor FROM api_keys WHERE id = $1::uuid`
      : `SELECT name || ' (' || id || ')' AS actor FROM api_keys WHERE name = $1`,
    [actor],
  );
  return rows.map((r) => r.actor);
}
