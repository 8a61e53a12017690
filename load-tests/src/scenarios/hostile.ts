import { statSync } from 'node:fs';
import { join } from 'node:path';
import { getTestPki } from '@roadcast/testing';
import type { AttackPlan, AttackStats, SlotKind } from '../load/attacker-worker.js';
import type { RelayFleetConnected } from '../load/relay-fleet-worker.js';
import { alternate, alternation } from '../runner/alternation.js';
import { withCleanup } from '../runner/cleanup.js';
import { machineDetails } from '../runner/machine.js';
import { rssBytes } from '../runner/proc-stat.js';
import { CpuMeter } from '../runner/process-cpu.js';
import { harnessSource, pidSource } from '../runner/process-sources.js';
import { cpuBetweenEvents } from '../runner/worker-cpu.js';
import { WorkerProcess } from '../runner/worker-process.js';
import type { Scenario, ScenarioOptions, ScenarioResult } from '../scenario.js';
import { ATTACK, attackPlan, hostilePolicy } from './hostile-attack.js';
import { result, type Phase } from './hostile-report.js';
import { benchVehicle, startRouterRig, type RouterRig } from './router-rig.js';

/**
 * A certified fleet's connect success and relay throughput through the router while hostile
 * clients attack it (unauthenticated connections holding slots, never-reading vehicles
 * flooding refused publishes while notices are pushed at them), as a ratio against the same
 * fleet with no attack; the two alternate and repeat. Also the router's resident memory and
 * the log it writes while under attack. Attackers and the fleet run in processes of their own.
 */

const DEFAULTS = { fleet: 200, window: 10, measureS: 10, pairs: 2 };
const SMOKE = { fleet: 10, window: 5, measureS: 0.5, pairs: 1 };

const FLEET_WORKER = join(import.meta.dirname, '../load/relay-fleet-worker.ts');
const ATTACK_WORKER = join(import.meta.dirname, '../load/attacker-worker.ts');

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Samples the router's resident memory every 200 ms until stopped; returns the peak. */
function watchRss(pid: number): { stop(): number } {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      // The router is gone; the phase will fail on its own.
    }
  }, 200);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

