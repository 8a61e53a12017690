import type { CampaignOptions, WaveSpec } from '@roadcast/contracts';

/**
 * Scenarios: presets that show one campaign-control feature each with a single command. A
 * scenario sets fleet knobs (spelled as on the command line) and the campaign it creates
 * (waves and options); whatever the command line gives explicitly wins over the scenario.
 */

/** Command-line values before they are parsed: text for valued options, true for switches. */
export type RawFlags = Record<string, string | boolean | undefined>;

/** Registering part of the fleet only after the campaign started (dynamic campaigns). */
export interface LateRegistration {
  /** Share of the vehicles registered late, 0..1. */
  share: number;
  afterSeconds: number;
}

export interface Scenario {
  /** One line for --help. */
  summary: string;
  /** Fleet knobs, as the command line spells them (without the leading dashes). */
  flags: RawFlags;
  /** The campaign's waves; replaced by an explicit --waves. */
  waves?: WaveSpec[];
  /** The campaign's options; `now` places anything relative to the start of the run. */
  options?: (now: Date) => CampaignOptions;
  /** Target the vehicles by a tag of this run, and register some of them later. */
  lateRegistration?: LateRegistration;
}

/** Every scenario registers its vehicles and creates a campaign for them. */
const CAMPAIGN: RawFlags = { register: true, campaign: true };

const hhmm = (date: Date): string => date.toISOString().slice(11, 16);

/** A window on every day, opening `inMinutes` after `now` (UTC) and lasting `minutes`. */
export function windowSoon(now: Date, inMinutes: number, minutes: number) {
  // Whole minutes: the window opens at the start of the minute `inMinutes` from now.
  const start = new Date(Math.ceil(now.getTime() / 60_000) * 60_000 + inMinutes * 60_000);
  const end = new Date(start.getTime() + minutes * 60_000);
  return { days: [1, 2, 3, 4, 5, 6, 7], start: hhmm(start), end: hhmm(end) };
}

export const SCENARIOS: Record<string, Scenario> = {
  timeouts: {
    summary: 'some installs stall; a 30 s in-progress timeout makes them timed_out and pauses',
    flags: { ...CAMPAIGN, 'stall-rate': '0.15', 'tunnel-share': '0' },
    waves: [{ percent: 20, failureThreshold: 0.1 }, { percent: 100 }],
    options: () => ({ inProgressTimeout: 30, onFailureThreshold: 'pause' }),
  },
  retry: {
    summary: 'a third of the installs fail once; automatic retries (10 s backoff) succeed',
    flags: { ...CAMPAIGN, 'failure-rate': '0.3', 'failed-attempts': '1' },
    waves: [{ percent: 100, failureThreshold: 0.5 }],
    options: () => ({ retry: { maxAttempts: 3, backoffSeconds: 10 } }),
  },
  abort: {
    summary: '40 % of the installs fail; crossing the threshold cancels the campaign',
    flags: { ...CAMPAIGN, 'failure-rate': '0.4' },
    waves: [{ percent: 10, failureThreshold: 0.2 }, { percent: 100 }],
    options: () => ({ onFailureThreshold: 'cancel' }),
  },
  approval: {
    summary: 'waves 10/50/100 %; the second waits for an operator to approve it',
    flags: { ...CAMPAIGN },
    waves: [{ percent: 10 }, { percent: 50, requiresApproval: true }, { percent: 100 }],
  },
  reachability: {
    summary: '30 % of the vehicles stay parked; thresholds count only vehicles that answered',
    flags: { ...CAMPAIGN, 'parked-share': '0.3' },
    waves: [{ percent: 20 }, { percent: 60 }, { percent: 100 }],
    options: () => ({ thresholdBasis: 'reached' }),
  },
  rate: {
    summary: 'at most 60 notices a minute, ramping up from 5 and doubling every 20 s',
    flags: { ...CAMPAIGN, vehicles: '200' },
    options: () => ({
      rate: { maxPerMinute: 60, ramp: { initialPerMinute: 5, factor: 2, stepSeconds: 20 } },
    }),
  },
  window: {
    summary: 'notices wait for a maintenance window opening in 2 minutes (UTC) for 10 minutes',
    flags: { ...CAMPAIGN },
    options: (now) => ({ maintenanceWindows: [windowSoon(now, 2, 10)] }),
  },
  'healthy-boot': {
    summary: '20 % fall back to the old version on reboot; installs count after 30 s healthy',
    flags: { ...CAMPAIGN, 'boot-failure-rate': '0.2', 'observe-boot': '30' },
    waves: [{ percent: 100, failureThreshold: 0.5 }],
  },
  dynamic: {
    summary: 'campaign over a tag filter; half the fleet is registered 30 s later and joins',
    flags: { ...CAMPAIGN },
    options: () => ({ dynamic: true }),
    lateRegistration: { share: 0.5, afterSeconds: 30 },
  },
};

/** The scenario lines of --help. */
export function scenarioUsage(): string {
  const width = Math.max(...Object.keys(SCENARIOS).map((name) => name.length));
  return Object.entries(SCENARIOS)
    .map(([name, s]) => `  ${name.padEnd(width)}  ${s.summary}\n`)
    .join('');
}

export interface ScenarioResult {
  /** The values to parse: defaults, then the scenario's, then the explicit ones. */
  flags: RawFlags;
  /** Waves with their settings, when the scenario sets them and --waves was not given. */
  waves: WaveSpec[] | undefined;
  options: CampaignOptions;
  lateRegistration: LateRegistration | undefined;
}

/**
 * Lays the scenario `name` (if any) over `defaults`, and the explicitly given values over
 * both. Throws an Error naming the valid scenarios for an unknown name.
 */
export function applyScenario(
  name: string | undefined,
  defaults: RawFlags,
  explicit: RawFlags,
  now: Date,
): ScenarioResult {
  const given = Object.fromEntries(Object.entries(explicit).filter(([, v]) => v !== undefined));
  if (name === undefined) {
    return {
      flags: { ...defaults, ...given },
      waves: undefined,
      options: {},
      lateRegistration: undefined,
    };
  }
  const scenario = Object.hasOwn(SCENARIOS, name) ? SCENARIOS[name] : undefined;
  if (!scenario) {
    throw new Error(
      `--scenario: unknown scenario '${name}'; valid are ${Object.keys(SCENARIOS).join(', ')}`,
    );
  }
  return {
    flags: { ...defaults, ...scenario.flags, ...given },
    waves: given.waves === undefined ? scenario.waves : undefined,
    options: scenario.options?.(now) ?? {},
    lateRegistration: scenario.lateRegistration,
  };
}

/**
 * Whether vehicle `index` of the fleet stays parked (never connects): `share` of the fleet,
 * spread evenly over it so every wave has some.
 */
export function isParked(index: number, share: number): boolean {
  return Math.floor((index + 1) * share) > Math.floor(index * share);
}
