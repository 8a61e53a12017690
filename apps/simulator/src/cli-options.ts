import { parseArgs } from 'node:util';

export interface SimulatorOptions {
  vehicles: number;
  /** Number of the first development vehicle id, so several simulators can run side by side. */
  first: number;
  register: boolean;
  campaign: boolean;
  /** Cumulative wave percentages of the campaign created with --campaign. */
  waves: number[];
  /** Version the campaign offers; undefined: the next after the newest the vehicles run. */
  updateVersion: string | undefined;
  installedVersion: string;
  tunnelShare: number;
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

  --vehicles N            simulated vehicles (default 100)
  --first N               number of the first development vehicle id (default 1)
  --register              register the vehicles through the API first
  --campaign              create a campaign for the simulated vehicles and run until it ends
  --waves 10,50,100       cumulative wave percentages of that campaign (default 100)
  --update-version V      version the campaign offers (default: the next major version after
                          the newest the vehicles run, so every run offers a new one)
  --installed-version V   version the vehicles run (default 1.0.0)
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

/** Parses the command line; throws an Error whose message is meant for the user. */
export function parseSimulatorArgs(argv: string[]): SimulatorOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      vehicles: { type: 'string', default: '100' },
      first: { type: 'string', default: '1' },
      register: { type: 'boolean', default: false },
      campaign: { type: 'boolean', default: false },
      waves: { type: 'string', default: '100' },
      'update-version': { type: 'string' },
      'installed-version': { type: 'string', default: '1.0.0' },
      'tunnel-share': { type: 'string', default: '0.3' },
      'offline-ms': { type: 'string', default: '2000-20000' },
      'online-ms': { type: 'string', default: '5000-30000' },
      'unclean-share': { type: 'string', default: '0.5' },
      'install-ms': { type: 'string', default: '500-3000' },
      'failure-rate': { type: 'string', default: '0' },
      'failed-attempts': { type: 'string' },
      'stall-rate': { type: 'string', default: '0' },
      'boot-failure-rate': { type: 'string', default: '0' },
      'observe-boot': { type: 'string', default: '0' },
      protocol: { type: 'string', default: '5' },
      duration: { type: 'string', default: '0' },
      'connect-concurrency': { type: 'string', default: '20' },
      seed: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const waves = values.waves.split(',').map((w) => number(w, 'waves', 0.01, 100));
  if (waves.some((w, i) => i > 0 && w <= waves[i - 1]!) || waves.at(-1) !== 100) {
    throw new Error('--waves must increase and end at 100');
  }
  const protocol = number(values.protocol, 'protocol', 4, 5, true);
  return {
    vehicles: number(values.vehicles, 'vehicles', 1, 1_000_000, true),
    first: number(values.first, 'first', 1, 999_999_999, true),
    register: values.register,
    campaign: values.campaign,
    waves,
    updateVersion: values['update-version'],
    installedVersion: values['installed-version'],
    tunnelShare: number(values['tunnel-share'], 'tunnel-share', 0, 1),
    offlineMs: range(values['offline-ms'], 'offline-ms'),
    onlineMs: range(values['online-ms'], 'online-ms'),
    uncleanShare: number(values['unclean-share'], 'unclean-share', 0, 1),
    installStepMs: range(values['install-ms'], 'install-ms'),
    failureRate: number(values['failure-rate'], 'failure-rate', 0, 1),
    failedAttempts:
      values['failed-attempts'] === undefined
        ? Infinity
        : number(values['failed-attempts'], 'failed-attempts', 1, 100, true),
    stallRate: number(values['stall-rate'], 'stall-rate', 0, 1),
    bootFailureRate: number(values['boot-failure-rate'], 'boot-failure-rate', 0, 1),
    observeBootS: number(values['observe-boot'], 'observe-boot', 0, 86_400, true),
    protocolVersion: protocol === 4 ? 4 : 5,
    durationS: number(values.duration, 'duration', 0, 31_536_000),
    connectConcurrency: number(
      values['connect-concurrency'],
      'connect-concurrency',
      1,
      10_000,
      true,
    ),
    seed: number(values.seed, 'seed', 0, 2 ** 32 - 1, true),
    help: values.help,
  };
}
