import type { Redis } from 'ioredis';
import type { RoadcastEvent } from '@roadcast/contracts';
import { redisKeys } from './names.js';

/** Dashboards can resume from any of roughly this many recent events. */
export const EVENT_STREAM_MAX_LENGTH = 10_000;

export interface StoredEvent {
  /** Redis stream id, used as the SSE event id and Last-Event-ID. */
  id: string;
  event: RoadcastEvent;
}

/** Appends one event to `${prefix}:events` (capped, approximately) and returns its id. */
export async function appendEvent(
  redis: Redis,
  prefix: string,
  event: RoadcastEvent,
): Promise<string> {
  const id = await redis.xadd(
    redisKeys.events(prefix),
    'MAXLEN',
    '~',
    String(EVENT_STREAM_MAX_LENGTH),
    '*',
    'event',
    JSON.stringify(event),
  );
  return id ?? '';
}

export interface EventBatch {
  events: StoredEvent[];
  /** The id of the last entry read, parsed or not: where the next read continues. */
  lastId: string | undefined;
}

type StreamEntries = Array<[string, string[]]>;

function parseEntries(entries: StreamEntries): EventBatch {
  const events: StoredEvent[] = [];
  for (const [id, fields] of entries) {
    const index = fields.indexOf('event');
    const raw = index >= 0 ? fields[index + 1] : undefined;
    if (raw === undefined) continue;
    try {
      events.push({ id, event: JSON.parse(raw) as RoadcastEvent });
    } catch {
      continue;
    }
  }
  return { events, lastId: entries[entries.length - 1]?.[0] };
}

/**
 * Events after `afterId` ('$' for only new ones), waiting up to `blockMs` when there are none.
 * Entries that do not parse are skipped, but `lastId` moves past them.
 */
export async function readEventBatch(
  redis: Redis,
  prefix: string,
  afterId: string,
  options: { blockMs: number; count: number },
): Promise<EventBatch> {
  const reply = (await redis.xread(
    'COUNT',
    options.count,
    'BLOCK',
    options.blockMs,
    'STREAMS',
    redisKeys.events(prefix),
    afterId,
  )) as Array<[string, StreamEntries]> | null;
  return parseEntries(reply?.[0]?.[1] ?? []);
}

/** Events after `afterId`, without waiting: the backlog a resuming reader catches up on. */
export async function readEventRange(
  redis: Redis,
  prefix: string,
  afterId: string,
  count: number,
): Promise<EventBatch> {
  const entries = (await redis.xrange(
    redisKeys.events(prefix),
    `(${afterId}`,
    '+',
    'COUNT',
    count,
  )) as StreamEntries;
  return parseEntries(entries);
}

/** Events after `afterId` ('$' for only new ones), waiting up to `blockMs` when there are none. */
export async function readEvents(
  redis: Redis,
  prefix: string,
  afterId: string,
  options: { blockMs: number; count: number },
): Promise<StoredEvent[]> {
  return (await readEventBatch(redis, prefix, afterId, options)).events;
}

/** The newest id in the stream, or '0' when it is empty. */
export async function lastEventId(redis: Redis, prefix: string): Promise<string> {
  const last = (await redis.xrevrange(redisKeys.events(prefix), '+', '-', 'COUNT', 1)) as Array<
    [string, string[]]
  >;
  return last[0]?.[0] ?? '0';
}
