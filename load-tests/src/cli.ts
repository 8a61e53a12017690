/**
 * The benchmark entry point: `npm run bench -- <scenario|all> [options]` (see `--help`).
 * Exit codes: 0 when every scenario returned results (targets missed or not), 1 when a
 * scenario failed, 2 when the command line is wrong.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScenarios, EXPECTED_SCENARIOS } from './registry.js';
import { parseBenchArgs, UsageError, USAGE } from './runner/args.js';
import { closeOpenScopes } from './runner/cleanup.js';
import { assertSameMachine, MachineMismatchError, mergeSuites } from './runner/merge-suites.js';
import { createProgress } from './runner/progress.js';
import { runSuite, type SuiteResult } from './runner/run-suite.js';
import { publishReport, writeRunFiles } from './report/write-report.js';

const PACKAGE_DIR = resolve(import.meta.dirname, '..');
// Long enough for the largest default size on a small machine; a hung run must not hold
// the rest of the suite hostage.
const DEFAULT_TIMEOUT_S = 3600;

function timestamp(date = new Date()): string {
  return date
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
}

async function main(argv: readonly string[]): Promise<number> {
  const catalog = await loadScenarios();
  const names = catalog.scenarios.map((s) => s.name);
  let args;
  try {
    args = parseBenchArgs(argv, names);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(err.message);
      return err.exitCode;
    }
    throw err;
  }
  if (args.help) {
    console.log(`${USAGE}\n\nScenarios: ${names.join(', ') || '(none found)'}`);
    return 0;
  }
  if (args.reportDirs !== undefined) {
    const dirs = args.reportDirs.map((d) => resolve(d));
    const suites = dirs.map(
      (d) => JSON.parse(readFileSync(join(d, 'results.json'), 'utf8')) as SuiteResult,
    );
    let suite: SuiteResult;
    try {
      suite =
        dirs.length === 1
          ? (assertSameMachine(suites), suites[0] as SuiteResult)
          : mergeSuites(suites);
    } catch (err) {
      if (!(err instanceof MachineMismatchError)) throw err;
      console.error(`Refused: ${err.message}`);
      return 2;
    }
    // One folder is rewritten in place; a merge gets a folder of its own, so its inputs stay
    // as they were.
    const dir =
      dirs.length === 1
        ? (dirs[0] as string)
        : resolve(args.outDir ?? join(PACKAGE_DIR, 'out', `${timestamp()}-merged`));
    writeRunFiles(dir, suite);
    console.log(`Report: ${join(dir, 'report.md')}`);
    if (args.publish) console.log(`Published: ${publishReport(PACKAGE_DIR, suite, dir)}`);
    return 0;
  }
  for (const b of catalog.broken)
    console.error(`warning: scenario file ${b.file} did not load: ${b.error.split('\n')[0]}`);

  const outDir = resolve(args.outDir ?? join(PACKAGE_DIR, 'out', timestamp()));
  const selected = catalog.scenarios.filter((s) => args.scenarios.includes(s.name));
  console.error(`Writing results to ${outDir}`);
  // Ctrl-C ends the run but keeps what was measured; the scenario in progress is marked
  // interrupted, and what it started (processes, brokers, databases, Redis keys) is undone
  // before the process exits.
  let current: SuiteResult | undefined;
  let interrupted = false;
  const interrupt = (): void => {
    if (interrupted) return;
    interrupted = true;
    if (current) {
      for (const outcome of current.scenarios) {
        if (outcome.status !== 'interrupted') continue;
        const run = outcome.runs.length + outcome.errors.length + 1;
        outcome.errors.push(`run ${run}: stopped by an interrupt before it ended`);
      }
      writeRunFiles(outDir, current);
    }
    console.error(`\nInterrupted; cleaning up. Results so far are in ${outDir}`);
    void closeOpenScopes(60_000).then((failures) => {
      for (const f of failures) console.error(`clean-up: ${f}`);
      process.exit(130);
    });
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const suite = await runSuite({
    scenarios: args.scenarios
      .map((name) => selected.find((s) => s.name === name))
      .filter((s) => s !== undefined),
    outDir,
    command: ['npm run bench --', ...argv].join(' '),
    repeat: args.repeat,
    smoke: args.smoke,
    timeoutS: args.timeoutS ?? DEFAULT_TIMEOUT_S,
    ...(args.vehicles !== undefined ? { vehicles: args.vehicles } : {}),
    ...(args.durationS !== undefined ? { durationS: args.durationS } : {}),
    broken: catalog.broken,
    // Only a run of the whole suite is expected to cover every scenario.
    missing: args.all ? EXPECTED_SCENARIOS.filter((n) => !names.includes(n)) : [],
    progress: createProgress(),
    onUpdate: (partial) => {
      current = partial;
      writeRunFiles(outDir, partial);
    },
  });
  process.off('SIGINT', interrupt);
  process.off('SIGTERM', interrupt);
  writeRunFiles(outDir, suite);
  console.log(`Report: ${join(outDir, 'report.md')}`);
  console.log(`Results: ${join(outDir, 'results.json')}`);
  if (args.publish) console.log(`Published: ${publishReport(PACKAGE_DIR, suite, outDir)}`);
  return suite.scenarios.some((s) => s.status !== 'ok') ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    // A scenario that leaks a socket or timer must not keep the benchmark from ending.
    process.exit(code);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
