import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { getTestPki } from '@roadcast/testing';
import { scenarioMachine } from '../runner/machine.js';
import { quantile } from '../runner/statistics.js';
import type { Measurement, Scenario, ScenarioOptions, ScenarioResult } from '../scenario.js';
import { benchVehicle, cpuSeconds, startRouterRig } from './router-rig.js';

/**
 * Messages relayed through the router, against HAProxy terminating the same mTLS in front
 * of the same Mosquitto, and against Mosquitto directly: vehicles publish QoS 1 acks and
 * wait for PUBACKs, which cross the proxy twice. Latency is the publish→PUBACK round trip
 * with one message in flight; "added" is what a proxy adds to the direct round trip.
 */

const DEFAULTS = {
  vehicles: 4,
  window: 50,
  payloadBytes: 200,
  durationS: 9,
  warmupS: 0.5,
  pingPongS: 6,
  rounds: 3,
};
const SMOKE = {
  vehicles: 2,
  window: 5,
  payloadBytes: 200,
  durationS: 0.3,
  warmupS: 0.1,
  pingPongS: 0.3,
  rounds: 1,
};

type Path = 'direct' | 'haproxy' | 'router';

interface Rate {
  rate: number;
  acknowledged: number;
  latenciesMs: number[];
}

interface Measured extends Rate {
  elapsedMs: number;
  /** CPU seconds the proxy used while measuring (undefined for the direct path). */
  proxyCpuS?: number;
}

/** Where each path listens, and the login a vehicle's CONNECT needs where it meets the broker. */
interface Targets {
  ports: Record<Path, number>;
  brokerLogin: { username: string; password: string };
}

async function connect(path: Path, targets: Targets, index: number): Promise<MqttClient> {
  const { ports } = targets;
  const cert = benchVehicle(index);
  const common: IClientOptions = {
    protocolVersion: 5,
    clientId: cert.vehicleId,
    // Through the router its own login is used; HAProxy passes the vehicle's CONNECT on.
    ...(path === 'router' ? {} : targets.brokerLogin),
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  };
  if (path === 'direct')
    return mqtt.connectAsync({
      ...common,
      host: '127.0.0.1',
      port: ports.direct,
      protocol: 'mqtt',
    });
  return mqtt.connectAsync({
    ...common,
    host: '127.0.0.1',
    port: ports[path],
    protocol: 'mqtts',
    servername: 'localhost',
    ca: getTestPki().ca,
    key: cert.key,
    cert: cert.cert,
  });
}

