import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendEvent } from '@roadcast/queue';
import { startApiFixture, type ApiFixture } from './api-fixture.js';

let f: ApiFixture;
let base: string;

before(async () => {
  f = await startApiFixture('api-events');
  base = `http://127.0.0.1:${f.port}`;
});

after(async () => {
  await f.close();
});

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** Reads server-sent events until `enough` says stop, then aborts the stream. */
async function readStream(
  headers: Record<string, string>,
  enough: (events: SseEvent[]) => boolean,
  query = '',
): Promise<SseEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  const res = await fetch(`${base}/v1/events${query}`, {
    headers: { authorization: `Bearer ${f.keys.viewer}`, ...headers },
    signal: controller.signal,
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let split: number;
      while ((split = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, split);
        buffer = buffer.slice(split + 2);
        const event: SseEvent = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) event.comment = line.slice(1).trim();
          else if (line.startsWith('id: ')) event.id = line.slice(4);
          else if (line.startsWith('event: ')) event.event = line.slice(7);
          else if (line.startsWith('data: ')) event.data = line.slice(6);
        }
        events.push(event);
      }
      if (enough(events)) break;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

const progress = (n: number) => ({
  type: 'campaign.progress' as const,
  at: new Date().toISOString(),
  campaignId: 'c-1',
  data: { n },
});

test('the event stream delivers new events, sends heartbeats and resumes from Last-Event-ID', async () => {
  const live = readStream(
    {},
    (events) =>
      events.filter((e) => e.event).length >= 2 && events.some((e) => e.comment === 'heartbeat'),
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  const firstId = await appendEvent(f.redis, f.prefix, progress(1));
  await appendEvent(f.redis, f.prefix, progress(2));
  const events = await live;
  const data = events
    .filter((e) => e.event)
    .map((e) => JSON.parse(e.data!) as { data: { n: number } });
  assert.deepEqual(
    data.map((d) => d.data.n),
    [1, 2],
  );
  assert.equal(events.find((e) => e.event)?.id, firstId);

  await appendEvent(f.redis, f.prefix, progress(3));
  const resumed = await readStream(
    { 'last-event-id': firstId },
    (evs) => evs.filter((e) => e.event).length >= 2,
  );
  assert.deepEqual(
    resumed
      .filter((e) => e.event)
      .map((e) => (JSON.parse(e.data!) as { data: { n: number } }).data.n),
    [2, 3],
    'a reconnecting client gets what it missed',
  );
  const unauthorized = await fetch(`${base}/v1/events`);
  assert.equal(unauthorized.status, 401);
});
