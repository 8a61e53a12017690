import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrokenScenarioFile } from '../registry.js';
import type { Scenario, ScenarioOptions, ScenarioResult } from '../scenario.js';
import { aggregateRuns, type AggregatedScenario } from './aggregate.js';
import { machineDetails, machineDifference, type MachineDetails } from './machine.js';
import type { ProgressSink } from './progress.js';
import { resultProblems } from './validate-result.js';

export interface ScenarioOutcome {
  name: string;
  description: string;
  /**
   * `ok`: every run returned; `partial`: some did; `failed`: none did; `interrupted`: the
   * suite stopped before its runs ended.
   */
  status: 'ok' | 'partial' | 'failed' | 'interrupted';
  runs: ScenarioResult[];
  errors: string[];
  aggregate: AggregatedScenario;
  durationMs: number;
}

export interface SuiteResult {
  startedAt: string;
  finishedAt?: string;
  command: string;
  machine: MachineDetails;
  settings: {
    vehicles?: number;
    durationS?: number;
    repeat: number;
    smoke: boolean;
    timeoutS?: number;
  };
  scenarios: ScenarioOutcome[];
  /** Scenario files that exist but did not load. */
  broken: BrokenScenarioFile[];
  /** Scenarios the suite expects that no file provides yet. */
  missing: string[];
  /**
   * When the report merges separately run suites: each of them, so the report can name the
   * run and command every figure comes from.
   */
  merged?: Array<{
    command: string;
    /** Its --repeat; absent in results written before runs recorded it. */
    repeat?: number;
    startedAt: string;
    finishedAt?: string;
    scenarios: string[];
  }>;
}

export interface SuiteOptions {
  scenarios: readonly Scenario[];
  outDir: string;
  command: string;
  repeat: number;
  smoke: boolean;
  /** Longest time one run may take before the suite gives up on it. */
  timeoutS?: number;
  vehicles?: number;
  durationS?: number;
  broken?: BrokenScenarioFile[];
  missing?: string[];
  progress?: ProgressSink;
  /**
   * Called at the start and after every run with everything so far (the same object, updated
   * in place), so an interrupted suite keeps what it measured.
   */
  onUpdate?(suite: SuiteResult): void;
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.stack ?? err.message;
  return String(err);
}

/** Runs one scenario once, into its own folder, and keeps its raw result there. */
async function runOnce(
  scenario: Scenario,
  options: ScenarioOptions,
  timeoutS: number | undefined,
  machine: MachineDetails,
): Promise<ScenarioResult> {
  mkdirSync(options.outDir, { recursive: true });
  const result = await withTimeout(scenario.run(options), timeoutS);
  const problems = resultProblems(result);
  if (problems.length > 0)
    throw new Error(`malformed result from ${scenario.name}: ${problems.join('; ')}`);
  const elsewhere = machineDifference(machine, result.machine);
  if (elsewhere) throw new Error(`${scenario.name} reported another machine: ${elsewhere}`);
  writeFileSync(join(options.outDir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/**
 * A run that does not end in time is given up: the suite records it and goes on. What the
 * run started keeps running until the process exits, so later figures may be disturbed; the
 * report shows the timeout beside them.
 */
async function withTimeout<T>(work: Promise<T>, timeoutS: number | undefined): Promise<T> {
  if (timeoutS === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutS} s`)), timeoutS * 1000);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs each scenario `repeat` times, one after another. A scenario that throws is recorded
 * with its error and the suite goes on, so one broken scenario costs only its own figures.
 */
export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const suite: SuiteResult = {
    startedAt: new Date().toISOString(),
    command: options.command,
    machine: machineDetails(),
    settings: {
      ...(options.vehicles !== undefined ? { vehicles: options.vehicles } : {}),
      ...(options.durationS !== undefined ? { durationS: options.durationS } : {}),
      repeat: options.repeat,
      smoke: options.smoke,
      ...(options.timeoutS !== undefined ? { timeoutS: options.timeoutS } : {}),
    },
    scenarios: [],
    broken: options.broken ?? [],
    missing: options.missing ?? [],
  };
  options.onUpdate?.(suite);
  const total = options.scenarios.length;
  for (const [index, scenario] of options.scenarios.entries()) {
    const started = Date.now();
    // Listed as interrupted until its last run ends, so a suite stopped half-way says so.
    const outcome: ScenarioOutcome = {
      name: scenario.name,
      description: scenario.description,
      status: 'interrupted',
      runs: [],
      errors: [],
      aggregate: aggregateRuns([]),
      durationMs: 0,
    };
    suite.scenarios.push(outcome);
    for (let k = 1; k <= options.repeat; k += 1) {
      const label = `[${index + 1}/${total}] ${scenario.name}${options.repeat > 1 ? ` run ${k}/${options.repeat}` : ''}`;
      options.progress?.begin(label);
      const runOptions: ScenarioOptions = {
        outDir:
          options.repeat > 1
            ? join(options.outDir, scenario.name, `run-${k}`)
            : join(options.outDir, scenario.name),
        ...(options.vehicles !== undefined ? { vehicles: options.vehicles } : {}),
        ...(options.durationS !== undefined ? { durationS: options.durationS } : {}),
        ...(options.smoke ? { smoke: true } : {}),
        runIndex: k - 1,
        ...(options.progress ? { progress: options.progress.update.bind(options.progress) } : {}),
      };
      try {
        outcome.runs.push(await runOnce(scenario, runOptions, options.timeoutS, suite.machine));
        options.progress?.end('done');
      } catch (err) {
        outcome.errors.push(`run ${k}: ${errorText(err)}`);
        options.progress?.end(
          `failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
        );
      }
      outcome.aggregate = aggregateRuns(outcome.runs);
      outcome.durationMs = Date.now() - started;
      if (k === options.repeat) {
        outcome.status =
          outcome.errors.length === 0 ? 'ok' : outcome.runs.length > 0 ? 'partial' : 'failed';
      }
      options.onUpdate?.(suite);
    }
  }
  suite.finishedAt = new Date().toISOString();
  return suite;
}
