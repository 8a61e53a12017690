import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type MqttClient } from 'mqtt';
import type { BrokerCredentials } from '@roadcast/testing';

/**
 * How fast MQTT.js clients get QoS 1 publishes acknowledged by a broker: the raw ceiling a
 * fan-out over MQTT can be compared with. Each client keeps `window` publishes in flight,
 * as a publisher that awaits PUBACKs in batches does.
 */
export interface PublishRateOptions {
  url: string;
  /**
   * The login the publishers present (the bridge's: they stand in for it). A worker process
   * receives it here, as its own test credentials would not match the broker's.
   */
  credentials: BrokerCredentials;
  clients: number;
  /** Publishes each client keeps waiting for PUBACK. */
  window: number;
  payloadBytes: number;
  warmupMs: number;
  measureMs: number;
  /** Distinct topics cycled through, like notices to distinct vehicles. */
  topics?: number;
  /** Keep each publish→PUBACK time (costs memory; used for latency percentiles). */
  recordLatency?: boolean;
  onProgress?(elapsedMs: number, totalMs: number): void;
  /** Called as the measuring time starts and ends (e.g. to read CPU around it). */
  onMeasureStart?(): void;
  onMeasureEnd?(): void;
}

export interface PublishRateResult {
  /** PUBACKs per second over the measuring time, all clients together. */
  rate: number;
  acknowledged: number;
  elapsedMs: number;
  /** Publish→PUBACK times in ms during the measuring time, when recorded. */
  latenciesMs: number[];
}

function connectClient(
  url: string,
  index: number,
  credentials: BrokerCredentials,
): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    ...credentials,
    protocolVersion: 5,
    clientId: `bench-publisher-${index}-${randomBytes(3).toString('hex')}`,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
}

export async function measurePublishRate(options: PublishRateOptions): Promise<PublishRateResult> {
  const topics = options.topics ?? 1000;
  const payload = randomBytes(options.payloadBytes);
  const clients = await Promise.all(
    Array.from({ length: options.clients }, (_, i) =>
      connectClient(options.url, i, options.credentials),
    ),
  );
  let phase: 'warmup' | 'measure' | 'stop' = 'warmup';
  let acknowledged = 0;
  let failure: Error | undefined;
  const latenciesMs: number[] = [];
  let sequence = 0;

  // Each slot publishes again as soon as its PUBACK arrives, so `window` stay in flight.
  const publishNext = (client: MqttClient): void => {
    if (phase === 'stop' || failure) return;
    sequence += 1;
    const started = performance.now();
    client.publish(
      `vehicles/bench-${sequence % topics}/ota/notices`,
      payload,
      {
        qos: 1,
        properties: { messageExpiryInterval: 3600, userProperties: { noticeId: String(sequence) } },
      },
      (err) => {
        if (err) {
          failure ??= err;
          return;
        }
        if (phase === 'measure') {
          acknowledged += 1;
          if (options.recordLatency) latenciesMs.push(performance.now() - started);
        }
        publishNext(client);
      },
    );
  };

  try {
    for (const client of clients) {
      client.on('error', (err) => (failure ??= err));
      for (let i = 0; i < options.window; i += 1) publishNext(client);
    }
    await sleep(options.warmupMs);
    phase = 'measure';
    options.onMeasureStart?.();
    const start = performance.now();
    const total = options.measureMs;
    while (performance.now() - start < total && !failure) {
      await sleep(Math.min(250, total - (performance.now() - start)));
      options.onProgress?.(Math.min(total, performance.now() - start), total);
    }
    const elapsedMs = performance.now() - start;
    const counted = acknowledged;
    phase = 'stop';
    options.onMeasureEnd?.();
    if (failure) throw failure;
    return { rate: (counted / elapsedMs) * 1000, acknowledged: counted, elapsedMs, latenciesMs };
  } finally {
    phase = 'stop';
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  }
}
