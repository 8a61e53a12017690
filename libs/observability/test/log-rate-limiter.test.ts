import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { LogRateLimiter, LogSource, createLogger } from '../src/index.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  let bytes = 0;
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ service: 'test', level: 'info', destination });
  return { logger, lines, bytes: () => bytes };
}

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('LogRateLimiter', () => {
  it('logs a reason once per source per interval and says how many were held back', () => {
    const { logger, lines } = capture();
    const c = clock();
    const limiter = new LogRateLimiter({
      logger,
      intervalMs: 1_000,
      linesPerReason: 100,
      now: c.now,
    });
    const source = new LogSource();
    for (let i = 0; i < 50; i++)
      limiter.log(source, 'publish-not-authorized', 'info', { i }, 'refused');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.i, 0);
    assert.deepEqual(source.pending(), { 'publish-not-authorized': 49 });
    c.t += 1_000;
    limiter.log(source, 'publish-not-authorized', 'info', { i: 50 }, 'refused');
    assert.equal(lines.length, 2);
    assert.equal(lines[1]?.suppressed, 49);
    assert.deepEqual(source.pending(), {});
  });

  it('keeps reasons of one source apart', () => {
    const { logger, lines } = capture();
    const limiter = new LogRateLimiter({ logger, intervalMs: 1_000, linesPerReason: 100 });
    const source = new LogSource();
    limiter.log(source, 'a', 'info', {}, 'refused');
    limiter.log(source, 'b', 'info', {}, 'refused');
    limiter.log(source, 'a', 'info', {}, 'refused');
    assert.equal(lines.length, 2);
  });

  it('bounds the process: 5,000 sources refused once each write the budget and one summary', () => {
    const { logger, lines, bytes } = capture();
    const c = clock();
    let counted = 0;
    const limiter = new LogRateLimiter({
      logger,
      intervalMs: 1_000,
      linesPerReason: 20,
      now: c.now,
      onSuppressed: () => (counted += 1),
    });
    for (let i = 0; i < 5_000; i++)
      limiter.log(new LogSource(), 'no-certificate', 'info', { connection: i }, 'refused');
    assert.equal(lines.length, 20);
    assert.equal(counted, 4_980);
    c.t += 1_000;
    limiter.flush();
    assert.equal(lines.length, 21);
    assert.deepEqual(
      { msg: lines[20]?.msg, reason: lines[20]?.reason, suppressed: lines[20]?.suppressed },
      { msg: 'log lines held back', reason: 'no-certificate', suppressed: 4_980 },
    );
    assert.ok(bytes() < 20 * 1024, `${bytes()} bytes of log`);
  });

  it('writes the summary by itself when the interval ends and nothing else happens', async () => {
    const { logger, lines } = capture();
    const limiter = new LogRateLimiter({ logger, intervalMs: 50, linesPerReason: 1 });
    limiter.log(undefined, 'tls', 'info', {}, 'refused');
    limiter.log(undefined, 'tls', 'info', {}, 'refused');
    limiter.log(undefined, 'tls', 'info', {}, 'refused');
    assert.equal(lines.length, 1);
    for (let i = 0; i < 50 && lines.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(lines[1]?.suppressed, 2);
    limiter.close();
  });

  it('lets a source log again once the process budget has room, with its held-back count', () => {
    const { logger, lines } = capture();
    const c = clock();
    const limiter = new LogRateLimiter({
      logger,
      intervalMs: 1_000,
      linesPerReason: 1,
      now: c.now,
    });
    limiter.log(new LogSource(), 'r', 'info', {}, 'refused');
    const source = new LogSource();
    assert.equal(limiter.log(source, 'r', 'info', {}, 'refused'), false);
    c.t += 1_000;
    assert.equal(limiter.log(source, 'r', 'info', {}, 'refused'), true);
    assert.equal(lines.at(-1)?.suppressed, 1);
  });
});
