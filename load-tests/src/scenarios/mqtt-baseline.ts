import { startBenchBroker } from '../runner/bench-services.js';
import { rotation } from '../runner/alternation.js';
import { withCleanup } from '../runner/cleanup.js';
import { scenarioMachine } from '../runner/machine.js';
import { CpuMeter, cpuWindow } from '../runner/process-cpu.js';
import { harnessSource, pidSource } from '../runner/process-sources.js';
import type { PublishRateResult } from '../runner/qos1-publish-rate.js';
import {
  measureRawPublisher,
  PUBLISHER_PROCESS,
  RAW_PUBLISHERS,
  startRawPublisherWorker,
  type RawPublisherKind,
} from '../runner/raw-publisher.js';
import { quantile } from '../runner/statistics.js';
import type {
  CpuWindow,
  Measurement,
  Scenario,
  ScenarioOptions,
  ScenarioResult,
} from '../scenario.js';

/**
 * The raw ceilings: how many QoS 1 publishes a fresh Mosquitto acknowledges from one MQTT.js
 * client, from several, and from a pre-encoded writer that costs next to nothing per message
 * (the broker's own ceiling), each publisher in a process of its own so its CPU per publish is
 * measured like the broker's. Fan-out figures are read against these.
 */

const DEFAULTS = { clients: 4, window: 100, payloadBytes: 400, durationS: 5, warmupS: 1 };
const SMOKE = { clients: 2, window: 20, payloadBytes: 400, durationS: 0.3, warmupS: 0.1 };

interface Variant {
  key: string;
  label: string;
  kind: RawPublisherKind;
  clients: number;
  window: number;
  recordLatency?: boolean;
}

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const base = options.smoke ? SMOKE : DEFAULTS;
  // The fleet-size option is ignored: a suite run with a million vehicles must not open a
  // million publishers here.
  const durationS = options.durationS ?? base.durationS;
  const measureMs = durationS * 1000;
  const warmupMs = base.warmupS * 1000;
  const variants: Variant[] = [
    {
      key: 'mqttjs-1',
      label: `${RAW_PUBLISHERS.mqttjs}, 1 connection`,
      kind: 'mqttjs',
      clients: 1,
      window: base.window,
    },
    {
      key: 'mqttjs-n',
      label: `${RAW_PUBLISHERS.mqttjs}, ${base.clients} connections`,
      kind: 'mqttjs',
      clients: base.clients,
      window: base.window,
    },
    {
      key: 'preencoded-1',
      label: `${RAW_PUBLISHERS.preencoded}, 1 connection`,
      kind: 'preencoded',
      clients: 1,
      window: base.window,
    },
  ];
  // Round trip last: it is a latency, not a ceiling, and needs no rotation.
  const order = [
    ...rotation(variants, options.runIndex ?? 0),
    {
      key: 'rtt',
      label: `${RAW_PUBLISHERS.mqttjs}, 1 in flight`,
      kind: 'mqttjs' as const,
      clients: 1,
      window: 1,
      recordLatency: true,
    },
  ];

  return withCleanup('mqtt-baseline', async (scope) => {
    const { broker, source } = await startBenchBroker(scope, {
      dataDir: `${options.outDir}/mosquitto`,
      // The broker's Receive Maximum: the pre-encoded writer honours it, MQTT.js does not, so
      // it is set to the window both keep in flight.
      config: [`max_inflight_messages ${base.window}`],
    });
    const worker = await startRawPublisherWorker(scope, options.outDir);
    const meter = new CpuMeter([
      pidSource(PUBLISHER_PROCESS, worker.pid, 'load'),
      source('mosquitto', 'baseline'),
      harnessSource(),
    ]);
    const results = new Map<string, PublishRateResult>();
    const cpu: CpuWindow[] = [];
    for (const [index, variant] of order.entries()) {
      const measured = await measureRawPublisher(
        worker,
        meter,
        {
          kind: variant.kind,
          url: broker.url,
          // The publishers stand in for the bridge, the client these ceilings are read against.
          credentials: broker.credentials('bridge'),
          clients: variant.clients,
          window: variant.window,
          payloadBytes: base.payloadBytes,
          warmupMs,
          measureMs,
          ...(variant.recordLatency ? { recordLatency: true } : {}),
        },
        (elapsed, total) =>
          options.progress?.(index * total + elapsed, order.length * total, variant.label),
      );
      results.set(variant.key, measured.result);
      if (variant.key !== 'rtt' && measured.result.acknowledged > 0)
        cpu.push(cpuWindow(variant.label, 'publish', measured.result.acknowledged, measured.usage));
    }
    const rate = (key: string) => results.get(key)?.rate ?? Number.NaN;
    const latencies = results.get('rtt')?.latenciesMs ?? [];
    const measurements: Measurement[] = [
      { name: 'QoS 1 publish rate, MQTT.js, 1 connection', value: rate('mqttjs-1'), unit: 'msg/s' },
      {
        name: `QoS 1 publish rate, MQTT.js, ${base.clients} connections`,
        value: rate('mqttjs-n'),
        unit: 'msg/s',
      },
      {
        name: 'QoS 1 publish rate, pre-encoded writer, 1 connection (the broker’s ceiling)',
        value: rate('preencoded-1'),
        unit: 'msg/s',
      },
      {
        name: 'MQTT.js client against the pre-encoded writer',
        value: rate('mqttjs-1'),
        unit: 'msg/s',
        baseline: { name: 'pre-encoded writer', value: rate('preencoded-1') },
        ratio: rate('mqttjs-1') / rate('preencoded-1'),
      },
      {
        name: 'publish→PUBACK round trip p50, 1 in flight',
        value: quantile(latencies, 0.5),
        unit: 'ms',
      },
      {
        name: 'publish→PUBACK round trip p99, 1 in flight',
        value: quantile(latencies, 0.99),
        unit: 'ms',
      },
    ];
    return {
      scenario: 'mqtt-baseline',
      startedAt,
      machine: scenarioMachine(),
      parameters: {
        clients: base.clients,
        windowPerClient: base.window,
        payloadBytes: base.payloadBytes,
        durationS,
        warmupS: base.warmupS,
        broker: 'mosquitto, fresh, persistence off, edge ACL; publishers log in as the bridge',
        protocol: 'MQTT 5, QoS 1',
        order: order.map((v) => v.key),
      },
      measurements,
      cpu,
      notes: [
        `Each connection keeps ${base.window} publishes awaiting PUBACK and cycles through 1000 topics; the publishers run in a process of their own, measured in turn (order rotated between runs).`,
        'The pre-encoded writer encodes every PUBLISH before measuring (one template per topic, packet id patched in) and only counts PUBACKs: what remains is the broker.',
        `Counted: ${order.map((v) => `${results.get(v.key)?.acknowledged ?? 0} (${v.label})`).join(', ')}.`,
      ],
      series: [
        {
          name: 'acknowledged publishes per second',
          chart: 'QoS 1 publish rate by MQTT.js connections',
          xLabel: 'parallel MQTT.js connections',
          yLabel: 'PUBACKs per second',
          points: [
            { x: 1, y: rate('mqttjs-1') },
            { x: base.clients, y: rate('mqttjs-n') },
          ].filter((p, i, all) => all.findIndex((q) => q.x === p.x) === i),
        },
      ],
    };
  });
}

export const mqttBaseline: Scenario = {
  name: 'mqtt-baseline',
  description:
    'Raw QoS 1 publish rates to a fresh Mosquitto (MQTT.js from one and several connections, and a pre-encoded writer), with CPU per publish of publisher and broker: the ceilings fan-out is compared with.',
  run,
};