async function phase(
  rig: RouterRig,
  workers: { fleet: WorkerProcess; attacker: WorkerProcess },
  meter: CpuMeter,
  plan: AttackPlan | undefined,
  fleet: Array<{ vehicleId: string; cert: string; key: string }>,
  base: typeof DEFAULTS,
): Promise<Phase> {
  const rssStart = rssBytes(rig.routerPid);
  const logStart = fileSize(rig.routerLogFile);
  const rss = watchRss(rig.routerPid);
  try {
    if (plan) {
      const ramped = workers.attacker.waitFor<AttackStats>('ramped', plan.rampTimeoutMs + 30_000);
      await workers.attacker.request('start', plan);
      await ramped;
    }
    const connect = await workers.fleet.request<RelayFleetConnected>('connect', {
      port: rig.routerPort,
      ca: getTestPki().ca,
      vehicles: fleet,
      concurrency: 20,
      timeoutMs: 15_000,
    });
    const cpu = cpuBetweenEvents(workers.fleet, meter, 'measure-start', 'measure-end');
    const measured = await workers.fleet.request<{ acknowledged: number; elapsedMs: number }>(
      'measure',
      {
        window: base.window,
        payloadBytes: 200,
        warmupMs: 500,
        measureMs: base.measureS * 1000,
      },
    );
    const usage = await cpu.usage();
    await workers.fleet.request('disconnect');
    const attack = plan ? await workers.attacker.request<AttackStats>('stop') : undefined;
    return {
      attacked: plan !== undefined,
      connect,
      acknowledged: measured.acknowledged,
      rate: (measured.acknowledged / measured.elapsedMs) * 1000,
      usage,
      rssStart,
      rssPeak: rss.stop(),
      logBytes: fileSize(rig.routerLogFile) - logStart,
      ...(attack ? { attack } : {}),
    };
  } finally {
    rss.stop();
    // Let the router close what the attack left and settle before the next phase.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const base = options.smoke ? SMOKE : DEFAULTS;
  const certified = options.vehicles ?? base.fleet;
  const unauthenticated: Record<SlotKind, number> = options.smoke
    ? ATTACK.smokeUnauthenticated
    : ATTACK.unauthenticated;
  const neverReadingCount = options.smoke ? ATTACK.smokeNeverReading : ATTACK.neverReading;
  const toIdentity = (n: number) => {
    const c = benchVehicle(n);
    return { vehicleId: c.vehicleId, cert: c.cert, key: c.key };
  };
  const fleet = Array.from({ length: certified }, (_, i) => toIdentity(i));
  const neverReading = Array.from({ length: neverReadingCount }, (_, i) => toIdentity(50_000 + i));
  const turns = alternation(base.pairs, options.runIndex ?? 0);
  // The attackers' process holds one descriptor per connection; the router two per vehicle.
  const needed = Object.values(unauthenticated).reduce((a, b) => a + b, 0) + neverReadingCount;
  const limit = machineDetails().descriptorLimit;
  if (limit !== undefined && limit < needed + 1_000)
    throw new Error(
      `the attack holds ${needed} connections in one process; this machine allows ${limit} descriptors per process (ulimit -n)`,
    );

  return withCleanup('hostile', async (scope) => {
    const outDir = join(options.outDir, 'hostile');
    const rig = await startRouterRig(scope, outDir, {
      policy: hostilePolicy(certified, neverReadingCount),
      haproxy: false,
      // Production level: refusals are logged, which is what log amplification is about.
      logLevel: 'info',
    });
    const start = (module: string, name: string) =>
      WorkerProcess.start(module, { name, logFile: join(outDir, `${name}.log`), scope });
    const workers = {
      fleet: await start(FLEET_WORKER, 'certified-fleet'),
      attacker: await start(ATTACK_WORKER, 'attackers'),
    };
    const meter = new CpuMeter([
      pidSource('router', rig.routerPid, 'roadcast'),
      rig.brokerSource('mosquitto'),
      pidSource('certified fleet', workers.fleet.pid, 'load'),
      pidSource('attackers', workers.attacker.pid, 'load'),
      harnessSource(),
    ]);
    let attackRound = 0;
    const target = {
      port: rig.routerPort,
      brokerUrl: rig.broker.url,
      brokerLogin: rig.broker.credentials('bridge'),
      ca: getTestPki().ca,
      neverReading,
      smoke: options.smoke === true,
    };
    let done = 0;
    const phases = await alternate(turns, async ({ side }) => {
      options.progress?.(done++, turns.length, side === 'roadcast' ? 'under attack' : 'no attack');
      return phase(
        rig,
        workers,
        meter,
        side === 'roadcast' ? attackPlan(target, attackRound++) : undefined,
        fleet,
        base,
      );
    });
    const counters = await routerRefusals(rig.routerAdminUrl);
    return result(
      startedAt,
      certified,
      unauthenticated,
      neverReadingCount,
      turns.map((t) => t.side),
      phases.roadcast,
      phases.baseline,
      counters,
    );
  });
}

async function routerRefusals(adminUrl: string): Promise<string> {
  const text = await fetch(`${adminUrl}/metrics`).then((r) => r.text());
  return text
    .split('\n')
    .filter((l) => /^roadcast_router_(refusals_total|closes_total|tls_failures_total)\{/.test(l))
    .map((l) =>
      l
        .replace(/,?service="[^"]*"/, '')
        .replace('{,', '{')
        .replace('roadcast_router_', ''),
    )
    .join(', ');
}

export const hostile: Scenario = {
  name: 'hostile',
  description:
    'A certified fleet’s connect success and relay throughput through the router while 5,000 unauthenticated connections and 50 never-reading vehicles attack, against the same fleet with no attack; router memory and log under attack',
  run,
};
