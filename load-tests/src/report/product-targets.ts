import type { AggregatedMeasurement } from '../runner/aggregate.js';

/**
 * The targets Roadcast is held to, in the words fleet engineers read them. Each names the
 * scenarios that measure it and how to recognise its measurement there, so the report can
 * say which targets a run could not check, and why.
 */
export interface ProductTarget {
  id: string;
  text: string;
  scenarios: readonly string[];
  /** Tested against the measurement's name, unit and target text. */
  pattern: RegExp;
}

// Most specific first: a measurement is claimed by the first target it matches.
export const PRODUCT_TARGETS: readonly ProductTarget[] = [
  {
    id: 'router-latency',
    text: 'Router p99 added latency ≤ HAProxy + 1 ms',
    scenarios: ['router-throughput', 'router-connections'],
    pattern: /p99|latency/i,
  },
  {
    id: 'router-throughput',
    text: 'Router throughput ≥ 0.9× HAProxy',
    scenarios: ['router-throughput'],
    pattern: /throughput|\/s\b|rate/i,
  },
  {
    id: 'router-memory',
    text: 'Router memory per idle connection ≤ HAProxy’s',
    scenarios: ['router-connections'],
    pattern: /memory|rss|heap|bytes|[KMG]i?B\b/i,
  },
  {
    id: 'api-status-p99',
    text: 'API status p99 ≤ 25 ms during fan-out',
    scenarios: ['api', 'fanout'],
    pattern: /status|p99|latency/i,
  },
  {
    id: 'materialize',
    text: '1,000,000 deliveries materialized ≤ 10 s',
    scenarios: ['api', 'fanout'],
    pattern: /materiali[sz]|deliveries|insert/i,
  },
  {
    id: 'fanout-rate',
    text: 'Fan-out ≥ 0.5× raw publish rate',
    scenarios: ['fanout'],
    pattern: /fan-?out|publish/i,
  },
  {
    id: 'tunnel-storm',
    text: 'Tunnel storm: 10,000 vehicles fully acknowledged ≤ 30 s',
    scenarios: ['tunnel-storm'],
    pattern: /storm|acknowledged|reconnect|ack|catch|time/i,
  },
  {
    id: 'ack-rate',
    text: '≥ 20,000 acks/s',
    scenarios: ['acks'],
    pattern: /ack|\/s\b|rate|throughput/i,
  },
];

export interface TargetMatch {
  target: ProductTarget;
  scenario: string;
  measurement: AggregatedMeasurement;
}

/**
 * Pairs product targets with the measurements that check them. Only measurements that carry
 * a target of their own take part; each is claimed by at most one product target.
 */
export function matchProductTargets(
  scenarios: ReadonlyArray<{ name: string; measurements: readonly AggregatedMeasurement[] }>,
): TargetMatch[] {
  const claimed = new Set<AggregatedMeasurement>();
  const matches: TargetMatch[] = [];
  for (const target of PRODUCT_TARGETS) {
    for (const scenario of scenarios) {
      if (!target.scenarios.includes(scenario.name)) continue;
      for (const m of scenario.measurements) {
        if (claimed.has(m) || (m.target === undefined && m.goal === undefined)) continue;
        if (!target.pattern.test(`${m.name} ${m.unit} ${m.target ?? ''}`)) continue;
        claimed.add(m);
        matches.push({ target, scenario: scenario.name, measurement: m });
      }
    }
  }
  return matches;
}
