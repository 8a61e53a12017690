import type { Redis } from 'ioredis';
import { OutageGuard } from './outage-guard.js';

export interface Presence {
  vehicleId: string;
  brokerId: string;
  poolId: string;
  routerId: string;
  connectionId: string;
  /** ISO 8601 time the router accepted the connection. */
  connectedAt: string;
  sessionPresent: boolean;
  protocolVersion: 4 | 5;
}

export interface PresenceStoreOptions {
  redis: Redis;
  prefix: string;
  /** Approximate length the event stream is trimmed to (default 100 000). */
  streamMaxLength?: number;
  /** `brokersOf` fails rather than wait longer than this for Redis (default 250 ms). */
  readTimeoutMs?: number;
}

// KEYS: presence hash, broker counts, stream, the vehicle's broker key. ARGV: stream max
// length, router set prefix, vehicle id, then the hash fields as name/value pairs.
// A vehicle that reconnects before its old connection closed replaces the old record; the
// count moves from the old broker to the new one so counts stay exact without scans.
const RECORD = `
local old_broker = redis.call('HGET', KEYS[1], 'brokerId')
local old_router = redis.call('HGET', KEYS[1], 'routerId')
if old_broker then redis.call('HINCRBY', KEYS[2], old_broker, -1) end
if old_router then redis.call('SREM', ARGV[2] .. old_router, ARGV[3]) end
redis.call('DEL', KEYS[1])
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
local broker = redis.call('HGET', KEYS[1], 'brokerId')
local router = redis.call('HGET', KEYS[1], 'routerId')
redis.call('HINCRBY', KEYS[2], broker, 1)
redis.call('SET', KEYS[4], broker)
redis.call('SADD', ARGV[2] .. router, ARGV[3])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[1], '*',
  'type', 'connect',
  'vehicleId', ARGV[3],
  'brokerId', broker,
  'poolId', redis.call('HGET', KEYS[1], 'poolId'),
  'routerId', router,
  'connectionId', redis.call('HGET', KEYS[1], 'connectionId'),
  'sessionPresent', redis.call('HGET', KEYS[1], 'sessionPresent'),
  'at', redis.call('HGET', KEYS[1], 'connectedAt'))
return 1
`;

// KEYS: presence hash, broker counts, stream, the vehicle's broker key. ARGV: stream max
// length, router set prefix, vehicle id, connection id, time, reason, and optionally a router
// id. Only the connection that owns the record may remove it: a vehicle already reconnected
// elsewhere must not be erased by its old close. With a router id, any record of that router
// goes: the router knows the vehicle is no longer connected to it, whatever connection the
// record names.
const REMOVE = `
local owner = redis.call('HGET', KEYS[1], 'connectionId')
if not owner then return 0 end
if owner ~= ARGV[4] and (ARGV[7] == '' or redis.call('HGET', KEYS[1], 'routerId') ~= ARGV[7]) then
  return 0
end
local broker = redis.call('HGET', KEYS[1], 'brokerId')
local router = redis.call('HGET', KEYS[1], 'routerId')
local pool = redis.call('HGET', KEYS[1], 'poolId')
local session = redis.call('HGET', KEYS[1], 'sessionPresent')
redis.call('DEL', KEYS[1], KEYS[4])
if tonumber(redis.call('HINCRBY', KEYS[2], broker, -1)) <= 0 then redis.call('HDEL', KEYS[2], broker) end
redis.call('SREM', ARGV[2] .. router, ARGV[3])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[1], '*',
  'type', 'disconnect',
  'vehicleId', ARGV[3],
  'brokerId', broker,
  'poolId', pool,
  'routerId', router,
  'connectionId', owner,
  'sessionPresent', session,
  'at', ARGV[5],
  'reason', ARGV[6])
return 1
`;

/** Clients that already carry the scripts; several stores may share one client. */
const scriptedClients = new WeakSet<Redis>();

type PresenceRedis = Redis & {
  roadcastPresenceRecord(...args: Array<string | number>): Promise<number>;
  roadcastPresenceRemove(...args: Array<string | number>): Promise<number>;
};

/** Keys per MGET. */
const READ_BATCH = 10_000;

/**
 * Where each connected vehicle is: hash `<prefix>:presence:<vehicleId>`, its broker id alone
 * under `<prefix>:presence-broker:<vehicleId>` (so a fan-out job finds the brokers of all its
 * vehicles with one MGET), plus a stream of
 * connect/disconnect events `<prefix>:presence-events` the tracker follows, per-broker counts
 * `<prefix>:presence-count` and each router's vehicles `<prefix>:presence-router:<routerId>`
 * (so a restarted router can clear what it held before a crash). Every change is one Lua
 * script, so the hash, the counts and the stream never disagree.
 *
 * With Redis Cluster, put a hash tag in the prefix (e.g. `{roadcast}`) so the keys a script
 * touches share a slot.
 */
export class PresenceStore {
  private readonly redis: PresenceRedis;
  private readonly prefix: string;
  private readonly streamMaxLength: number;
  private readonly readGuard: OutageGuard;

  constructor(options: PresenceStoreOptions) {
    this.redis = options.redis as PresenceRedis;
    this.prefix = options.prefix;
    this.streamMaxLength = options.streamMaxLength ?? 100_000;
    this.readGuard = new OutageGuard({
      name: 'redis',
      timeoutMs: options.readTimeoutMs ?? 250,
      isConnected: () => options.redis.status === 'ready',
    });
    if (!scriptedClients.has(options.redis)) {
      options.redis.defineCommand('roadcastPresenceRecord', { numberOfKeys: 4, lua: RECORD });
      options.redis.defineCommand('roadcastPresenceRemove', { numberOfKeys: 4, lua: REMOVE });
      scriptedClients.add(options.redis);
    }
  }

