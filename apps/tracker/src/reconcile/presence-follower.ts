import type { Redis } from 'ioredis';
import type { Logger } from '@roadcast/observability';

export interface PresenceEvent {
  id: string;
  type: 'connect' | 'disconnect';
  vehicleId: string;
  brokerId: string;
  sessionPresent: boolean;
}

export interface PresenceFollowerOptions {
  /** A connection of its own: XREADGROUP blocks it. */
  redis: Redis;
  stream: string;
  group: string;
  consumer: string;
  batchSize: number;
  /** Handles a batch; the events are acknowledged (XACK) only after it resolves. */
  handle(events: PresenceEvent[]): Promise<void>;
  logger: Logger;
  blockMs?: number;
  /** Entries another consumer read but never acknowledged for this long are taken over. */
  claimIdleMs?: number;
}

type StreamEntries = Array<[string, string[]]>;

/**
 * Follows the router's presence events through a consumer group, so several trackers split
 * them and an event is acknowledged only once handled. At start the consumer first re-reads
 * what it had read but not acknowledged before a crash; it also periodically claims entries
 * a vanished consumer left behind.
 */
export class PresenceFollower {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private lastClaim = 0;
  private readonly options: PresenceFollowerOptions;

  constructor(options: PresenceFollowerOptions) {
    this.options = options;
  }

  async start(): Promise<void> {
    // '$': events before the group existed are covered by the retry timer, not replayed.
    await this.createGroup('$');
    this.loop = this.run();
  }

  private async createGroup(from: '$' | '0'): Promise<void> {
    try {
      await this.options.redis.xgroup(
        'CREATE',
        this.options.stream,
        this.options.group,
        from,
        'MKSTREAM',
      );
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    let backlog = true;
    while (!this.stopped) {
      try {
        if (Date.now() - this.lastClaim > (this.options.claimIdleMs ?? 30_000))
          await this.claimAbandoned();
        const entries = await this.read(backlog ? '0' : '>');
        if (backlog && entries.length === 0) backlog = false;
        if (entries.length > 0) await this.process(entries);
      } catch (err) {
        if (this.stopped) return;
        this.options.logger.warn({ err }, 'presence events not read; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        // A Redis that came back without its data has lost the stream and the group; every
        // event in the new stream is one this tracker has not seen.
        if (String((err as Error).message).includes('NOGROUP'))
          await this.createGroup('0').catch(() => undefined);
      }
    }
  }

  private async read(id: string): Promise<StreamEntries> {
    const o = this.options;
    const reply = (await o.redis.xreadgroup(
      'GROUP',
      o.group,
      o.consumer,
      'COUNT',
      o.batchSize,
      'BLOCK',
      o.blockMs ?? 1_000,
      'STREAMS',
      o.stream,
      id,
    )) as Array<[string, StreamEntries]> | null;
    // Entries deleted by trimming come back as [id, null]; they only need acknowledging.
    return (reply?.[0]?.[1] ?? []).map(([entryId, fields]) => [entryId, fields ?? []]);
  }

  private async claimAbandoned(): Promise<void> {
    const o = this.options;
    this.lastClaim = Date.now();
    const reply = (await o.redis.xautoclaim(
      o.stream,
      o.group,
      o.consumer,
      o.claimIdleMs ?? 30_000,
      '0',
      'COUNT',
      o.batchSize,
    )) as [string, StreamEntries, string[]?];
    const entries = (reply[1] ?? []).filter(
      (e): e is [string, string[]] => Array.isArray(e) && e[1] !== null,
    );
    if (entries.length > 0) {
      o.logger.info({ events: entries.length }, 'took over presence events of another tracker');
      await this.process(entries);
    }
  }

  private async process(entries: StreamEntries): Promise<void> {
    const events: PresenceEvent[] = [];
    for (const [id, fields] of entries) {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
      if ((f.type === 'connect' || f.type === 'disconnect') && f.vehicleId) {
        events.push({
          id,
          type: f.type,
          vehicleId: f.vehicleId,
          brokerId: f.brokerId ?? '',
          sessionPresent: f.sessionPresent === 'true',
        });
      }
    }
    if (events.length > 0) await this.options.handle(events);
    await this.options.redis.xack(
      this.options.stream,
      this.options.group,
      ...entries.map(([id]) => id),
    );
  }
}
