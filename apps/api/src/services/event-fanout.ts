import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import {
  lastEventId,
  readEventBatch,
  readEventRange,
  type EventBatch,
  type StoredEvent,
} from '@roadcast/queue';
import { ApiError } from '../errors.js';
import { DependencyUnavailableError } from './dependency-health.js';
import { EventStream, type DropReason, type EventFrame } from './event-stream.js';

export interface EventFanoutOptions {
  /** The API's shared client: backlog reads. The reader gets a connection of its own. */
  redis: Redis;
  prefix: string;
  logger: Logger;
  registry: Registry;
  heartbeatMs: number;
  maxStreams: number;
  maxStreamsPerKey: number;
  /** Unsent bytes a stream may hold before its client is dropped. */
  bufferBytes: number;
  /** How long one blocking read waits for new events. */
  blockMs?: number;
}

export interface StartingPoint {
  /** The id after which the stream starts. */
  from: string;
  firstPage: EventBatch;
}

/** Entries per read, live or backlog. */
const PAGE = 500;
const HEARTBEAT = Buffer.from(': heartbeat\n\n');
const LOG_INTERVAL_MS = 10_000;

const frameOf = ({ id, event }: StoredEvent): EventFrame => ({
  id,
  bytes: Buffer.from(`id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`),
});

/**
 * The API process's one reader of the event stream: a single blocking XREAD loop on its own
 * Redis connection, fanned out in memory to every open `/v1/events` stream, so open streams
 * cost no Redis connections. A new stream starts at a concrete id (the client's Last-Event-ID,
 * or the newest event when it connects) and first reads what followed it with XRANGE pages
 * on the shared client, while live events wait in its queue; then it joins the fan-out.
 * Streams are capped per API key and per process; heartbeats come from one timer.
 */
export class EventFanout {
  private readonly streams = new Set<EventStream>();
  private readonly perKey = new Map<string, number>();
  private reader: Redis | undefined;
  private running: Promise<void> | undefined;
  private readerFailing = false;
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly open: Gauge;
  private readonly dropped: Counter<'reason'>;
  private droppedSinceLog = 0;
  private lastDropLogAt = 0;

