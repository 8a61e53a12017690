import { resolve } from 'node:path';
import { build } from 'vite';

export const dashboardRoot = resolve(import.meta.dirname, '../..');

/** Builds the dashboard into dist/, where the API serves it from. */
export async function buildDashboard(): Promise<void> {
  await build({
    root: dashboardRoot,
    logLevel: 'warn',
    configFile: resolve(dashboardRoot, 'vite.config.ts'),
  });
}
