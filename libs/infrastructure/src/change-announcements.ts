import type { Redis } from 'ioredis';
import type { Logger } from '@roadcast/observability';

/**
 * Follows change announcements on Redis pub/sub (topology, policy, …) on one subscriber
 * connection per process. Subscriptions are made again whenever the connection comes back,
 * so a process that started without Redis catches up; the periodic reloads of whatever an
 * announcement refreshes stay the safety net for a missed one.
 */
export class ChangeAnnouncements {
  private readonly subscriber: Redis;
  private readonly handlers = new Map<string, () => Promise<unknown>>();
  private readonly logger: Logger;

  /** `logErrors: false` leaves connection errors to the app's own outage reporting. */
  constructor(redis: Redis, logger: Logger, options: { logErrors?: boolean } = {}) {
    this.logger = logger;
    // A bounded number of retries: a start without Redis goes on, and 'ready' subscribes later.
    this.subscriber = redis.duplicate({ maxRetriesPerRequest: 3 });
    this.subscriber.on(
      'error',
      options.logErrors === false
        ? () => undefined
        : (err: Error) => logger.warn({ err: err.message }, 'redis subscriber error'),
    );
    this.subscriber.on('message', (channel: string) => {
      this.handlers
        .get(channel)?.()
        .catch((err: unknown) =>
          logger.warn({ err, channel }, 'change not applied; the next poll will'),
        );
    });
    this.subscriber.on('ready', () => void this.subscribe([...this.handlers.keys()]));
  }

  /** Runs `handler` on every announcement on `channel`; resolves once subscribed (or failed). */
  async follow(channel: string, handler: () => Promise<unknown>): Promise<void> {
    this.handlers.set(channel, handler);
    await this.subscribe([channel]);
  }

  async close(): Promise<void> {
    this.handlers.clear();
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }

  private async subscribe(channels: string[]): Promise<void> {
    if (channels.length === 0) return;
    await this.subscriber
      .subscribe(...channels)
      .catch((err: unknown) => this.logger.warn({ err }, 'change announcements not subscribed'));
  }
}
