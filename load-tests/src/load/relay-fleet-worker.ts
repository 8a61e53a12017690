/**
 * Certified vehicles in a process of their own, for the hostile scenario: they connect through
 * the router with their certificates (success counted per vehicle) and then relay QoS 1 acks
 * with a window in flight, PUBACKs counted. Started by the scenario through `WorkerProcess`.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { emit, serveWorker } from './worker-protocol.js';

export interface RelayFleetConnect {
  port: number;
  ca: string;
  vehicles: Array<{ vehicleId: string; cert: string; key: string }>;
  /** Vehicles connecting at once. */
  concurrency: number;
  timeoutMs: number;
}

export interface RelayFleetConnected {
  attempted: number;
  connected: number;
  /** Why the others did not connect, by error text. */
  failures: Record<string, number>;
  seconds: number;
}

export interface RelayMeasure {
  window: number;
  payloadBytes: number;
  warmupMs: number;
  measureMs: number;
}

let clients: MqttClient[] = [];

async function connect(request: RelayFleetConnect): Promise<RelayFleetConnected> {
  const started = performance.now();
  const failures: Record<string, number> = {};
  const queue = [...request.vehicles];
  const worker = async () => {
    for (let v = queue.shift(); v; v = queue.shift()) {
      try {
        clients.push(
          await mqtt.connectAsync({
            host: '127.0.0.1',
            port: request.port,
            protocol: 'mqtts',
            protocolVersion: 5,
            clientId: v.vehicleId,
            clean: true,
            reconnectPeriod: 0,
            connectTimeout: request.timeoutMs,
            servername: 'localhost',
            ca: request.ca,
            cert: v.cert,
            key: v.key,
          }),
        );
      } catch (err) {
        const reason = (err instanceof Error ? err.message : String(err)).slice(0, 120);
        failures[reason] = (failures[reason] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: request.concurrency }, worker));
  return {
    attempted: request.vehicles.length,
    connected: clients.length,
    failures,
    seconds: (performance.now() - started) / 1000,
  };
}

async function measure(
  request: RelayMeasure,
): Promise<{ acknowledged: number; elapsedMs: number; failures: number }> {
  const payload = randomBytes(request.payloadBytes);
  let phase: 'warmup' | 'measure' | 'stop' = 'warmup';
  let acknowledged = 0;
  let failures = 0;
  const next = (client: MqttClient): void => {
    if (phase === 'stop' || !client.connected) return;
    client.publish(`vehicles/${client.options.clientId}/ota/acks`, payload, { qos: 1 }, (err) => {
      if (err) {
        failures += 1;
        return;
      }
      if (phase === 'measure') acknowledged += 1;
      next(client);
    });
  };
  for (const client of clients) {
    client.on('error', () => (failures += 1));
    for (let i = 0; i < request.window; i += 1) next(client);
  }
  await sleep(request.warmupMs);
  phase = 'measure';
  emit('measure-start');
  const start = performance.now();
  await sleep(request.measureMs);
  const counted = acknowledged;
  const elapsedMs = performance.now() - start;
  phase = 'stop';
  emit('measure-end');
  return { acknowledged: counted, elapsedMs, failures };
}

async function disconnect(): Promise<number> {
  const all = clients;
  clients = [];
  await Promise.all(all.map((c) => c.endAsync(true).catch(() => undefined)));
  return all.length;
}

serveWorker(
  {
    connect: (request: RelayFleetConnect) => connect(request),
    measure: (request: RelayMeasure) => measure(request),
    disconnect: () => disconnect(),
  },
  async () => void (await disconnect()),
);
