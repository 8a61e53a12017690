import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface RouterMetrics {
  connections: Gauge<'state'>;
  accepted: Counter;
  refusals: Counter<'reason'>;
  /** Counts one refusal; the per-reason children are resolved once. */
  countRefusal(reason: string): void;
  closes: Counter<'reason'>;
  bytes: Counter<'direction'>;
  /** Children of `bytes`, resolved once: the per-chunk path avoids label lookups. */
  bytesUpstream: Counter.Internal;
  bytesDownstream: Counter.Internal;
  brokerFailures: Counter<'broker'>;
  connectSeconds: Histogram;
  policyVersion: Gauge;
  policyRejected: Counter;
  drained: Counter<'reason'>;
  /** Time a direction of a relay was held back by a byte-rate bucket. */
  throttled: Counter<'direction'>;
  /** Completed vehicle TLS handshakes; `resumed` ones skipped the certificate work. */
  tlsHandshakes: Counter<'resumed'>;
  /** Vehicle TLS handshakes that failed, by error code. */
  tlsFailures: Counter<'code'>;
  /** Vehicles routed while Redis (`postgres`) or Redis and Postgres (`rendezvous`) were away. */
  routingFallbacks: Counter<'source'>;
  /** Redis calls of the routing path that failed or timed out. */
  redisFailures: Counter<'operation'>;
  /** Vehicles whose presence waits for Redis, and what became of queued states. */
  presenceQueued: Gauge;
  presenceReplayed: Counter;
  presenceDropped: Counter;
  /** Open sessions ended because the CRL now lists their certificate. */
  revoked: Counter;
  /** Addresses banned after repeated failures before a session. */
  bans: Counter;
  /** Log lines held back by the refusal log limits, by reason. */
  logSuppressed: Counter<'reason'>;
  /** Where the gauges read the router's live state at scrape time. */
  observe(source: RouterStateSource): void;
}

/** The router's live state, read when metrics are scraped rather than kept up to date. */
export interface RouterStateSource {
  preAuth(): { open: number; limit: number };
  sessions(): number;
  /** Bytes the router holds for connections (buffers, queues, partial packets). */
  heldBytes(): { total: number; largest: number };
}