  constructor(private readonly options: EventFanoutOptions) {
    this.open = new Gauge({
      name: 'roadcast_api_event_streams',
      help: 'Event streams open in this API process',
      registers: [options.registry],
    });
    this.dropped = new Counter({
      name: 'roadcast_api_event_streams_dropped_total',
      help: 'Event streams ended by the API: slow (the client did not read)',
      labelNames: ['reason'],
      registers: [options.registry],
    });
    this.heartbeat = setInterval(() => {
      for (const stream of this.streams) stream.writeRaw(HEARTBEAT);
    }, options.heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.streams.size;
  }

  /** The streams open now. */
  get openStreams(): ReadonlySet<EventStream> {
    return this.streams;
  }

  /**
   * Takes a stream slot for `keyId` or throws the coded answer: 429 over the key's cap, 503
   * over the process's or while the live reader cannot reach Redis.
   */
  reserve(keyId: string): () => void {
    const held = this.perKey.get(keyId) ?? 0;
    if (held >= this.options.maxStreamsPerKey) {
      throw new ApiError(
        'ROADCAST_ERR_TOO_MANY_STREAMS',
        `at most ${this.options.maxStreamsPerKey} event streams per API key`,
      );
    }
    if (this.reserved() >= this.options.maxStreams) {
      throw new ApiError(
        'ROADCAST_ERR_OVERLOADED',
        'this API instance holds all the event streams it can',
      );
    }
    if (this.readerFailing) throw new DependencyUnavailableError('redis');
    this.perKey.set(keyId, held + 1);
    this.ensureReader();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.perKey.get(keyId) ?? 1) - 1;
      if (left > 0) this.perKey.set(keyId, left);
      else this.perKey.delete(keyId);
    };
  }

  /**
   * Where a new stream starts: after `afterId` (a resuming client), else after the newest
   * event now, so every event written after the client's answer began reaches it however far
   * the shared reader is behind. Read before the answer starts, so an unreachable Redis is
   * still a coded 503.
   */
  async startingPoint(afterId: string | undefined): Promise<StartingPoint> {
    const { redis, prefix } = this.options;
    const from = afterId ?? (await lastEventId(redis, prefix));
    return { from, firstPage: await readEventRange(redis, prefix, from, PAGE) };
  }

  /**
   * Starts streaming to `res` (headers already written) on a reserved slot: the backlog after
   * the starting point first, from its first page on, then live events.
   */
  attach(
    keyId: string,
    res: ServerResponse,
    release: () => void,
    start: StartingPoint,
  ): EventStream {
    const stream = new EventStream(
      keyId,
      res,
      this.options.bufferBytes,
      (ended, reason) => this.ended(ended, reason, release),
      start.from,
    );
    this.streams.add(stream);
    this.open.set(this.streams.size);
    // A client that left while its backlog's first page was read has no 'close' still to come.
    if (res.socket?.destroyed !== false) {
      stream.end('closed');
      return stream;
    }
    void this.catchUp(stream, start.firstPage);
    return stream;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const stream of this.streams) stream.end('closed');
    this.reader?.disconnect();
    await this.running;
  }

  private reserved(): number {
    let n = 0;
    for (const held of this.perKey.values()) n += held;
    return n;
  }

  private ended(stream: EventStream, reason: DropReason, release: () => void): void {
    this.streams.delete(stream);
    this.open.set(this.streams.size);
    release();
    if (reason !== 'slow') return;
    this.dropped.inc({ reason });
    this.droppedSinceLog += 1;
    const now = Date.now();
    if (now - this.lastDropLogAt >= LOG_INTERVAL_MS) {
      this.options.logger.warn(
        { dropped: this.droppedSinceLog, keyId: stream.keyId },
        'event streams dropped: clients did not read',
      );
      this.lastDropLogAt = now;
      this.droppedSinceLog = 0;
    }
  }

  private async catchUp(stream: EventStream, first: EventBatch): Promise<void> {
    const pause = this.options.bufferBytes / 2;
    let page = first;
    try {
      for (;;) {
        for (const event of page.events) {
          if (!stream.writeBacklog(frameOf(event))) return;
          // Backlog goes out as fast as the client reads it, never faster.
          if (stream.unsentBytes > pause) await stream.drained();
          if (stream.closed) return;
        }
        if (page.lastId === undefined || page.events.length < PAGE) break;
        page = await readEventRange(this.options.redis, this.options.prefix, page.lastId, PAGE);
      }
      stream.goLive();
    } catch (err) {
      // The client reconnects with its Last-Event-ID and continues where it got to.
      this.options.logger.warn({ err: (err as Error).message }, 'event backlog read failed');
      stream.end('closed');
    }
  }

  private ensureReader(): void {
    if (this.running || this.closed) return;
    const blockMs = this.options.blockMs ?? 5_000;
    this.reader = this.options.redis.duplicate({
      commandTimeout: blockMs + 5_000,
      connectionName: `${this.options.prefix}:api-events`,
    });
    this.reader.on('error', () => undefined);
    this.running = this.readLoop(this.reader, blockMs);
  }

  private async readLoop(reader: Redis, blockMs: number): Promise<void> {
    const { prefix, logger } = this.options;
    let position: string | undefined;
    let failingSince = 0;
    while (!this.closed) {
      try {
        position ??= await lastEventId(reader, prefix);
        const batch = await readEventBatch(reader, prefix, position, { blockMs, count: PAGE });
        if (this.readerFailing) {
          logger.info({ downForMs: Date.now() - failingSince }, 'event stream reader back');
          this.readerFailing = false;
        }
        if (batch.lastId) position = batch.lastId;
        if (batch.events.length > 0) {
          const frames = batch.events.map(frameOf);
          for (const stream of this.streams) for (const frame of frames) stream.deliver(frame);
        }
      } catch (err) {
        if (this.closed) break;
        if (!this.readerFailing) {
          failingSince = Date.now();
          this.readerFailing = true;
          logger.warn({ err: (err as Error).message }, 'event stream reader failing; retrying');
        }
        await sleep(1_000);
      }
    }
  }
}
