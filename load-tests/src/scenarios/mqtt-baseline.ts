import { startMosquitto } from '@roadcast/testing';
import { quantile } from '../runner/statistics.js';
import { scenarioMachine } from '../runner/machine.js';
import { measurePublishRate, type PublishRateResult } from '../runner/qos1-publish-rate.js';
import type { Measurement, Scenario, ScenarioOptions, ScenarioResult } from '../scenario.js';

/**
 * The raw ceiling: how many QoS 1 publishes a fresh Mosquitto acknowledges from one MQTT.js
 * client and from several in parallel, with nothing of Roadcast in the path. Fan-out figures
 * are read against it.
 */

const DEFAULTS = { clients: 4, window: 100, payloadBytes: 400, durationS: 5, warmupS: 1 };
const SMOKE = { clients: 2, window: 20, payloadBytes: 400, durationS: 0.3, warmupS: 0.1 };

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const base = options.smoke ? SMOKE : DEFAULTS;
  // The fleet-size option is ignored: a suite run with a million vehicles must not open a
  // million publishers here. A few parallel clients show whether one client is the limit.
  const clients = base.clients;
  const durationS = options.durationS ?? base.durationS;
  const measureMs = durationS * 1000;
  const warmupMs = base.warmupS * 1000;
  const phases = 3;
  let phase = 0;
  const report = (label: string) => (elapsed: number, total: number) =>
    options.progress?.(phase * total + elapsed, phases * total, label);

  const broker = await startMosquitto({
    persistence: false,
    dataDir: `${options.outDir}/mosquitto`,
  });
  let single: PublishRateResult;
  let parallel: PublishRateResult;
  let pingPong: PublishRateResult;
  try {
    const common = {
      url: broker.url,
      credentials: broker.credentials('bridge'),
      payloadBytes: base.payloadBytes,
      warmupMs,
      measureMs,
    };
    single = await measurePublishRate({
      ...common,
      clients: 1,
      window: base.window,
      onProgress: report('1 client'),
    });
    phase = 1;
    parallel = await measurePublishRate({
      ...common,
      clients,
      window: base.window,
      onProgress: report(`${clients} clients`),
    });
    phase = 2;
    // One publish at a time: the bare round trip, without queueing behind a window.
    pingPong = await measurePublishRate({
      ...common,
      clients: 1,
      window: 1,
      recordLatency: true,
      onProgress: report('round trip'),
    });
  } finally {
    await broker.stop();
  }

  const measurements: Measurement[] = [
    {
      name: 'QoS 1 publish rate, 1 client',
      value: single.rate,
      unit: 'msg/s',
    },
    {
      name: `QoS 1 publish rate, ${clients} clients`,
      value: parallel.rate,
      unit: 'msg/s',
    },
    {
      // Not a ratio field: ratios in reports are Roadcast against a baseline.
      name: `speed-up of ${clients} clients over 1`,
      value: parallel.rate / single.rate,
      unit: '×',
    },
    {
      name: 'publish→PUBACK round trip p50, 1 in flight',
      value: quantile(pingPong.latenciesMs, 0.5),
      unit: 'ms',
    },
    {
      name: 'publish→PUBACK round trip p99, 1 in flight',
      value: quantile(pingPong.latenciesMs, 0.99),
      unit: 'ms',
    },
  ];
  return {
    scenario: 'mqtt-baseline',
    startedAt,
    machine: scenarioMachine(),
    parameters: {
      clients,
      windowPerClient: base.window,
      payloadBytes: base.payloadBytes,
      durationS,
      warmupS: base.warmupS,
      broker: 'mosquitto, fresh, persistence off',
      protocol: 'MQTT 5, QoS 1',
    },
    measurements,
    notes: [
      `Each client keeps ${base.window} publishes awaiting PUBACK and cycles through 1000 topics; broker, clients and every other process share ${scenarioMachine().cpus} CPUs.`,
      `Counted: ${single.acknowledged} acknowledgements from 1 client and ${parallel.acknowledged} from ${clients} clients within the measuring time.`,
    ],
    series: [
      {
        name: 'acknowledged publishes per second',
        chart: 'QoS 1 publish rate by publishers',
        xLabel: 'parallel MQTT.js clients',
        yLabel: 'PUBACKs per second',
        points: [
          { x: 1, y: single.rate },
          { x: clients, y: parallel.rate },
        ].filter((p, i, all) => all.findIndex((q) => q.x === p.x) === i),
      },
    ],
  };
}

export const mqttBaseline: Scenario = {
  name: 'mqtt-baseline',
  description:
    'Raw QoS 1 publish rate of MQTT.js to a fresh Mosquitto, from one client and from several in parallel: the ceiling fan-out is compared with.',
  run,
};
