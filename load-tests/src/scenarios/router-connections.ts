import { PacketReader } from '@roadcast/mqtt';
import type { TLSSocket } from 'node:tls';
import type { BrokerCredentials } from '@roadcast/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectPacket } from '../load/mqtt5-packets.js';
import { rotation } from '../runner/alternation.js';
import { withCleanup } from '../runner/cleanup.js';
import { scenarioMachine } from '../runner/machine.js';
import { rssBytes } from '../runner/proc-stat.js';
import { CpuMeter, cpuWindow, type CpuUsage } from '../runner/process-cpu.js';
import { harnessSource, pidSource } from '../runner/process-sources.js';
import type {
  CpuWindow,
  Measurement,
  Scenario,
  ScenarioOptions,
  ScenarioResult,
} from '../scenario.js';
import { benchVehicle, openTls, startRouterRig, type RouterRig } from './router-rig.js';

/**
 * Idle vehicle connections held open through the router and through HAProxy (same mTLS,
 * same Mosquitto behind), and the memory each proxy needs per connection: resident memory
 * with N idle sessions minus resident memory before the first, divided by N.
 */

const DEFAULT_VEHICLES = 2_000;
const SMOKE_VEHICLES = 10;
// Each relayed connection costs two sockets on one loopback address, and certificates are
// issued per vehicle: beyond this the machine, not the proxy, is what gets measured.
const MAX_VEHICLES = 4_000;
const OPEN_IN_PARALLEL = 50;

type Proxy = 'router' | 'haproxy';

/**
 * One MQTT 5 session through the proxy, left idle (keep alive off) once CONNACK arrives.
 * HAProxy passes the vehicle's CONNECT to the broker as it is, so there it carries the login
 * the router would present; the router presents its own.
 */
async function openSession(
  port: number,
  n: number,
  login: BrokerCredentials | undefined,
): Promise<TLSSocket> {
  const cert = benchVehicle(n);
  const socket = await openTls(port, cert);
  const reader = new PacketReader({ maxPacketSize: 1 << 28, protocolVersion: 5 });
  const connack = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      for (const { packet } of reader.push(chunk))
        if (packet.cmd === 'connack' && !packet.reasonCode) resolve();
        else reject(new Error(`refused: ${JSON.stringify(packet)}`));
    });
    socket.on('close', () => reject(new Error('closed before CONNACK')));
  });
  socket.on('error', () => undefined);
  socket.write(connectPacket(cert.vehicleId, login ? { login } : {}));
  await connack;
  return socket;
}

