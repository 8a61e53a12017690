import type { AggregatedMeasurement } from '../runner/aggregate.js';

/**
 * The targets Roadcast is held to, in the words fleet engineers read them. A scenario marks
 * the measurement that checks a target with the target's `id` (`targetId`), so the report
 * pairs them by name and can say which targets a run could not check, and why.
 */
export interface ProductTarget {
  id: string;
  text: string;
  /** The scenarios that can measure it, for the reason shown when none did. */
  scenarios: readonly string[];
  /** When only some runs of those scenarios measure it (a fleet size), said when none did. */
  condition?: string;
}

const AT_A_MILLION =
  'measured only at 1,000,000 vehicles (the scaling sweep, or fanout --vehicles 1000000)';

export const PRODUCT_TARGETS: readonly ProductTarget[] = [
  {
    id: 'fanout-bridge-cpu',
    text: 'Fan-out: bridge ≤ 80 µs of CPU per notice',
    scenarios: ['fanout'],
  },
  {
    id: 'fanout-rate',
    text: 'Fan-out rate ≥ 0.5× the MQTT.js raw publisher (same run)',
    scenarios: ['fanout'],
  },
  {
    id: 'campaign-create',
    condition: AT_A_MILLION,
    text: '1,000,000-vehicle campaign: create answered ≤ 1 s',
    scenarios: ['scaling', 'fanout'],
  },
  {
    id: 'campaign-first-notice',
    condition: AT_A_MILLION,
    text: '1,000,000-vehicle campaign: first notice ≤ 5 s',
    scenarios: ['scaling', 'fanout'],
  },
  {
    id: 'campaign-complete',
    condition: AT_A_MILLION,
    text: '1,000,000-vehicle campaign: all published and recorded ≤ 180 s',
    scenarios: ['scaling', 'fanout'],
  },
  {
    id: 'campaign-growth',
    condition: 'measured when the scaling sweep reaches both 100,000 and 1,000,000 vehicles',
    text: 'Campaign time from 100,000 to 1,000,000 vehicles grows no worse than linearly',
    scenarios: ['scaling'],
  },
  {
    id: 'api-status-p99',
    text: 'API campaign status p99 ≤ 25 ms at 500 req/s (open loop) during a fan-out',
    scenarios: ['api'],
  },
  {
    id: 'router-cpu',
    text: 'Router CPU per relayed message ≤ 1.5× HAProxy’s (same run)',
    scenarios: ['router-throughput'],
  },
  {
    id: 'router-memory',
    text: 'Router memory per idle mTLS connection ≤ 1.5× HAProxy’s (same run)',
    scenarios: ['router-connections'],
  },
  {
    id: 'ack-rate',
    text: 'Acks ≥ 1.0× the bare batched UPDATE (per-ack Postgres CPU stated)',
    scenarios: ['acks'],
  },
  {
    id: 'tunnel-storm',
    text: 'Tunnel storm, multi-process fleet: ≤ 1.2× the same fleet straight to Mosquitto',
    scenarios: ['tunnel-storm'],
  },
  {
    id: 'hostile-throughput',
    text: 'Under attack: relay throughput ≥ 0.9× the same fleet without attack',
    scenarios: ['hostile'],
  },
  {
    id: 'hostile-connected',
    text: 'Under attack: 100 % of certified vehicles connected',
    scenarios: ['hostile'],
  },
];

export interface TargetMatch {
  target: ProductTarget;
  scenario: string;
  measurement: AggregatedMeasurement;
}

/** Pairs product targets with the measurements that name them, in the targets' order. */
export function matchProductTargets(
  scenarios: ReadonlyArray<{ name: string; measurements: readonly AggregatedMeasurement[] }>,
): TargetMatch[] {
  const matches: TargetMatch[] = [];
  for (const target of PRODUCT_TARGETS) {
    for (const scenario of scenarios) {
      for (const m of scenario.measurements) {
        if (m.targetId === target.id)
          matches.push({ target, scenario: scenario.name, measurement: m });
      }
    }
  }
  return matches;
}
