import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MqttClient } from 'mqtt';
import { rotation } from '../runner/alternation.js';
import { withCleanup } from '../runner/cleanup.js';
import { scenarioMachine } from '../runner/machine.js';
import {
  CpuMeter,
  cpuRatio,
  cpuWindow,
  sumUsage,
  usPerUnit,
  type CpuUsage,
} from '../runner/process-cpu.js';
import { harnessSource, pidSource } from '../runner/process-sources.js';
import { quantile } from '../runner/statistics.js';
import type { Measurement, Scenario, ScenarioOptions, ScenarioResult } from '../scenario.js';
import { addedLatency, interleavedRoundTrips } from './paired-latency.js';
import { connectVehicle, type Path, type RelayTargets } from './relay-clients.js';
import { startRouterRig } from './router-rig.js';

/**
 * Messages relayed through the router, against HAProxy terminating the same mTLS in front of
 * the same Mosquitto, and against Mosquitto directly: vehicles publish QoS 1 acks and wait for
 * PUBACKs, which cross the proxy twice. The primary figure is each proxy's CPU per relayed
 * message. Latency is the publish→PUBACK round trip with one message in flight, sampled in
 * turn on the three paths so every path sees the same moments of the machine.
 */

const DEFAULTS = {
  vehicles: 4,
  window: 50,
  payloadBytes: 200,
  durationS: 9,
  warmupS: 0.5,
  pingS: 18,
  rounds: 3,
};
const SMOKE = {
  vehicles: 2,
  window: 5,
  payloadBytes: 200,
  durationS: 0.3,
  warmupS: 0.1,
  pingS: 0.4,
  rounds: 1,
};
const PATHS: readonly Path[] = ['direct', 'haproxy', 'router'];
const LABEL: Record<Path, string> = {
  direct: 'straight to Mosquitto',
  haproxy: 'through HAProxy',
  router: 'through the router',
};

interface Throughput {
  acknowledged: number;
  elapsedMs: number;
  usage: CpuUsage;
}