  /** Name of the event stream, for consumers. */
  get eventsKey(): string {
    return `${this.prefix}:presence-events`;
  }

  private key(vehicleId: string): string {
    return `${this.prefix}:presence:${vehicleId}`;
  }

  private brokerKey(vehicleId: string): string {
    return `${this.prefix}:presence-broker:${vehicleId}`;
  }

  private get countsKey(): string {
    return `${this.prefix}:presence-count`;
  }

  private get routerSetPrefix(): string {
    return `${this.prefix}:presence-router:`;
  }

  async record(p: Presence): Promise<void> {
    await this.redis.roadcastPresenceRecord(
      this.key(p.vehicleId),
      this.countsKey,
      this.eventsKey,
      this.brokerKey(p.vehicleId),
      this.streamMaxLength,
      this.routerSetPrefix,
      p.vehicleId,
      'vehicleId',
      p.vehicleId,
      'brokerId',
      p.brokerId,
      'poolId',
      p.poolId,
      'routerId',
      p.routerId,
      'connectionId',
      p.connectionId,
      'connectedAt',
      p.connectedAt,
      'sessionPresent',
      String(p.sessionPresent),
      'protocolVersion',
      String(p.protocolVersion),
    );
  }

  /**
   * Removes the record if this connection still owns it, or, given `routerId`, if that router
   * holds it under any connection; true when it did.
   */
  async remove(
    vehicleId: string,
    connectionId: string,
    reason = 'closed',
    options: { at?: string; routerId?: string } = {},
  ): Promise<boolean> {
    const removed = await this.redis.roadcastPresenceRemove(
      this.key(vehicleId),
      this.countsKey,
      this.eventsKey,
      this.brokerKey(vehicleId),
      this.streamMaxLength,
      this.routerSetPrefix,
      vehicleId,
      connectionId,
      options.at ?? new Date().toISOString(),
      reason,
      options.routerId ?? '',
    );
    return removed === 1;
  }

  async get(vehicleId: string): Promise<Presence | null> {
    return parsePresence(await this.redis.hgetall(this.key(vehicleId)));
  }

  async getMany(vehicleIds: string[]): Promise<Map<string, Presence>> {
    const result = new Map<string, Presence>();
    const unique = [...new Set(vehicleIds)];
    for (let start = 0; start < unique.length; start += 1_000) {
      const batch = unique.slice(start, start + 1_000);
      const pipeline = this.redis.pipeline();
      for (const id of batch) pipeline.hgetall(this.key(id));
      const replies = (await pipeline.exec()) ?? [];
      replies.forEach(([err, value], i) => {
        if (err) throw err;
        const presence = parsePresence(value as Record<string, string>);
        const id = batch[i];
        if (presence && id !== undefined) result.set(id, presence);
      });
    }
    return result;
  }

  /**
   * The broker each connected vehicle is on, one MGET per job: what routing a notice needs.
   * Fails at once (`ROADCAST_ERR_UNAVAILABLE`) when Redis is down or slow, so callers can
   * route by the sticky pool instead of waiting.
   */
  async brokersOf(vehicleIds: string[]): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    const unique = [...new Set(vehicleIds)];
    for (let start = 0; start < unique.length; start += READ_BATCH) {
      const batch = unique.slice(start, start + READ_BATCH);
      const brokers = await this.readGuard.run(() =>
        this.redis.mget(batch.map((id) => this.brokerKey(id))),
      );
      batch.forEach((id, i) => {
        const brokerId = brokers[i];
        if (brokerId) result.set(id, brokerId);
      });
    }
    return result;
  }

  /** Connected vehicles per broker id (brokers with none are left out). */
  async countByBroker(): Promise<Record<string, number>> {
    const raw = await this.redis.hgetall(this.countsKey);
    const counts: Record<string, number> = {};
    for (const [broker, value] of Object.entries(raw)) {
      const n = Number(value);
      if (n > 0) counts[broker] = n;
    }
    return counts;
  }

  /** Vehicle ids whose presence names this router, e.g. left behind by a crash. */
  async vehiclesOfRouter(routerId: string): Promise<string[]> {
    return this.redis.smembers(`${this.routerSetPrefix}${routerId}`);
  }

  /**
   * Removes every record this router still owns, with a disconnect event each. A router
   * calls it at start (its previous run may have crashed) and after closing its listeners.
   */
  async removeRouter(routerId: string, reason = 'router-stopped'): Promise<number> {
    let removed = 0;
    const ids = await this.vehiclesOfRouter(routerId);
    for (let start = 0; start < ids.length; start += 500) {
      const current = await this.getMany(ids.slice(start, start + 500));
      for (const p of current.values()) {
        if (p.routerId === routerId && (await this.remove(p.vehicleId, p.connectionId, reason)))
          removed += 1;
      }
    }
    // Entries whose record is already gone or moved to another router.
    await this.redis.del(`${this.routerSetPrefix}${routerId}`);
    return removed;
  }
}

function parsePresence(raw: Record<string, string> | null | undefined): Presence | null {
  if (!raw || raw.vehicleId === undefined) return null;
  return {
    vehicleId: raw.vehicleId,
    brokerId: raw.brokerId ?? '',
    poolId: raw.poolId ?? '',
    routerId: raw.routerId ?? '',
    connectionId: raw.connectionId ?? '',
    connectedAt: raw.connectedAt ?? '',
    sessionPresent: raw.sessionPresent === 'true',
    protocolVersion: raw.protocolVersion === '5' ? 5 : 4,
  };
}
