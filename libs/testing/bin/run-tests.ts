/**
 * Runs every `*.test.ts` under the given folders (default: the whole workspace) with node's
 * test runner, each file in its own process, and ends with one plain summary line
 * `N passed, N failed, N skipped` that CI reads.
 *
 *   node --import tsx libs/testing/bin/run-tests.ts [dir|file ...]
 *   TEST_CONCURRENCY=2 TEST_NAME_PATTERN='broker' ...
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const workspace = resolve(import.meta.dirname, '../../..');
const SKIP_DIRS = new Set(['node_modules', '.nx', '.data', 'dist', 'generated', '.git']);

function findTests(path: string, out: string[]): void {
  const stat = statSync(path);
  if (stat.isFile()) {
    if (path.endsWith('.test.ts')) out.push(path);
    return;
  }
  for (const entry of readdirSync(path)) {
    if (SKIP_DIRS.has(entry)) continue;
    findTests(join(path, entry), out);
  }
}

const roots = process.argv.slice(2);
const files: string[] = [];
for (const root of roots.length > 0 ? roots : ['apps', 'libs', 'load-tests', 'infra', 'prisma']) {
  const abs = resolve(roots.length > 0 ? process.cwd() : workspace, root);
  try {
    findTests(abs, files);
  } catch {
    // A missing default folder simply holds no tests.
  }
}
files.sort();

const concurrency = Number(process.env.TEST_CONCURRENCY ?? 2);
const namePatterns = process.env.TEST_NAME_PATTERN
  ? [new RegExp(process.env.TEST_NAME_PATTERN)]
  : undefined;

let passed = 0;
let failed = 0;
let skipped = 0;
const failures: string[] = [];
const fileNames = new Set(files);

const stream = run({
  files,
  concurrency,
  timeout: Number(process.env.TEST_FILE_TIMEOUT_MS ?? 600_000),
  ...(namePatterns ? { testNamePatterns: namePatterns } : {}),
});

stream.on('test:pass', (data) => {
  if (data.details.type === 'suite' || fileNames.has(data.name)) return;
  if (data.skip || data.todo) skipped += 1;
  else passed += 1;
});
stream.on('test:fail', (data) => {
  if (data.details.type === 'suite') return;
  // A file that fails outside any test (syntax error, crash) is reported once, by its name.
  if (fileNames.has(data.name) && failures.some((f) => f.startsWith(relative(workspace, data.name)))) return;
  failed += 1;
  failures.push(`${relative(workspace, data.file ?? data.name)} > ${data.name}`);
});

const reporter = stream.compose(new spec());
reporter.pipe(process.stdout);
reporter.on('end', () => {
  if (files.length === 0) console.log('no test files found');
  if (failures.length > 0) {
    console.log('\nFailed:');
    for (const f of failures) console.log(`  ${f}`);
  }
  console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exitCode = failed > 0 || files.length === 0 ? 1 : 0;
});