/** Every vehicle keeps `window` acks awaiting PUBACK; counts PUBACKs while measuring. */
async function measureThroughput(
  clients: MqttClient[],
  meter: CpuMeter,
  options: { window: number; payloadBytes: number; warmupMs: number; measureMs: number },
  onProgress: (elapsed: number, total: number) => void,
): Promise<Throughput> {
  const payload = randomBytes(options.payloadBytes);
  let phase: 'warmup' | 'measure' | 'stop' = 'warmup';
  let acknowledged = 0;
  let failure: Error | undefined;
  const next = (client: MqttClient): void => {
    if (phase === 'stop' || failure) return;
    client.publish(`vehicles/${client.options.clientId}/ota/acks`, payload, { qos: 1 }, (err) => {
      if (err) {
        failure ??= err;
        return;
      }
      if (phase === 'measure') acknowledged += 1;
      next(client);
    });
  };
  for (const client of clients) for (let i = 0; i < options.window; i++) next(client);
  await sleep(options.warmupMs);
  const before = await meter.snapshot();
  phase = 'measure';
  const start = performance.now();
  while (performance.now() - start < options.measureMs && !failure) {
    await sleep(Math.min(250, options.measureMs - (performance.now() - start)));
    onProgress(Math.min(options.measureMs, performance.now() - start), options.measureMs);
  }
  const counted = acknowledged;
  const elapsedMs = performance.now() - start;
  phase = 'stop';
  const after = await meter.snapshot();
  // Let the window's last publishes come back before the next path starts.
  await sleep(100);
  if (failure) throw failure;
  return { acknowledged: counted, elapsedMs, usage: meter.usage(before, after) };
}

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const base = options.smoke ? SMOKE : DEFAULTS;
  const measureMs = (options.durationS ?? base.durationS) * 1000;
  const rounds = base.rounds;
  return withCleanup('router-throughput', async (scope) => {
    const rig = await startRouterRig(scope, `${options.outDir}/rig`);
    const targets: RelayTargets = {
      ports: {
        direct: rig.broker.port,
        haproxy: rig.haproxyPort as number,
        router: rig.routerPort,
      },
      brokerLogin: rig.brokerLogin,
    };
    const meter = new CpuMeter([
      pidSource('router', rig.routerPid, 'roadcast'),
      pidSource('haproxy', rig.haproxyPid, 'baseline'),
      rig.brokerSource('mosquitto'),
      harnessSource(),
    ]);
    const steps = PATHS.length * rounds + 1;
    let step = 0;
    const progress = (label: string) => (elapsed: number, total: number) =>
      options.progress?.(step * total + elapsed, steps * total, label);

    // Paths take turns in short rounds (first path rotated between runs), so a neighbour's
    // burst of CPU lands on all three instead of on whichever was measured at the time.
    const order = rotation(PATHS, options.runIndex ?? 0);
    const measured: Record<Path, Throughput[]> = { direct: [], haproxy: [], router: [] };
    for (let round = 0; round < rounds; round++) {
      for (const path of order) {
        const clients = await Promise.all(
          Array.from({ length: base.vehicles }, (_, i) => connectVehicle(path, targets, i)),
        );
        scope.defer(`${path} vehicles`, () =>
          Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined))),
        );
        try {
          measured[path].push(
            await measureThroughput(
              clients,
              meter,
              {
                window: base.window,
                payloadBytes: base.payloadBytes,
                warmupMs: base.warmupS * 1000,
                measureMs: measureMs / rounds,
              },
              progress(`${path} throughput, round ${round + 1}`),
            ),
          );
        } finally {
          await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
        }
        step += 1;
      }
    }
    const latency = await interleavedRoundTrips(
      targets,
      order,
      base.pingS * 1000,
      base.payloadBytes,
      progress('round trips, paths in turn'),
    );

    const total = (path: Path) => {
      const list = measured[path];
      const acknowledged = list.reduce((s, m) => s + m.acknowledged, 0);
      const elapsedMs = list.reduce((s, m) => s + m.elapsedMs, 0);
      return {
        acknowledged,
        rate: (acknowledged / elapsedMs) * 1000,
        usage: sumUsage(list.map((m) => m.usage)),
      };
    };
    const paths = { direct: total('direct'), haproxy: total('haproxy'), router: total('router') };
    const involved: Record<Path, string[]> = {
      direct: ['mosquitto', 'benchmark harness'],
      haproxy: ['haproxy', 'mosquitto', 'benchmark harness'],
      router: ['router', 'mosquitto', 'benchmark harness'],
    };
    const cpu = PATHS.map((path) =>
      cpuWindow(
        `relay ${LABEL[path]}`,
        'relayed message',
        paths[path].acknowledged,
        paths[path].usage,
        {
          involved: involved[path],
        },
      ),
    );
    const [directCpu, haproxyCpu, routerCpu] = cpu;
    const routerUs = usPerUnit(routerCpu!, 'router');
    const haproxyUs = usPerUnit(haproxyCpu!, 'haproxy');
    const p = (path: Path, q: number) => quantile(latency.samples[path], q);
    const added = (path: Path, q: number) => addedLatency(latency, path, q);
    const routerP99 = added('router', 0.99);
    const haproxyP99 = added('haproxy', 0.99);
    const routerP50 = added('router', 0.5);
    const measurements: Measurement[] = [
      {
        name: 'proxy CPU per relayed message',
        value: routerUs,
        unit: 'µs',
        baseline: { name: 'HAProxy', value: haproxyUs },
        ...cpuRatio(routerUs, haproxyUs),
        target: '<= 1.5x HAProxy',
        targetId: 'router-cpu',
      },
      {
        name: 'broker CPU per relayed message, through the router',
        value: usPerUnit(routerCpu!, 'mosquitto'),
        unit: 'µs',
        baseline: { name: 'straight to Mosquitto', value: usPerUnit(directCpu!, 'mosquitto') },
        ...cpuRatio(usPerUnit(routerCpu!, 'mosquitto'), usPerUnit(directCpu!, 'mosquitto')),
      },
      {
        name: 'relayed QoS 1 throughput',
        value: paths.router.rate,
        unit: 'msg/s',
        baseline: { name: 'HAProxy', value: paths.haproxy.rate },
        ratio: paths.router.rate / paths.haproxy.rate,
      },
      {
        name: 'relayed QoS 1 throughput against direct Mosquitto',
        value: paths.router.rate,
        unit: 'msg/s',
        baseline: { name: 'Mosquitto direct (no TLS)', value: paths.direct.rate },
        ratio: paths.router.rate / paths.direct.rate,
      },
      {
        name: 'p99 round trip added by the router (publish→PUBACK, 1 in flight)',
        value: routerP99.median,
        unit: 'ms',
        baseline: { name: 'added by HAProxy', value: haproxyP99.median },
        noise: routerP99.noise,
      },
      {
        name: 'p99 round trip added by HAProxy (publish→PUBACK, 1 in flight)',
        value: haproxyP99.median,
        unit: 'ms',
        noise: haproxyP99.noise,
      },
      {
        name: 'p50 round trip added by the router (publish→PUBACK, 1 in flight)',
        value: routerP50.median,
        unit: 'ms',
        baseline: { name: 'added by HAProxy', value: added('haproxy', 0.5).median },
        noise: routerP50.noise,
      },
      ...PATHS.map((path) => ({
        name: `round trip p99 ${LABEL[path]}`,
        value: p(path, 0.99),
        unit: 'ms',
      })),
    ];
    return {
      scenario: 'router-throughput',
      startedAt,
      machine: scenarioMachine(),
      parameters: {
        vehicles: base.vehicles,
        windowPerVehicle: base.window,
        payloadBytes: base.payloadBytes,
        durationS: measureMs / 1000,
        rounds,
        pathOrder: order,
        roundTripSamplesPerPath: latency.samples.router.length,
        protocol: 'MQTT 5, QoS 1, vehicle → broker acks',
        tls: 'mTLS (fleet CA, CRL) at the router and at HAProxy; direct Mosquitto is plain TCP',
        haproxy: 'mode tcp, nbthread 1',
        brokerLogin:
          "the router's on every path: presented by the router, or in the vehicle's own CONNECT straight and through HAProxy",
      },
      measurements,
      cpu,
      notes: [
        `Throughput: each path measured in ${rounds} rounds of ${(measureMs / rounds / 1000).toFixed(1)} s, paths in turn (${order.join(' → ')}); CPU per message sums the rounds.`,
        `Round trips: one vehicle per path, one publish at a time on each path in turn, ${latency.samples.router.length} per path in ${latency.blocks} blocks; an added latency is p(proxy) − p(direct) over the same moments, reported as the median over blocks, and as within noise when the blocks’ spread reaches zero.`,
        `Counted PUBACKs: direct ${paths.direct.acknowledged}, HAProxy ${paths.haproxy.acknowledged}, router ${paths.router.acknowledged}.`,
        'The load generator runs in the harness process for every path alike; the router parses every packet and checks each PUBLISH topic against policy, HAProxy only forwards bytes.',
      ],
    };
  });
}

export const routerThroughput: Scenario = {
  name: 'router-throughput',
  description:
    'CPU per relayed QoS 1 message of the router vs HAProxy (same mTLS, same Mosquitto), throughput of each, and the round-trip latency each adds',
  run,
};
