import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const WORKSPACE = resolve(import.meta.dirname, '../../..');
export const PRISMA_DIR = join(WORKSPACE, 'prisma');
const run = promisify(execFile);

/**
 * Applies every committed migration to `databaseUrl` (creating the database if needed) with
 * the repository's own `db:migrate` command, in a child process: the schema engine keeps
 * timers and WebAssembly memory that a test process should not inherit.
 */
export async function migrateWithCli(databaseUrl: string): Promise<void> {
  await run(process.execPath, ['--import', 'tsx', join(PRISMA_DIR, 'migrate.ts'), 'deploy'], {
    cwd: WORKSPACE,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    timeout: 120_000,
  }).catch((err: Error & { stderr?: string; stdout?: string }) => {
    throw new Error(
      `migrating ${new URL(databaseUrl).pathname.slice(1)} failed: ${err.stderr || err.stdout || err.message}`,
    );
  });
}
