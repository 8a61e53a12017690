/**
 * The image's /app folder, made on this machine without a container engine: the tree the
 * Dockerfile's build stage assembles, with the production stage's own RUN instructions
 * executed in it. It lives under test-artifacts/, on the root filesystem, so that a
 * read-only remount of `/` covers it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { assembleRuntimeTree } from '../build/runtime-tree.js';
import { APPS, repoRoot, runInstructions } from './deploy-facts.js';

const PARENT = join(repoRoot, 'test-artifacts');
const PREFIX = 'production-tree-p';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Trees of processes that died before removing theirs. */
function reapAbandoned(): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(PARENT);
  } catch {
    return;
  }
  for (const entry of entries) {
    const pid = new RegExp(`^${PREFIX}(\\d+)-`).exec(entry)?.[1];
    if (pid !== undefined && !alive(Number(pid)))
      rmSync(join(PARENT, entry), { recursive: true, force: true });
  }
}

/** npm as the image build runs it: no settings inherited from an npm that started this test. */
function installEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key.startsWith('NODE_TEST') || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  // The packages are in npm's cache since the workspace's own `npm ci`.
  return { ...env, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' };
}

export async function createProductionTree(): Promise<string> {
  reapAbandoned();
  mkdirSync(PARENT, { recursive: true });
  const dir = mkdtempSync(join(PARENT, `${PREFIX}${process.pid}-`));
  try {
    await assembleRuntimeTree(repoRoot, dir, [...APPS]);
    for (const command of runInstructions('production')) {
      const run = spawnSync('sh', ['-c', command], {
        cwd: dir,
        env: installEnv(),
        encoding: 'utf8',
      });
      if (run.status !== 0) throw new Error(`${command}\n${run.stdout}${run.stderr}`);
    }
    return dir;
  } catch (err) {
    removeProductionTree(dir);
    throw err;
  }
}

export function removeProductionTree(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
