/**
 * What shipping compiled apps changes, measured on this machine in one run: the size of the
 * dependency tree an image holds, and each app's start time (spawn until /healthz answers
 * 200) and resident memory once idle, from TypeScript through tsx (the workspace, as images
 * ran before) against plain node on the production tree (as images run now). Runs alternate
 * and repeat; the report gives the median and the range.
 *
 *   node --import tsx infra/build/measure-runtime.ts [--repeat 3] [--idle-ms 3000]
 *
 * Needs Postgres and Redis on their usual ports, like the tests.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { APPS, imageCommand, repoRoot, type App } from '../test/deploy-facts.js';
import { answers, exited, launch, productionSettings } from '../test/production-apps.js';
import { createProductionTree, removeProductionTree } from '../test/production-tree.js';

interface Variant {
  name: string;
  cwd: string;
  command(app: App): string[];
  /** A fresh TMPDIR per start: tsx's transform cache starts empty, as in a new container. */
  coldTmp: boolean;
}

const { values } = parseArgs({
  options: {
    repeat: { type: 'string', default: '3' },
    'idle-ms': { type: 'string', default: '3000' },
  },
});
const repeat = Number(values.repeat);
const idleMs = Number(values['idle-ms']);

function megabytes(paths: string[]): number {
  const out = execFileSync('du', ['-sck', ...paths], { encoding: 'utf8' });
  return Math.round(Number(/^(\d+)\s+total$/m.exec(out)?.[1]) / 1024);
}

/** node_modules folders of a tree: the root one and those nested in workspace packages. */
function nodeModules(root: string): string[] {
  const found = [join(root, 'node_modules')];
  for (const group of ['apps', 'libs', 'infra', 'load-tests']) {
    const dirs =
      group === 'infra' || group === 'load-tests' ? [''] : readdirSync(join(root, group));
    for (const dir of dirs) {
      const path = join(root, group, dir, 'node_modules');
      try {
        readdirSync(path);
        found.push(path);
      } catch {
        // No nested install here.
      }
    }
  }
  return found;
}

function rssMegabytes(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kb) / 102.4) / 10;
}

const summary = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return `${sorted[Math.floor(sorted.length / 2)]} (${sorted[0]}–${sorted.at(-1)})`;
};

const tree = await createProductionTree();
const scratch = mkdtempSync(join(tmpdir(), 'roadcast-measure-'));
const settings = await productionSettings(scratch, 'measure');
try {
  console.log('| dependency tree | MB |\n| --- | --- |');
  console.log(`| workspace node_modules (images before) | ${megabytes(nodeModules(repoRoot))} |`);
  console.log(`| production tree node_modules (images now) | ${megabytes(nodeModules(tree))} |`);
  console.log(`| whole production tree (image /app now) | ${megabytes([tree])} |\n`);

  const migrate = launch(imageCommand('migrate'), { cwd: tree, env: settings.common });
  if ((await exited(migrate.child)) !== 0) throw new Error(migrate.output());

  const variants: Variant[] = [
    {
      name: 'tsx, source, cold cache',
      cwd: repoRoot,
      command: (app) => ['node', '--import', 'tsx', `apps/${app}/src/main.ts`],
      coldTmp: true,
    },
    {
      name: 'tsx, source, warm cache',
      cwd: repoRoot,
      command: (app) => ['node', '--import', 'tsx', `apps/${app}/src/main.ts`],
      coldTmp: false,
    },
    { name: 'node, dist', cwd: tree, command: (app) => imageCommand(app), coldTmp: false },
  ];
  const warmTmp = mkdtempSync(join(scratch, 'tmp-'));
  const startOnce = async (variant: Variant, app: App) => {
    const tmp = variant.coldTmp ? mkdtempSync(join(scratch, 'tmp-')) : warmTmp;
    const began = performance.now();
    const run = launch(variant.command(app), {
      cwd: variant.cwd,
      env: { ...settings.common, ...settings.env[app], TMPDIR: tmp },
    });
    const url = `http://127.0.0.1:${settings.healthPort[app]}/healthz`;
    if ((await answers(url, 60_000, 10)) !== 200) throw new Error(`${app}: ${run.output()}`);
    const ms = Math.round(performance.now() - began);
    await sleep(idleMs);
    const rss = rssMegabytes(run.child.pid as number);
    run.child.kill('SIGTERM');
    await exited(run.child);
    return { ms, rss };
  };
  console.log('| app | run | start ms | idle RSS MB |\n| --- | --- | --- | --- |');
  for (const app of APPS) {
    const starts = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const rss = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    // Fills the warm transform cache with this app's modules; not counted.
    await startOnce(variants[1] as Variant, app);
    for (let round = 0; round < repeat; round++) {
      // Rotate the order each round, so no variant always runs first.
      const order = variants.map((_, i) => variants[(i + round) % variants.length] as Variant);
      for (const variant of order) {
        const sample = await startOnce(variant, app);
        starts.get(variant.name)?.push(sample.ms);
        rss.get(variant.name)?.push(sample.rss);
      }
    }
    for (const v of variants)
      console.log(
        `| ${app} | ${v.name} | ${summary(starts.get(v.name) ?? [])} | ${summary(rss.get(v.name) ?? [])} |`,
      );
  }
  console.log(`\nmedian (min–max) of ${repeat} runs each, ${idleMs} ms idle before reading RSS`);
} finally {
  await settings.cleanUp();
  removeProductionTree(tree);
  rmSync(scratch, { recursive: true, force: true });
}
