import { parseArgs } from 'node:util';
import type { CampaignOptions, WaveSpec } from '@roadcast/contracts';
import { applyScenario, scenarioUsage, type LateRegistration, type RawFlags } from './scenarios.js';

export interface SimulatorOptions {
  vehicles: number;
  /** Number of the first development vehicle id, so several simulators can run side by side. */
  first: number;
  register: boolean;
  campaign: boolean;
  /** The scenario the run follows, if any (see scenarios.ts). */
  scenario: string | undefined;
  /** Waves of the campaign created with --campaign: cumulative percentages and settings. */
  waves: WaveSpec[];
  /** Options of that campaign (healthy boot included when --observe-boot is set). */
  campaignOptions: CampaignOptions;
  /** Target the vehicles by a tag of the run and register this share of them later. */
  lateRegistration: LateRegistration | undefined;
  /** Version the campaign offers; undefined: the next after the newest the vehicles run. */
  updateVersion: string | undefined;
  installedVersion: string;
  tunnelShare: number;
  /** Share of vehicles that are registered and targeted but never connect. */
  parkedShare: number;
  offlineMs: [number, number];
  onlineMs: [number, number];
  uncleanShare: number;
  installStepMs: [number, number];
  failureRate: number;
  /** Attempts of a campaign a failing vehicle fails before one succeeds; Infinity: all. */
  failedAttempts: number;
  stallRate: number;
  /** Share of vehicles that fall back to the old version after installing. */
  bootFailureRate: number;
  /** Healthy-boot observation of the campaign (seconds); 0: installed counts at once. */
  observeBootS: number;
  protocolVersion: 4 | 5;
  durationS: number;
  connectConcurrency: number;
  seed: number;
  help: boolean;
}

export const USAGE = `npm run simulate -- [options]

  --scenario NAME         show one campaign-control feature: registers the vehicles, creates
                          a campaign set up for it and sets fleet options; options given on
                          the command line win over the scenario's (see below)
  --vehicles N            simulated vehicles (default 100)
  --first N               number of the first development vehicle id (default 1)
  --register              register the vehicles through the API first
  --campaign              create a campaign for the simulated vehicles and run until it ends
  --waves 10,50,100       cumulative wave percentages of that campaign (default 100)
  --update-version V      version the campaign offers (default: the next major version after
                          the newest the vehicles run, so every run offers a new one)
  --installed-version V   version the vehicles run (default 1.0.0)
  --parked-share S        share of vehicles registered and targeted that never connect
                          (default 0)
  --tunnel-share S        share of vehicles driving through tunnels, 0..1 (default 0.3)
  --offline-ms A-B        length of a tunnel (default 2000-20000)
  --online-ms A-B         time between tunnels (default 5000-30000)
  --unclean-share S       share of drop-outs without DISCONNECT (default 0.5)
  --install-ms A-B        time of each install step (default 500-3000)
  --failure-rate S        share of vehicles whose install fails (default 0)
  --failed-attempts N     those vehicles fail only their first N attempts of a campaign, so a
                          retry succeeds (default: every attempt fails)
  --stall-rate S          share of vehicles whose install never finishes: silent after
                          installing, for in-progress timeouts (default 0)
  --boot-failure-rate S   share of vehicles that install the update but fall back to the old
                          version when they reboot, and report so (default 0)
  --observe-boot S        the campaign counts an install only after S seconds of healthy boot
                          on the new version (healthy boot; default 0: off)
  --protocol 4|5          MQTT 3.1.1 or 5 (default 5)
  --duration S            stop after S seconds (default: Ctrl-C, or the campaign's end)
  --connect-concurrency N vehicles connecting at once (default 20)
  --seed N                random seed, for a repeatable run (default 1)

Scenarios (--scenario NAME):
${scenarioUsage()}
A maintenance window is read in the vehicles' region ('simulation'), UTC unless configured.
The dynamic scenario targets a tag of the run, registers half the fleet at the start and
the other half later; those vehicles join the running wave.
`;

function range(text: string, name: string): [number, number] {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!match) throw new Error(`--${name} must be a number of milliseconds or a range A-B`);
  const a = Number(match[1]);
  const b = match[2] === undefined ? a : Number(match[2]);
  if (b < a) throw new Error(`--${name}: ${a} is more than ${b}`);
  return [a, b];
}

function number(text: string, name: string, min: number, max: number, integer = false): number {
  const value = Number(text);
  if (
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    throw new Error(
      `--${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`,
    );
  }
  return value;
}

