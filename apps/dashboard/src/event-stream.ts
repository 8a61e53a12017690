import { SseParser } from './sse-parser.js';

export type StreamStatus = 'connecting' | 'live' | 'disconnected';

/** One event of the API's stream (RoadcastEvent), with its stream id. */
export interface LiveEvent {
  id: string | undefined;
  type: string;
  at: string;
  campaignId?: string;
  data: Record<string, unknown>;
}

export interface EventStreamOptions {
  key: string;
  onEvent(event: LiveEvent): void;
  onStatus(status: StreamStatus): void;
  /** Called when a connection opens again after a break; the missed events follow on it. */
  onResumed?(): void;
  /** Where the first connection starts: `0-0` replays the stream's recent history. */
  since?: string;
  /** No byte for this long means the connection is dead; the server sends heartbeats. */
  silenceMs?: number;
}

/**
 * The API's event stream read with fetch: EventSource cannot send the Authorization header
 * that /v1/events requires. Reconnects with a growing delay and resumes with Last-Event-ID,
 * so nothing is missed while the connection was down.
 */
export class EventStream {
  private readonly parser = new SseParser();
  private controller: AbortController | undefined;
  private stopped = false;
  private failures = 0;
  private status: StreamStatus = 'connecting';

  constructor(private readonly options: EventStreamOptions) {}

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
  }

  private setStatus(status: StreamStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.options.onStatus(status);
  }

  private async loop(): Promise<void> {
    let resumed = false;
    while (!this.stopped) {
      try {
        await this.readOnce(resumed);
      } catch {
        // A network error or an abort ends this connection; the loop opens the next one.
      }
      if (this.stopped) return;
      this.setStatus('disconnected');
      resumed = true;
      this.failures += 1;
      const base = this.parser.retryMs ?? 1_000;
      const delay = Math.min(15_000, base * 2 ** Math.min(this.failures - 1, 4));
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  private async readOnce(resumed: boolean): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.key}`,
      accept: 'text/event-stream',
    };
    let url = '/v1/events';
    const last = this.parser.lastEventId;
    if (last) headers['last-event-id'] = last;
    else if (this.options.since) url += `?since=${encodeURIComponent(this.options.since)}`;
    const res = await fetch(url, { headers, signal: controller.signal, cache: 'no-store' });
    if (!res.ok || !res.body) throw new Error(`event stream answered ${res.status}`);
    this.failures = 0;
    this.setStatus('live');
    if (resumed) this.options.onResumed?.();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const silenceMs = this.options.silenceMs ?? 45_000;
    let watchdog = setTimeout(() => controller.abort(), silenceMs);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        clearTimeout(watchdog);
        watchdog = setTimeout(() => controller.abort(), silenceMs);
        for (const message of this.parser.feed(value)) {
          let parsed: Omit<LiveEvent, 'id'>;
          try {
            parsed = JSON.parse(message.data) as Omit<LiveEvent, 'id'>;
          } catch {
            continue;
          }
          this.options.onEvent({ ...parsed, id: message.id });
        }
      }
    } finally {
      clearTimeout(watchdog);
      controller.abort();
    }
  }
}
