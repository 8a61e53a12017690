import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const workspace = resolve(import.meta.dirname, '../..');
const dashboard = join(workspace, 'apps', 'dashboard');
// Vite is the dashboard's own dependency; resolve it from there.
const require = createRequire(join(dashboard, 'package.json'));

/** Builds apps/dashboard into its dist/ folder (or `outDir`), which the api serves at `/`. */
export function buildDashboard(outDir?: string): void {
  const vite = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
  const target = outDir ? ['--outDir', outDir, '--emptyOutDir'] : [];
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn', ...target], {
    cwd: dashboard,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('the dashboard build failed (see above)');
}