/** Every vehicle keeps `window` acks awaiting PUBACK; counts PUBACKs while measuring. */
async function measure(
  path: Path,
  targets: Targets,
  options: {
    vehicles: number;
    window: number;
    payloadBytes: number;
    warmupMs: number;
    measureMs: number;
    recordLatency: boolean;
  },
  onProgress: (elapsed: number, total: number) => void,
  proxyPid?: number,
): Promise<Measured> {
  const clients = await Promise.all(
    Array.from({ length: options.vehicles }, (_, i) => connect(path, targets, i)),
  );
  const payload = randomBytes(options.payloadBytes);
  let phase: 'warmup' | 'measure' | 'stop' = 'warmup';
  let acknowledged = 0;
  let failure: Error | undefined;
  const latenciesMs: number[] = [];
  const next = (client: MqttClient): void => {
    if (phase === 'stop' || failure) return;
    const started = performance.now();
    client.publish(`vehicles/${client.options.clientId}/ota/acks`, payload, { qos: 1 }, (err) => {
      if (err) {
        failure ??= err;
        return;
      }
      if (phase === 'measure') {
        acknowledged += 1;
        if (options.recordLatency) latenciesMs.push(performance.now() - started);
      }
      next(client);
    });
  };
  try {
    for (const client of clients) {
      client.on('error', (err) => (failure ??= err));
      for (let i = 0; i < options.window; i++) next(client);
    }
    await sleep(options.warmupMs);
    phase = 'measure';
    const cpuAtStart = proxyPid === undefined ? 0 : cpuSeconds(proxyPid);
    const start = performance.now();
    while (performance.now() - start < options.measureMs && !failure) {
      await sleep(Math.min(250, options.measureMs - (performance.now() - start)));
      onProgress(Math.min(options.measureMs, performance.now() - start), options.measureMs);
    }
    const elapsed = performance.now() - start;
    const counted = acknowledged;
    const proxyCpuS = proxyPid === undefined ? undefined : cpuSeconds(proxyPid) - cpuAtStart;
    phase = 'stop';
    if (failure) throw failure;
    return {
      rate: (counted / elapsed) * 1000,
      acknowledged: counted,
      latenciesMs,
      elapsedMs: elapsed,
      ...(proxyCpuS !== undefined ? { proxyCpuS } : {}),
    };
  } finally {
    phase = 'stop';
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  }
}

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const base = options.smoke ? SMOKE : DEFAULTS;
  const measureMs = (options.durationS ?? base.durationS) * 1000;
  const rig = await startRouterRig(`${options.outDir}/rig`);
  const targets: Targets = {
    ports: { direct: rig.broker.port, haproxy: rig.haproxyPort, router: rig.routerPort },
    brokerLogin: rig.broker.credentials('router'),
  };
  const paths: Path[] = ['direct', 'haproxy', 'router'];
  // Paths take turns in short rounds, so a neighbour's burst of CPU use on a shared machine
  // lands on all three instead of on whichever was measured at the time.
  const rounds = options.smoke ? 1 : base.rounds;
  const steps = paths.length * rounds * 2;
  let step = 0;
  const progress = (label: string) => (elapsed: number, total: number) =>
    options.progress?.(step * total + elapsed, steps * total, label);
  const empty = (): Rate => ({ rate: 0, acknowledged: 0, latenciesMs: [] });
  const rates: Record<Path, Rate & { elapsedMs: number; cpuS: number }> = {
    direct: { ...empty(), elapsedMs: 0, cpuS: 0 },
    haproxy: { ...empty(), elapsedMs: 0, cpuS: 0 },
    router: { ...empty(), elapsedMs: 0, cpuS: 0 },
  };
  const pids: Partial<Record<Path, number>> = { haproxy: rig.haproxyPid, router: rig.routerPid };
  const rtt: Record<Path, Rate> = { direct: empty(), haproxy: empty(), router: empty() };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const path of paths) {
        const r = await measure(
          path,
          targets,
          {
            vehicles: base.vehicles,
            window: base.window,
            payloadBytes: base.payloadBytes,
            warmupMs: base.warmupS * 1000,
            measureMs: measureMs / rounds,
            recordLatency: false,
          },
          progress(`${path} throughput, round ${round + 1}`),
          pids[path],
        );
        rates[path].cpuS += r.proxyCpuS ?? 0;
        rates[path].acknowledged += r.acknowledged;
        rates[path].elapsedMs += r.elapsedMs;
        rates[path].rate = (rates[path].acknowledged / rates[path].elapsedMs) * 1000;
        step += 1;
      }
      for (const path of paths) {
        const r = await measure(
          path,
          targets,
          {
            vehicles: 1,
            window: 1,
            payloadBytes: base.payloadBytes,
            warmupMs: base.warmupS * 1000,
            measureMs: (base.pingPongS * 1000) / rounds,
            recordLatency: true,
          },
          progress(`${path} round trip, round ${round + 1}`),
        );
        rtt[path].latenciesMs.push(...r.latenciesMs);
        step += 1;
      }
    }
  } finally {
    await rig.stop();
  }

  const p = (path: Path, q: number) => quantile(rtt[path].latenciesMs, q);
  const added = (path: Path, q: number) => p(path, q) - p('direct', q);
  const measurements: Measurement[] = [
    {
      name: 'relayed QoS 1 throughput (msg/s)',
      value: rates.router.rate,
      unit: 'msg/s',
      baseline: { name: 'HAProxy', value: rates.haproxy.rate },
      ratio: rates.router.rate / rates.haproxy.rate,
      target: '>= 0.9x HAProxy',
    },
    {
      name: 'relayed QoS 1 throughput against direct Mosquitto',
      value: rates.router.rate,
      unit: 'msg/s',
      baseline: { name: 'Mosquitto direct (no TLS)', value: rates.direct.rate },
      ratio: rates.router.rate / rates.direct.rate,
    },
    {
      // CPU per message does not depend on what else the machine runs, unlike rates.
      name: 'proxy CPU per 1,000 relayed messages',
      value: (rates.router.cpuS * 1000 * 1000) / Math.max(1, rates.router.acknowledged),
      unit: 'ms',
      baseline: {
        name: 'HAProxy',
        value: (rates.haproxy.cpuS * 1000 * 1000) / Math.max(1, rates.haproxy.acknowledged),
      },
      ratio:
        rates.router.cpuS /
        Math.max(1, rates.router.acknowledged) /
        Math.max(1e-9, rates.haproxy.cpuS / Math.max(1, rates.haproxy.acknowledged)),
    },
    {
      name: 'p99 added latency (publish→PUBACK, 1 in flight)',
      value: added('router', 0.99),
      unit: 'ms',
      baseline: { name: 'HAProxy', value: added('haproxy', 0.99) },
      target: '<= HAProxy + 1 ms',
    },
    {
      name: 'p50 added latency (publish→PUBACK, 1 in flight)',
      value: added('router', 0.5),
      unit: 'ms',
      baseline: { name: 'HAProxy', value: added('haproxy', 0.5) },
    },
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
      protocol: 'MQTT 5, QoS 1, vehicle → broker acks',
      tls: 'mTLS (fleet CA, CRL) at the router and at HAProxy; direct Mosquitto is plain TCP',
      haproxy: 'mode tcp, nbthread 1',
    },
    measurements,
    notes: [
      `Each path is measured in ${rounds} interleaved rounds (${(measureMs / rounds / 1000).toFixed(1)} s each for throughput); figures combine the rounds.`,
      `Counted PUBACKs: direct ${rates.direct.acknowledged}, HAProxy ${rates.haproxy.acknowledged}, router ${rates.router.acknowledged}. Round trips: direct ${rtt.direct.latenciesMs.length}, HAProxy ${rtt.haproxy.latenciesMs.length}, router ${rtt.router.latenciesMs.length}.`,
      `Round-trip p99: direct ${p('direct', 0.99).toFixed(3)} ms, HAProxy ${p('haproxy', 0.99).toFixed(3)} ms, router ${p('router', 0.99).toFixed(3)} ms.`,
      `Router, HAProxy, Mosquitto, Postgres, Redis and the load generator share ${scenarioMachine().cpus} CPUs; the router parses every packet and checks each PUBLISH topic against policy, HAProxy only forwards bytes.`,
    ],
  };
}

export const routerThroughput: Scenario = {
  name: 'router-throughput',
  description:
    'QoS 1 messages relayed through the router vs HAProxy (same mTLS) vs Mosquitto directly, and the latency each adds',
  run,
};
