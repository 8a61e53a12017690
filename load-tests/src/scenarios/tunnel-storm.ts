import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { ackTopic, noticeTopic } from '@roadcast/contracts';
import { devVehicleId } from '@roadcast/pki';
import { generateSigningKeyPair, loadSigningKey, signNoticeBatch } from '@roadcast/signing';
import { freePort, getTestPki, mtlsListenerConfig } from '@roadcast/testing';
import type { SimulatedVehicleIdentity } from '@roadcast/vehicle-client';
import { alternation } from '../runner/alternation.js';
import { startBenchBroker } from '../runner/bench-services.js';
import { withCleanup, type CleanupScope } from '../runner/cleanup.js';
import { FleetProcesses } from '../runner/fleet-processes.js';
import { scenarioMachine } from '../runner/machine.js';
import { CpuMeter, cpuWindow } from '../runner/process-cpu.js';
import { harnessSource } from '../runner/process-sources.js';
import type { Scenario, ScenarioOptions, ScenarioResult, Series } from '../scenario.js';
import {
  ACKNOWLEDGED,
  CONNECT_CONCURRENCY,
  FLEET_PROCESSES,
  MAX_CONNECTING,
  STEP_MS,
  storm,
  timed,
  UPDATE,
  type StormTimes,
} from './storm-common.js';
import { FLEET, roadcastStorm, ROUTERS } from './storm-roadcast.js';

const DEFAULTS = { vehicles: 10_000, reconnectWindowS: 10 };
const SMOKE = { vehicles: 60, reconnectWindowS: 2 };
const STEPS = 10;

/**
 * Reconnect storm: a whole fleet is in a tunnel while a campaign is published, so every
 * notice waits in a broker session. The fleet then comes back within a few seconds, as after
 * a long tunnel or a regional outage. Measured: time from the first reconnect until every
 * vehicle has acknowledged (`received`, recorded in Postgres), and the CPU every process
 * spent per returning vehicle. The simulated fleet is spread over several processes, so the
 * platform rather than one simulator's event loop is measured. Baseline, same run, same
 * multi-process fleet, SDK and certificates, alternating with Roadcast: the vehicles straight
 * to one Mosquitto over mTLS, their notices published while they were away and their acks
 * counted by one subscriber, with no router, tracker or database in the path.
 */
async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const base = options.smoke ? SMOKE : DEFAULTS;
  const total = options.vehicles ?? base.vehicles;
  const outDir = join(options.outDir, 'tunnel-storm');
  await mkdir(outDir, { recursive: true });
  let stepsDone = 0;
  const step = (label: string) => options.progress?.(stepsDone++, STEPS, label);

  const ids = Array.from({ length: total }, (_, i) => devVehicleId(900_000_000 + i));
  step('issuing certificates');
  const pki = getTestPki();
  const identities: SimulatedVehicleIdentity[] = ids.map((vehicleId) => ({
    vehicleId,
    tls: pki.vehicleTls(vehicleId),
  }));

  const order = alternation(1, options.runIndex ?? 0).map((t) => t.side);
  let roadcast: StormTimes | undefined;
  let direct: StormTimes | undefined;
  for (const side of order) {
    // Each side starts and ends on its own, so the second never inherits the first's load.
    if (side === 'roadcast')
      roadcast = await withCleanup('tunnel-storm (Roadcast)', (scope) =>
        roadcastStorm(scope, identities, base.reconnectWindowS, outDir, step),
      );
    else
      direct = await withCleanup('tunnel-storm (straight to Mosquitto)', (scope) =>
        directStorm(scope, identities, base.reconnectWindowS, outDir, step),
      );
  }
  step('done');
  return result(startedAt, total, base.reconnectWindowS, order, roadcast!, direct!);
}