export function createRouterMetrics(registry: Registry): RouterMetrics {
  const registers = [registry];
  let source: RouterStateSource | undefined;
  const refusals = new Counter({
    name: 'roadcast_router_refusals_total',
    help: 'Connections, packets and subscriptions refused, by reason',
    labelNames: ['reason'],
    registers,
  });
  const refusalChildren = new Map<string, Counter.Internal>();
  const bytes = new Counter({
    name: 'roadcast_router_bytes_total',
    help: 'Bytes relayed; upstream is vehicle to broker',
    labelNames: ['direction'],
    registers,
  });
  new Gauge({
    name: 'roadcast_router_preauth_connections',
    help: 'Connections whose identity is not established yet (TLS handshake to accepted CONNECT)',
    registers,
    collect() {
      if (source) this.set(source.preAuth().open);
    },
  });
  new Gauge({
    name: 'roadcast_router_preauth_limit',
    help: 'preAuth.maxConnections of the policy in force (0: unlimited)',
    registers,
    collect() {
      if (source) this.set(source.preAuth().limit);
    },
  });
  new Gauge({
    name: 'roadcast_router_established_sessions',
    help: 'Vehicle sessions accepted by policy, counted against throttling.maxConnections',
    registers,
    collect() {
      if (source) this.set(source.sessions());
    },
  });
  new Gauge({
    name: 'roadcast_router_held_bytes',
    help: 'Bytes the router holds for vehicle connections: socket buffers, gathered writes, queued and partial packets; `largest` is the largest single connection',
    labelNames: ['scope'],
    registers,
    collect() {
      if (!source) return;
      const held = source.heldBytes();
      this.set({ scope: 'total' }, held.total);
      this.set({ scope: 'largest' }, held.largest);
    },
  });
  return {
    observe(s) {
      source = s;
    },
    bans: new Counter({
      name: 'roadcast_router_bans_total',
      help: 'Addresses banned after repeated failures before a session (network.authFailureBan)',
      registers,
    }),
    logSuppressed: new Counter({
      name: 'roadcast_router_log_suppressed_total',
      help: 'Log lines held back by the refusal log limits, by reason (the refusals are still counted)',
      labelNames: ['reason'],
      registers,
    }),
    connections: new Gauge({
      name: 'roadcast_router_connections',
      help: 'Vehicle connections by state',
      labelNames: ['state'],
      registers,
    }),
    accepted: new Counter({
      name: 'roadcast_router_sessions_total',
      help: 'Vehicle sessions relayed to a broker',
      registers,
    }),
    refusals,
    countRefusal(reason) {
      let child = refusalChildren.get(reason);
      if (!child) {
        child = refusals.labels({ reason });
        refusalChildren.set(reason, child);
      }
      child.inc();
    },
    tlsHandshakes: new Counter({
      name: 'roadcast_router_tls_handshakes_total',
      help: 'Completed vehicle TLS handshakes, by whether a session was resumed',
      labelNames: ['resumed'],
      registers,
    }),
    tlsFailures: new Counter({
      name: 'roadcast_router_tls_failures_total',
      help: 'Failed vehicle TLS handshakes, by error code',
      labelNames: ['code'],
      registers,
    }),
    closes: new Counter({
      name: 'roadcast_router_closes_total',
      help: 'Closed vehicle connections by reason',
      labelNames: ['reason'],
      registers,
    }),
    bytes,
    bytesUpstream: bytes.labels({ direction: 'upstream' }),
    bytesDownstream: bytes.labels({ direction: 'downstream' }),
    brokerFailures: new Counter({
      name: 'roadcast_router_broker_failures_total',
      help: 'Failed attempts to open a broker connection',
      labelNames: ['broker'],
      registers,
    }),
    connectSeconds: new Histogram({
      name: 'roadcast_router_connect_seconds',
      help: 'From CONNECT received to CONNACK sent',
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    policyVersion: new Gauge({
      name: 'roadcast_router_policy_version',
      help: 'Version of the policy in force (0: defaults)',
      registers,
    }),
    policyRejected: new Counter({
      name: 'roadcast_router_policy_rejected_total',
      help: 'Stored policy versions that failed validation and were not applied',
      registers,
    }),
    drained: new Counter({
      name: 'roadcast_router_drained_total',
      help: 'Vehicles told to reconnect elsewhere, by reason',
      labelNames: ['reason'],
      registers,
    }),
    routingFallbacks: new Counter({
      name: 'roadcast_router_routing_fallbacks_total',
      help: 'Vehicles whose pool was looked up while Redis (postgres) or Redis and Postgres (rendezvous) were unavailable',
      labelNames: ['source'],
      registers,
    }),
    redisFailures: new Counter({
      name: 'roadcast_router_redis_failures_total',
      help: 'Redis calls of the routing path that failed or timed out, by operation',
      labelNames: ['operation'],
      registers,
    }),
    presenceQueued: new Gauge({
      name: 'roadcast_router_presence_queued',
      help: 'Vehicles whose presence change waits for Redis',
      registers,
    }),
    presenceReplayed: new Counter({
      name: 'roadcast_router_presence_replayed_total',
      help: 'Queued presence changes written once Redis was back',
      registers,
    }),
    presenceDropped: new Counter({
      name: 'roadcast_router_presence_dropped_total',
      help: 'Queued presence changes dropped because the queue was full',
      registers,
    }),
    revoked: new Counter({
      name: 'roadcast_router_revoked_sessions_total',
      help: 'Open vehicle sessions ended because a reloaded CRL revokes their certificate',
      registers,
    }),
    throttled: new Counter({
      name: 'roadcast_router_throttled_seconds_total',
      help: 'Time relayed streams were held back by byte-rate limits; upstream is vehicle to broker',
      labelNames: ['direction'],
      registers,
    }),
  };
}
