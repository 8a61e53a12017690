import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive } from './process-alive.js';

const owned = new Set<string>();
const reaped = new Set<string>();

process.once('exit', () => {
  for (const dir of owned) rmSync(dir, { recursive: true, force: true });
});

/**
 * A private temporary folder removed when this process exits. Its name carries the process id,
 * so folders left by a process that was killed are removed by the next one that asks.
 */
export function processTempDir(kind: string): string {
  if (!reaped.has(kind)) {
    reaped.add(kind);
    const pattern = new RegExp(`^roadcast-${kind}-p(\\d+)-`);
    for (const entry of readdirSync(tmpdir())) {
      const pid = pattern.exec(entry)?.[1];
      if (pid !== undefined && !isProcessAlive(Number(pid))) {
        rmSync(join(tmpdir(), entry), { recursive: true, force: true });
      }
    }
  }
  const dir = mkdtempSync(join(tmpdir(), `roadcast-${kind}-p${process.pid}-`));
  owned.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  owned.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}