function result(
  startedAt: string,
  total: number,
  reconnectWindowS: number,
  order: string[],
  roadcast: StormTimes,
  direct: StormTimes,
): ScenarioResult {
  const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);
  const series: Series[] = [
    { name: 'Roadcast (router, tracker, Postgres)', points: roadcast.curve },
    { name: 'Vehicles straight to Mosquitto', points: direct.curve },
  ].map((s) => ({
    ...s,
    chart: 'vehicles acknowledged after the fleet came back',
    xLabel: 'seconds since the first reconnect',
    yLabel: 'vehicles acknowledged',
  }));
  return {
    scenario: 'tunnel-storm',
    startedAt,
    machine: scenarioMachine(),
    parameters: {
      vehicles: total,
      reconnectWindowS,
      routers: ROUTERS,
      edgeBrokers: 3,
      fleetProcesses: FLEET_PROCESSES,
      dropOuts: 'half without DISCONNECT, half clean',
      connectConcurrency: CONNECT_CONCURRENCY,
      maxConnectingDuringStorm: MAX_CONNECTING,
      order,
    },
    measurements: [
      {
        name: `time until all ${total} vehicles acknowledged, from the first reconnect`,
        value: roadcast.ackS,
        unit: 's',
        baseline: { name: 'straight to Mosquitto', value: direct.ackS },
        ratio: ratio(roadcast.ackS, direct.ackS),
        target: '<= 1.2x straight to Mosquitto',
        targetId: 'tunnel-storm',
      },
      {
        name: `time until all ${total} vehicles installed, from the first reconnect`,
        value: roadcast.installS,
        unit: 's',
        baseline: { name: 'straight to Mosquitto', value: direct.installS },
        ratio: ratio(roadcast.installS, direct.installS),
      },
      {
        name: 'fleet connect time before the campaign (mTLS, full handshakes)',
        value: roadcast.connectS,
        unit: 's',
        baseline: { name: 'straight to Mosquitto', value: direct.connectS },
        ratio: ratio(roadcast.connectS, direct.connectS),
      },
      {
        name: `router memory per connected vehicle (${total} over ${ROUTERS} replicas)`,
        value: (roadcast.routerBytesPerVehicle ?? Number.NaN) / 1024,
        unit: 'KiB',
      },
      {
        name: 'reconnects that resumed their TLS session',
        value: roadcast.resumedShare * 100,
        unit: '%',
        baseline: { name: 'straight to Mosquitto', value: direct.resumedShare * 100 },
      },
    ],
    cpu: [
      cpuWindow('storm through the platform', 'returning vehicle', total, roadcast.usage),
      cpuWindow('storm straight to Mosquitto (baseline)', 'returning vehicle', total, direct.usage),
    ],
    notes: [
      `Vehicles reconnected at random within ${reconnectWindowS} s; the tracker re-sent on each reconnect only what the vehicle's resumed broker session could not hold.`,
      `Roadcast: ${ROUTERS} router replicas (vehicles spread over them as by an L4 balancer), 3 edge brokers in 2 pools; acknowledged means recorded in Postgres. Straight to Mosquitto: one broker, acknowledged means the ack reached one subscriber. Order: ${order.join(' → ')} (rotated between runs), each side with a platform or broker of its own.`,
      `The simulated fleet runs in ${FLEET_PROCESSES} processes of ${Math.ceil(total / FLEET_PROCESSES)} vehicles on both sides; at most ${MAX_CONNECTING} vehicles of the fleet are connecting at any moment (the others wait their turn, as if their own reconnect had come a little later). The fleet shares the machine with the platform, so its TLS and MQTT work is in both figures; its CPU per vehicle is in the table.`,
      'Install steps took 0.2 to 1 s each (three steps), so installed trails acknowledged by up to 3 s.',
      `The baseline's ack counter (a persistent session) lost its connection ${direct.counterDrops ?? 0} time(s) and took up its session again.`,
      `Vehicles whose software saw a notice more than once: ${roadcast.shownTwice} (Roadcast), ${direct.shownTwice} (straight to Mosquitto).`,
      `The routers counted, over the whole run: ${Object.entries(roadcast.routerCounts ?? {})
        .map(([name, n]) => `${name} ${n}`)
        .join(', ')}.`,
    ],
    series,
  };
}

