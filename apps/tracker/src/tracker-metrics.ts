import type pg from 'pg';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface TrackerMetrics {
  acksReceived: Counter<'broker'>;
  acksApplied: Counter;
  acksIgnored: Counter<'reason'>;
  batchSeconds: Histogram;
  batchSize: Histogram;
  ackLatency: Histogram;
  republished: Counter<'reason'>;
  resendsPaced: Counter<'broker'>;
  expired: Counter;
  timedOut: Counter;
  retried: Counter<'by'>;
  silentVehicles: Gauge;
  waveTransitions: Counter<'action'>;
  statusReceived: Counter;
  statusStored: Counter;
  statusIgnored: Counter<'reason'>;
  bootsDecided: Counter<'outcome'>;
  dynamicJoined: Counter;
}

/** Deliveries of campaigns that are not over yet, by state, read from the exact counters. */
const OPEN_DELIVERIES_SQL = `
SELECT c.state::text AS state, sum(c.count)::float8 AS n
FROM campaign_counters c JOIN campaigns k ON k.id = c.campaign_id
WHERE k.status IN ('scheduled', 'running', 'paused')
GROUP BY c.state`;

export function createTrackerMetrics(registry: Registry, pool?: pg.Pool): TrackerMetrics {
  const registers = [registry];
  if (pool) {
    new Gauge({
      name: 'roadcast_deliveries',
      help: 'Deliveries of scheduled, running and paused campaigns by state',
      labelNames: ['state'],
      registers,
      async collect() {
        const { rows } = await pool.query<{ state: string; n: number }>(OPEN_DELIVERIES_SQL);
        this.reset();
        for (const row of rows) this.set({ state: row.state }, row.n);
      },
    });
  }
  return {
    acksReceived: new Counter({
      name: 'roadcast_tracker_acks_received_total',
      help: 'Acks read from edge brokers',
      labelNames: ['broker'],
      registers,
    }),
    acksApplied: new Counter({
      name: 'roadcast_tracker_acks_applied_total',
      help: 'Acks that moved a delivery forward',
      registers,
    }),
    acksIgnored: new Counter({
      name: 'roadcast_tracker_acks_ignored_total',
      help: 'Acks that changed nothing: invalid, duplicate, late or for another vehicle',
      labelNames: ['reason'],
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'roadcast_tracker_ack_batch_seconds',
      help: 'Time to apply one ack batch to Postgres',
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    batchSize: new Histogram({
      name: 'roadcast_tracker_ack_batch_size',
      help: 'Acks in one batch applied to Postgres',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
      registers,
    }),
    ackLatency: new Histogram({
      name: 'roadcast_ack_latency_seconds',
      help: 'From the edge broker accepting a notice to the vehicle acknowledging it (includes time offline)',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400],
      registers,
    }),
    republished: new Counter({
      name: 'roadcast_tracker_republished_total',
      help: 'Deliveries handed to the bridge to send again',
      labelNames: ['reason'],
      registers,
    }),
    resendsPaced: new Counter({
      name: 'roadcast_tracker_resends_paced_total',
      help: "Re-sends that waited for their broker's shared pace after an area came back",
      labelNames: ['broker'],
      registers,
    }),
    expired: new Counter({
      name: 'roadcast_tracker_deliveries_expired_total',
      help: 'Deliveries marked expired with their campaign',
      registers,
    }),
    timedOut: new Counter({
      name: 'roadcast_tracker_deliveries_timed_out_total',
      help: "Deliveries that reported progress and then stayed silent past their campaign's in-progress timeout",
      registers,
    }),
    retried: new Counter({
      name: 'roadcast_tracker_deliveries_retried_total',
      help: 'Deliveries that started a new attempt, by who retried them',
      labelNames: ['by'],
      registers,
    }),
    silentVehicles: new Gauge({
      name: 'roadcast_tracker_silent_vehicles',
      help: 'Vehicles with unacknowledged notices not seen for longer than the silent threshold',
      registers,
    }),
    waveTransitions: new Counter({
      name: 'roadcast_tracker_rollout_actions_total',
      help: 'Rollout decisions taken: next wave, await approval, pause, cancel, complete',
      labelNames: ['action'],
      registers,
    }),
    statusReceived: new Counter({
      name: 'roadcast_tracker_status_received_total',
      help: 'Vehicle status reports read from edge brokers',
      registers,
    }),
    statusStored: new Counter({
      name: 'roadcast_tracker_status_stored_total',
      help: 'Vehicle status reports stored in the inventory',
      registers,
    }),
    statusIgnored: new Counter({
      name: 'roadcast_tracker_status_ignored_total',
      help: 'Status reports not stored: invalid, of an unregistered vehicle, or older than the stored one',
      labelNames: ['reason'],
      registers,
    }),
    bootsDecided: new Counter({
      name: 'roadcast_tracker_boots_decided_total',
      help: 'Verifying deliveries that healthy-boot verification ended, by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    dynamicJoined: new Counter({
      name: 'roadcast_tracker_dynamic_joined_total',
      help: 'Deliveries added to dynamic campaigns for vehicles registered or changed later',
      registers,
    }),
  };
}
