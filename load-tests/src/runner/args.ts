import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run bench -- <scenario|all> [scenario ...] [options]

Options:
  --vehicles N   fleet size, where the scenario has one (each has its own default)
  --duration S   measuring time in seconds, for time-based scenarios
  --repeat K     run each scenario K times and report median and spread (default 1)
  --out DIR      where results go (default load-tests/out/<timestamp>/)
  --timeout S    give up on a run after S seconds and go on (default 3600)
  --smoke        tiny sizes that prove the harness works; the numbers mean nothing
  --publish      also write the report to load-tests/RESULTS.md
  --report DIR   run nothing: write the report again from DIR/results.json; several
                 comma-separated folders make one report of runs done separately
  --help         show this text`;

/** A mistake in how the command was called: print the message and exit with code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

export interface BenchArgs {
  /** Scenario names in the order given; `all` expanded. */
  scenarios: string[];
  /** Whether `all` was asked for. */
  all: boolean;
  vehicles?: number;
  durationS?: number;
  timeoutS?: number;
  repeat: number;
  outDir?: string;
  smoke: boolean;
  publish: boolean;
  help: boolean;
  /** Re-render the report of earlier runs from their folders instead of running anything. */
  reportDirs?: string[];
}

function positiveInteger(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`--${flag} needs a whole number of at least 1, got '${raw}'`);
  return value;
}

function positiveNumber(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new UsageError(`--${flag} needs a number above 0, got '${raw}'`);
  return value;
}

/**
 * Reads the command line against the scenarios that exist. Names may also be given
 * comma-separated; `all` means every scenario in suite order.
 */
export function parseBenchArgs(argv: readonly string[], available: readonly string[]): BenchArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  const help = values.help === true;
  const requested = positionals.flatMap((p) => p.split(',')).filter((p) => p.length > 0);
  if (!help && values.report === undefined && requested.length === 0) {
    throw new UsageError(
      `Name a scenario or 'all'. Scenarios: ${available.join(', ') || '(none found)'}\n\n${USAGE}`,
    );
  }
  const unknown = requested.filter((name) => name !== 'all' && !available.includes(name));
  if (unknown.length > 0) {
    const list = unknown.map((n) => `'${n}'`).join(', ');
    const near = unknown.flatMap((n) => {
      const guess = closest(n, available);
      return guess ? [`'${guess}'`] : [];
    });
    throw new UsageError(
      `Unknown scenario ${list}. Valid names: all, ${available.join(', ') || '(no scenarios found)'}` +
        (near.length > 0 ? `\nDid you mean ${near.join(', ')}?` : ''),
    );
  }
  const scenarios: string[] = [];
  for (const name of requested) {
    for (const each of name === 'all' ? available : [name])
      if (!scenarios.includes(each)) scenarios.push(each);
  }
  const vehicles = positiveInteger('vehicles', values.vehicles);
  const durationS = positiveNumber('duration', values.duration);
  const timeoutS = positiveNumber('timeout', values.timeout);
  return {
    scenarios,
    all: requested.includes('all'),
    ...(vehicles !== undefined ? { vehicles } : {}),
    ...(durationS !== undefined ? { durationS } : {}),
    ...(timeoutS !== undefined ? { timeoutS } : {}),
    repeat: positiveInteger('repeat', values.repeat) ?? 1,
    ...(values.out !== undefined ? { outDir: values.out } : {}),
    smoke: values.smoke === true,
    publish: values.publish === true,
    help,
    ...(values.report !== undefined
      ? { reportDirs: values.report.split(',').filter((d) => d.length > 0) }
      : {}),
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      vehicles: { type: 'string' },
      duration: { type: 'string' },
      timeout: { type: 'string' },
      repeat: { type: 'string' },
      out: { type: 'string' },
      smoke: { type: 'boolean' },
      publish: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      report: { type: 'string' },
    },
  });
}

/** The valid name within two edits of a mistyped one, if there is exactly one nearest. */
function closest(name: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of names) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