async function directStorm(
  scope: CleanupScope,
  identities: SimulatedVehicleIdentity[],
  reconnectWindowS: number,
  outDir: string,
  step: (label: string) => void,
): Promise<StormTimes> {
  step('baseline: starting Mosquitto with mTLS');
  const tlsPort = await freePort();
  const { broker, source } = await startBenchBroker(scope, {
    id: 'bench-storm-direct',
    // The ack counter is one subscriber receiving four acks per vehicle in a burst.
    maxQueuedMessages: identities.length * 8,
    dataDir: join(outDir, 'mosquitto'),
    config: [
      ...mtlsListenerConfig(tlsPort),
      // Vehicles present the router's login in their own CONNECT, so the broker checks a
      // password at every reconnect, as it does behind the routers, besides the certificate.
      'use_identity_as_username false',
    ],
  });
  const keyPair = generateSigningKeyPair('bench-storm');
  const key = loadSigningKey(keyPair.privateKeyPem, keyPair.keyId);
  // A session that outlives its connection: should the counter's connection drop in the
  // middle of the storm, the broker keeps the acks meanwhile and hands them over on its
  // reconnect, instead of losing them and leaving the baseline waiting for ever.
  const counter = await mqtt.connectAsync(broker.url, {
    ...broker.credentials('tracker'),
    clientId: 'bench-storm-acks',
    protocolVersion: 5,
    clean: false,
    properties: { sessionExpiryInterval: 3_600 },
  });
  let counterDrops = 0;
  counter.on('offline', () => (counterDrops += 1));
  scope.defer('ack counter', () => counter.endAsync());
  const acked = new Set<string>();
  const installed = new Set<string>();
  counter.on('message', (topic, payload) => {
    const vehicleId = topic.split('/')[1] as string;
    const { state } = JSON.parse(payload.toString()) as { state: string };
    if (ACKNOWLEDGED.includes(state)) acked.add(vehicleId);
    if (state === 'installed') installed.add(vehicleId);
  });
  await counter.subscribeAsync(ackTopic('+'), { qos: 1 });
  const fleet = await FleetProcesses.start(scope, {
    identities,
    urls: [`mqtts://127.0.0.1:${tlsPort}`],
    brokerLogin: broker.credentials('router'),
    trustedKeys: new Map([[key.keyId, keyPair.publicKeyPem]]),
    processes: FLEET_PROCESSES,
    connectConcurrency: CONNECT_CONCURRENCY,
    stepMs: STEP_MS,
    logDir: outDir,
    label: 'direct',
  });
  scope.defer('direct fleet', () => fleet.stop());
  const meter = new CpuMeter([
    source('mosquitto', 'baseline'),
    fleet.source(FLEET),
    harnessSource(),
  ]);
  try {
    step('baseline: connecting the fleet');
    const connectS = await timed(() => fleet.connect(300_000));
    await fleet.takeOffline(0.5);

    step('baseline: publishing into the tunnel');
    const campaignId = randomUUID();
    const issuedAt = new Date();
    const expiresAt = new Date(issuedAt.getTime() + 86_400_000).toISOString();
    const publisher = await mqtt.connectAsync(broker.url, {
      ...broker.credentials('bridge'),
      clientId: 'bench-storm-publisher',
    });
    await Promise.all(
      identities.map(({ vehicleId }) => {
        const [notice] = signNoticeBatch(
          [
            {
              noticeId: randomUUID(),
              campaignId,
              vehicleId,
              type: 'update',
              update: UPDATE,
              priority: 0,
              issuedAt: issuedAt.toISOString(),
              expiresAt,
            },
          ],
          key,
        );
        return publisher.publishAsync(noticeTopic(vehicleId), notice!, { qos: 1 });
      }),
    );
    await publisher.endAsync();

    step('baseline: fleet reconnecting');
    const times = await storm(fleet, reconnectWindowS, meter, {
      acknowledged: async () => acked.size,
      installed: async () => installed.size,
    });
    return { ...times, connectS, counterDrops };
  } finally {
    await fleet.stop();
  }
}

export const tunnelStorm: Scenario = {
  name: 'tunnel-storm',
  description:
    'Reconnect storm: a fleet (simulated by several processes) offline while a campaign is published comes back within seconds; time until every vehicle acknowledged and CPU per returning vehicle, against the same fleet straight to Mosquitto.',
  run,
};