/** Values of the options not given on the command line nor set by a scenario. */
const DEFAULTS: RawFlags = {
  vehicles: '100',
  first: '1',
  register: false,
  campaign: false,
  waves: '100',
  'installed-version': '1.0.0',
  'parked-share': '0',
  'tunnel-share': '0.3',
  'offline-ms': '2000-20000',
  'online-ms': '5000-30000',
  'unclean-share': '0.5',
  'install-ms': '500-3000',
  'failure-rate': '0',
  'stall-rate': '0',
  'boot-failure-rate': '0',
  'observe-boot': '0',
  protocol: '5',
  duration: '0',
  'connect-concurrency': '20',
  seed: '1',
};

/**
 * Parses the command line; throws an Error whose message is meant for the user. `now` places
 * what a scenario sets relative to the start of the run (maintenance windows).
 */
export function parseSimulatorArgs(argv: string[], now = new Date()): SimulatorOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      scenario: { type: 'string' },
      vehicles: { type: 'string' },
      first: { type: 'string' },
      register: { type: 'boolean' },
      campaign: { type: 'boolean' },
      waves: { type: 'string' },
      'update-version': { type: 'string' },
      'installed-version': { type: 'string' },
      'parked-share': { type: 'string' },
      'tunnel-share': { type: 'string' },
      'offline-ms': { type: 'string' },
      'online-ms': { type: 'string' },
      'unclean-share': { type: 'string' },
      'install-ms': { type: 'string' },
      'failure-rate': { type: 'string' },
      'failed-attempts': { type: 'string' },
      'stall-rate': { type: 'string' },
      'boot-failure-rate': { type: 'string' },
      'observe-boot': { type: 'string' },
      protocol: { type: 'string' },
      duration: { type: 'string' },
      'connect-concurrency': { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const { scenario, help, ...explicit } = values;
  const merged = applyScenario(scenario, DEFAULTS, explicit, now);
  const text = (name: string): string => {
    const value = merged.flags[name];
    if (typeof value !== 'string') throw new Error(`--${name} needs a value`);
    return value;
  };
  const optional = (name: string): string | undefined => {
    const value = merged.flags[name];
    return typeof value === 'string' ? value : undefined;
  };
  const flag = (name: string): boolean => merged.flags[name] === true;
  const percents = text('waves')
    .split(',')
    .map((w) => number(w, 'waves', 0.01, 100));
  if (percents.some((w, i) => i > 0 && w <= percents[i - 1]!) || percents.at(-1) !== 100) {
    throw new Error('--waves must increase and end at 100');
  }
  const protocol = number(text('protocol'), 'protocol', 4, 5, true);
  const observeBootS = number(text('observe-boot'), 'observe-boot', 0, 86_400, true);
  const failedAttempts = optional('failed-attempts');
  return {
    vehicles: number(text('vehicles'), 'vehicles', 1, 1_000_000, true),
    first: number(text('first'), 'first', 1, 999_999_999, true),
    register: flag('register'),
    campaign: flag('campaign'),
    scenario,
    waves: merged.waves ?? percents.map((percent) => ({ percent })),
    campaignOptions: {
      ...merged.options,
      ...(observeBootS > 0 ? { healthyBoot: { observationSeconds: observeBootS } } : {}),
    },
    lateRegistration: merged.lateRegistration,
    updateVersion: optional('update-version'),
    installedVersion: text('installed-version'),
    parkedShare: number(text('parked-share'), 'parked-share', 0, 0.99),
    tunnelShare: number(text('tunnel-share'), 'tunnel-share', 0, 1),
    offlineMs: range(text('offline-ms'), 'offline-ms'),
    onlineMs: range(text('online-ms'), 'online-ms'),
    uncleanShare: number(text('unclean-share'), 'unclean-share', 0, 1),
    installStepMs: range(text('install-ms'), 'install-ms'),
    failureRate: number(text('failure-rate'), 'failure-rate', 0, 1),
    failedAttempts:
      failedAttempts === undefined
        ? Infinity
        : number(failedAttempts, 'failed-attempts', 1, 100, true),
    stallRate: number(text('stall-rate'), 'stall-rate', 0, 1),
    bootFailureRate: number(text('boot-failure-rate'), 'boot-failure-rate', 0, 1),
    observeBootS,
    protocolVersion: protocol === 4 ? 4 : 5,
    durationS: number(text('duration'), 'duration', 0, 31_536_000),
    connectConcurrency: number(text('connect-concurrency'), 'connect-concurrency', 1, 10_000, true),
    seed: number(text('seed'), 'seed', 0, 2 ** 32 - 1, true),
    help: help === true,
  };
}
