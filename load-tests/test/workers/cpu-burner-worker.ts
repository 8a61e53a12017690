/**
 * A process that burns a known amount of CPU on request and says how much it used by its
 * own account (`process.cpuUsage`), directly or in a child it waits for.
 */
import { spawn } from 'node:child_process';
import { serveWorker } from '../../src/load/worker-protocol.js';

function burn(ms: number): number {
  const start = process.cpuUsage();
  let x = 0;
  for (;;) {
    for (let i = 0; i < 100_000; i += 1) x += Math.sqrt(i);
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms || x < 0) return (used.user + used.system) / 1e6;
  }
}

const CHILD = `
const start = process.cpuUsage();
let x = 0;
for (;;) {
  for (let i = 0; i < 100000; i += 1) x += Math.sqrt(i);
  const u = process.cpuUsage(start);
  if ((u.user + u.system) / 1000 >= Number(process.argv[1]) || x < 0) {
    process.stdout.write(String((u.user + u.system) / 1e6));
    break;
  }
}`;

/** Runs a child that burns `ms` of CPU and exits; resolves with what it reported. */
function burnInChild(ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CHILD, String(ms)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', () => resolve(Number(out)));
  });
}

serveWorker({
  burn: ({ ms }: { ms: number }) => burn(ms),
  burnInChild: ({ ms }: { ms: number }) => burnInChild(ms),
});
