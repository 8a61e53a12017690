import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CleanupScope } from '../src/runner/cleanup.js';
import { runHttpLoad, startHttpLoadWorker } from '../src/runner/open-loop-load.js';

// The generator in its own process against a server that takes its time: an open loop keeps
// sending on its timetable, and each latency counts from when the request was due.

const dir = mkdtempSync(join(tmpdir(), 'roadcast-open-loop-'));
const scope = new CleanupScope('open-loop test');
after(async () => {
  await scope.close();
  rmSync(dir, { recursive: true, force: true });
});

async function slowServer(
  delayMs: number,
): Promise<{ server: Server; url: string; peak: () => number }> {
  let open = 0;
  let peak = 0;
  const server = createServer((_req, res) => {
    open += 1;
    peak = Math.max(peak, open);
    setTimeout(() => {
      open -= 1;
      res.end('{}');
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  scope.defer('server', () => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}/status`, peak: () => peak };
}

describe('open-loop HTTP load', () => {
  it('sends on its timetable while answers lag, and times each request from when it was due', async () => {
    const { url, peak } = await slowServer(150);
    const worker = await startHttpLoadWorker(scope, dir);
    const result = await runHttpLoad(worker, { url, ratePerSecond: 200, durationMs: 600 });
    const { schedule } = result;
    // A closed loop of one would have sent four; this one sent what the clock said.
    assert.ok(schedule.sent >= schedule.intended - 1, `${schedule.sent} of ${schedule.intended}`);
    assert.ok(schedule.intended >= 100);
    assert.ok(peak() > 10, `at most ${peak()} requests were open at once`);
    assert.equal(result.outcomes['2xx'], schedule.sent);
    assert.equal(result.latenciesMs.length, schedule.sent);
    assert.ok(
      Math.min(...result.latenciesMs) >= 149,
      `fastest ${Math.min(...result.latenciesMs)} ms`,
    );
  });

  it('counts a request that never got an answer as at least as slow as the wait for it', async () => {
    const { url } = await slowServer(60_000);
    const worker = await startHttpLoadWorker(scope, dir);
    const result = await runHttpLoad(worker, {
      url,
      ratePerSecond: 50,
      durationMs: 200,
      drainMs: 300,
    });
    assert.equal(result.unanswered, result.schedule.sent);
    assert.equal(result.latenciesMs.length, result.schedule.sent);
    assert.ok(Math.min(...result.latenciesMs) >= 300);
  });

  it('ends the window early when told to', async () => {
    const { url } = await slowServer(1);
    const worker = await startHttpLoadWorker(scope, dir);
    const result = await runHttpLoad(
      worker,
      { url, ratePerSecond: 100, durationMs: 60_000 },
      { until: new Promise((resolve) => setTimeout(resolve, 300)) },
    );
    assert.ok(result.schedule.seconds < 30, `ran ${result.schedule.seconds} s`);
  });
});