async function holdIdle(
  rig: RouterRig,
  proxy: Proxy,
  vehicles: number,
  meter: CpuMeter,
  onProgress: (done: number) => void,
): Promise<{ before: number; after: number; opened: number; ms: number; usage: CpuUsage }> {
  const pid = (proxy === 'router' ? rig.routerPid : rig.haproxyPid) as number;
  const port = (proxy === 'router' ? rig.routerPort : rig.haproxyPort) as number;
  const login = proxy === 'router' ? undefined : rig.brokerLogin;
  // A warm-up session, so lazily loaded code and TLS state are not counted per connection.
  const warm = await openSession(port, vehicles + 1, login);
  warm.destroy();
  await sleep(200);
  const before = rssBytes(pid);
  const sockets: TLSSocket[] = [];
  const started = Date.now();
  const cpuBefore = await meter.snapshot();
  try {
    for (let next = 0; next < vehicles;) {
      const batch = Array.from({ length: Math.min(OPEN_IN_PARALLEL, vehicles - next) }, (_, i) =>
        openSession(port, next + i, login),
      );
      sockets.push(...(await Promise.all(batch)));
      next += batch.length;
      onProgress(next);
    }
    const ms = Date.now() - started;
    const usage = meter.usage(cpuBefore, await meter.snapshot());
    // Let the proxy settle (TLS buffers released, GC) before reading its memory.
    await sleep(1_000);
    return { before, after: rssBytes(pid), opened: sockets.length, ms, usage };
  } finally {
    for (const s of sockets) s.destroy();
    await sleep(500);
  }
}

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const requested = options.vehicles ?? (options.smoke ? SMOKE_VEHICLES : DEFAULT_VEHICLES);
  const vehicles = Math.min(requested, MAX_VEHICLES);
  const notes: string[] = [];
  if (vehicles < requested) {
    notes.push(
      `Asked for ${requested} vehicles; measured ${vehicles}, the most one loopback address and this machine's descriptor limit hold through two proxies.`,
    );
  }
  // Certificates first: issuing them is the load generator's cost, not the proxies'.
  for (let n = 0; n <= vehicles + 1; n++) benchVehicle(n);
  const results = {} as Record<Proxy, Awaited<ReturnType<typeof holdIdle>>>;
  const proxies = rotation<Proxy>(['haproxy', 'router'], options.runIndex ?? 0);
  await withCleanup('router-connections', async (scope) => {
    const rig = await startRouterRig(scope, `${options.outDir}/rig`);
    const meter = new CpuMeter([
      pidSource('router', rig.routerPid, 'roadcast'),
      pidSource('haproxy', rig.haproxyPid, 'baseline'),
      rig.brokerSource('mosquitto'),
      harnessSource(),
    ]);
    for (const [i, proxy] of proxies.entries()) {
      results[proxy] = await holdIdle(rig, proxy, vehicles, meter, (done) =>
        options.progress?.(
          i * vehicles + done,
          proxies.length * vehicles,
          `${proxy}: ${done} idle sessions`,
        ),
      );
    }
  });
  const cpu: CpuWindow[] = proxies.map((proxy) =>
    cpuWindow(
      `session set-up through ${proxy === 'router' ? 'the router' : 'HAProxy'} (mTLS + CONNECT → CONNACK)`,
      'session',
      results[proxy].opened,
      results[proxy].usage,
      { involved: [proxy, 'mosquitto', 'benchmark harness'] },
    ),
  );
  const perConnection = (p: Proxy) =>
    Math.max(0, results[p].after - results[p].before) / results[p].opened;
  const measurements: Measurement[] = [
    {
      name: 'memory per idle connection',
      value: perConnection('router') / 1024,
      unit: 'KiB',
      baseline: { name: 'HAProxy', value: perConnection('haproxy') / 1024 },
      ratio: perConnection('router') / Math.max(1, perConnection('haproxy')),
      target: '<= 1.5x HAProxy',
      targetId: 'router-memory',
    },
    {
      name: `resident memory with ${vehicles} idle connections`,
      value: results.router.after / 1024 ** 2,
      unit: 'MiB',
      baseline: { name: 'HAProxy', value: results.haproxy.after / 1024 ** 2 },
      ratio: results.router.after / results.haproxy.after,
    },
    {
      name: 'session set-up rate (mTLS + CONNECT → CONNACK)',
      value: (results.router.opened / results.router.ms) * 1000,
      unit: 'sessions/s',
      baseline: { name: 'HAProxy', value: (results.haproxy.opened / results.haproxy.ms) * 1000 },
      ratio: results.haproxy.ms / results.router.ms,
    },
  ];
  notes.push(
    `Resident memory before → after: router ${(results.router.before / 1024 ** 2).toFixed(1)} → ${(results.router.after / 1024 ** 2).toFixed(1)} MiB, HAProxy ${(results.haproxy.before / 1024 ** 2).toFixed(1)} → ${(results.haproxy.after / 1024 ** 2).toFixed(1)} MiB.`,
    "The router looks up each vehicle's pool (Redis, then Postgres) and records presence at every CONNECT; HAProxy only forwards bytes, so set-up rates differ by design.",
    `Sessions are opened ${OPEN_IN_PARALLEL} at a time, one proxy after the other (${proxies.join(' → ')}, rotated between runs); every process shares ${scenarioMachine().cpus} CPUs.`,
  );
  return {
    scenario: 'router-connections',
    startedAt,
    machine: scenarioMachine(),
    parameters: {
      vehicles,
      order: proxies,
      protocol: 'MQTT 5, keep alive off',
      tls: 'mTLS (fleet CA, CRL) at both proxies',
      haproxy: 'mode tcp, nbthread 1',
      brokerLogin:
        "the router's through both proxies: presented by the router, in the vehicle's own CONNECT through HAProxy",
    },
    measurements,
    cpu,
    notes,
  };
}

export const routerConnections: Scenario = {
  name: 'router-connections',
  description:
    'Idle vehicle sessions held through the router vs HAProxy, memory per connection and set-up rate',
  run,
};
