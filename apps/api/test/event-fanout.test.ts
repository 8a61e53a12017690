import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { appendEvent } from '@roadcast/queue';
import { startApiFixture, type ApiFixture } from './api-fixture.js';
import { startPrivateRedis, type PrivateRedis } from './support/redis-server.js';

const BUFFER_BYTES = 64 * 1024;
const PER_KEY = 400;

let f: ApiFixture;
let redis: PrivateRedis;
let base: string;
let port: number;

before(async () => {
  redis = await startPrivateRedis();
  f = await startApiFixture(
    'api-fanout',
    {
      EVENTS_MAX_STREAMS_PER_KEY: String(PER_KEY),
      EVENTS_MAX_STREAMS: '450',
      EVENTS_STREAM_BUFFER_BYTES: String(BUFFER_BYTES),
      EVENTS_HEARTBEAT_MS: '60000',
    },
    { redisUrl: redis.url },
  );
  port = f.port;
  base = `http://127.0.0.1:${port}`;
});

after(async () => {
  await f?.close();
  await redis?.stop();
});

const progress = (n: number, pad = 0) => ({
  type: 'campaign.progress' as const,
  at: new Date().toISOString(),
  campaignId: 'c-1',
  data: { n, pad: 'x'.repeat(pad) },
});

/** A raw SSE client: sends the request, then either reads everything or never reads. */
function openStream(key: string, options: { read: boolean; lastEventId?: string }) {
  const socket: Socket = connect(port, '127.0.0.1');
  const ids: string[] = [];
  let status = 0;
  let pending = '';
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  if (options.read) {
    socket.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!status) status = Number(/^HTTP\/1\.1 (\d{3})/.exec(line)?.[1] ?? 0);
        if (line.startsWith('id: ')) ids.push(line.slice(4));
      }
    });
  } else socket.pause();
  socket.write(
    `GET /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n` +
      (options.lastEventId ? `Last-Event-ID: ${options.lastEventId}\r\n` : '') +
      '\r\n',
  );
  return { socket, closed, ids, status: () => status };
}

async function until(what: string, done: () => boolean | Promise<boolean>, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    assert.ok(Date.now() < deadline, `timed out waiting: ${what}`);
    await sleep(25);
  }
}

test('300 streams of one key share one Redis reader: the API holds the same Redis clients with 1 or 300 open', async () => {
  const first = openStream(f.keys.viewer, { read: true });
  await until('first stream open', () => first.status() === 200 && f.app.eventFanout.size === 1);
  const clientsWithOne = await redis.clients();
  const streams = Array.from({ length: 299 }, () => openStream(f.keys.viewer, { read: true }));
  await until('300 streams open', () => f.app.eventFanout.size === 300);
  assert.equal(await redis.clients(), clientsWithOne, 'no Redis connection per stream');
  const id = await appendEvent(f.redis, f.prefix, progress(1));
  await until('every stream got the event', () =>
    [first, ...streams].every((s) => s.ids.includes(id)),
  );
  for (const s of [first, ...streams]) s.socket.destroy();
  await until('streams released', () => f.app.eventFanout.size === 0);
});

test('streams beyond the per-key cap are 429, beyond the process cap 503; closing one frees its slot', async () => {
  const held = Array.from({ length: PER_KEY }, () => openStream(f.keys.viewer, { read: true }));
  await until('cap reached', () => f.app.eventFanout.size === PER_KEY);
  const over = await fetch(`${base}/v1/events`, {
    headers: { authorization: `Bearer ${f.keys.viewer}` },
  });
  assert.equal(over.status, 429);
  assert.equal(((await over.json()) as { code: string }).code, 'ROADCAST_ERR_TOO_MANY_STREAMS');
  // Another key may still open streams until the process holds its maximum (450).
  const others = Array.from({ length: 50 }, () => openStream(f.keys.operator, { read: true }));
  await until('process cap reached', () => f.app.eventFanout.size === 450);
  const full = await fetch(`${base}/v1/events`, {
    headers: { authorization: `Bearer ${f.keys.admin}` },
  });
  assert.equal(full.status, 503);
  assert.equal(((await full.json()) as { code: string }).code, 'ROADCAST_ERR_OVERLOADED');
  assert.ok(
    full.headers.get('retry-after') === null || Number(full.headers.get('retry-after')) > 0,
  );
  held[0]!.socket.destroy();
  await until('slot freed', () => f.app.eventFanout.size === 449);
  const again = openStream(f.keys.viewer, { read: true });
  await until('a freed slot is usable', () => again.status() === 200);
  for (const s of [...held, ...others, again]) s.socket.destroy();
  await until('streams released', () => f.app.eventFanout.size === 0);
});

test('a client that never reads is dropped once its unsent bytes pass the bound by at most one event; readers get everything', async () => {
  const reader = openStream(f.keys.viewer, { read: true });
  const stalled = openStream(f.keys.viewer, { read: false });
  await until('both open', () => f.app.eventFanout.size === 2);
  const stalledStream = [...f.app.eventFanout.openStreams][1]!;
  const dropsBefore = await droppedSlow();
  const ids: string[] = [];
  const event = (i: number) => progress(i, 16 * 1024);
  // Large events until the stalled client's kernel buffers are full and then the API's.
  for (let i = 0; i < 2_000 && f.app.eventFanout.size === 2; i += 1) {
    ids.push(await appendEvent(f.redis, f.prefix, event(i)));
    if (i % 20 === 19) await sleep(20);
  }
  await until('stalled client dropped', () => f.app.eventFanout.size === 1);
  stalled.socket.destroy();
  assert.equal(await droppedSlow(), dropsBefore + 1);
  const peak = stalledStream.peakBufferedBytes;
  assert.ok(peak > BUFFER_BYTES, 'the bound was reached');
  assert.ok(peak <= BUFFER_BYTES + JSON.stringify(event(9_999)).length + 200, `peak ${peak} B`);
  await until('the reader got every event', () => reader.ids.length >= ids.length);
  assert.deepEqual(reader.ids, ids, 'in order, none twice');
  reader.socket.destroy();
  await until('released', () => f.app.eventFanout.size === 0);
});

test('a client resuming from an old id reads its backlog (several pages), then live events, each once', async () => {
  const first = await appendEvent(f.redis, f.prefix, progress(0));
  const backlog: string[] = [];
  for (let i = 1; i <= 1_200; i += 1)
    backlog.push(await appendEvent(f.redis, f.prefix, progress(i)));
  const resumed = openStream(f.keys.viewer, { read: true, lastEventId: first });
  await until('backlog read', () => resumed.ids.length >= backlog.length);
  const live = await appendEvent(f.redis, f.prefix, progress(1_201));
  await until('live event', () => resumed.ids.includes(live));
  assert.deepEqual(resumed.ids, [...backlog, live]);
  resumed.socket.destroy();
  const garbage = await fetch(`${base}/v1/events`, {
    headers: {
      authorization: `Bearer ${f.keys.viewer}`,
      'last-event-id': '99999999999999999999-1',
    },
  });
  assert.equal(garbage.status, 400);
  assert.match(((await garbage.json()) as { code: string }).code, /^ROADCAST_ERR_/);
});

async function droppedSlow(): Promise<number> {
  const metrics = await f.app.deps.registry.getSingleMetricAsString(
    'roadcast_api_event_streams_dropped_total',
  );
  return Number(/reason="slow"\S* (\d+)/.exec(metrics)?.[1] ?? 0);
}
