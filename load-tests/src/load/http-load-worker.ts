/**
 * Open-loop HTTP load in a process of its own: GET requests on a fixed timetable, whatever
 * the server answers, each timed from when it was due. Started by `runOpenLoopLoad()`.
 */
import { Agent, request } from 'node:http';
import { getPriority, setPriority } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { OpenLoopSchedule, type ScheduleSummary } from './open-loop-schedule.js';
import { emit, serveWorker } from './worker-protocol.js';

export interface HttpLoadRequest {
  url: string;
  headers?: Record<string, string>;
  ratePerSecond: number;
  /** Longest window; `stop` ends it earlier. */
  durationMs: number;
  toleranceMs?: number;
  /** Sockets to the server; a request beyond them waits in the client, and that wait counts. */
  maxSockets?: number;
  /** How long answers are awaited after the window (default 10 s). */
  drainMs?: number;
}

export interface HttpLoadResult {
  schedule: ScheduleSummary;
  /** Due time → answer, for every answered request (ms). */
  latenciesMs: number[];
  /** Requests without an answer when the drain time ended; counted in latencies as a lower bound. */
  unanswered: number;
  /** Answers by status class (`2xx`, `5xx`) and failed requests (`error`). */
  outcomes: Record<string, number>;
  /** The generator's scheduling priority (nice value) during the window. */
  nice: number;
}

/**
 * A load generator on the machine under test stands in for clients elsewhere: it asks for a
 * higher scheduling priority so that it, not the system under test, keeps the timetable. It
 * is refused where the user may not raise priorities; the result says which it got.
 */
const GENERATOR_NICE = -5;
try {
  setPriority(GENERATOR_NICE);
} catch {
  // Not permitted here: the run goes on at the default priority and reports it.
}

let stopRequested = false;

async function run(options: HttpLoadRequest): Promise<HttpLoadResult> {
  stopRequested = false;
  const url = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 256 });
  const latenciesMs: number[] = [];
  const outcomes: Record<string, number> = {};
  const outstanding = new Map<number, number>();
  const count = (key: string) => (outcomes[key] = (outcomes[key] ?? 0) + 1);

  const send = (index: number, dueMs: number) => {
    outstanding.set(index, dueMs);
    const finish = (key: string) => {
      if (!outstanding.delete(index)) return;
      count(key);
      if (key !== 'error') latenciesMs.push(performance.now() - dueMs);
    };
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        agent,
        headers: options.headers,
      },
      (res) => {
        res.resume();
        res.once('end', () => finish(`${Math.floor((res.statusCode ?? 0) / 100)}xx`));
        res.once('error', () => finish('error'));
      },
    );
    req.once('error', () => finish('error'));
    req.end();
  };

  // Warm the connection pool's first socket so the first due request does not pay for it.
  const schedule = new OpenLoopSchedule(
    options.ratePerSecond,
    performance.now() + 20,
    options.toleranceMs ?? 10,
  );
  const endMs = schedule.startMs + options.durationMs;
  emit('started');
  for (;;) {
    const now = performance.now();
    if (now >= endMs || stopRequested) break;
    for (const { index, dueMs } of schedule.take(now)) send(index, dueMs);
    // A timer, never a spin: the generator's own CPU competes with the system under test.
    await sleep(Math.max(0, Math.min(schedule.nextDueMs() - performance.now(), 50)));
  }
  const windowEnd = Math.min(performance.now(), endMs);
  emit('window-ended');
  const drainUntil = performance.now() + (options.drainMs ?? 10_000);
  while (outstanding.size > 0 && performance.now() < drainUntil) await sleep(20);
  const cutoff = performance.now();
  for (const dueMs of outstanding.values()) latenciesMs.push(cutoff - dueMs);
  const unanswered = outstanding.size;
  agent.destroy();
  return {
    schedule: schedule.summary(windowEnd),
    latenciesMs,
    unanswered,
    outcomes,
    nice: getPriority(),
  };
}

serveWorker({
  run: (payload: HttpLoadRequest) => run(payload),
  stop: () => {
    stopRequested = true;
    return true;
  },
});
