import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { findProcesses } from '../src/runner/proc-stat.js';

// Ctrl-C in the middle of a scenario: the benchmark stops what the scenario started (broker,
// load generator) before it exits, and keeps what it had measured.

const WORKSPACE = resolve(import.meta.dirname, '../..');
const outDir = mkdtempSync(join(tmpdir(), 'roadcast-bench-interrupt-'));
after(() => rmSync(outDir, { recursive: true, force: true }));

describe('an interrupted benchmark', () => {
  it(
    'stops the processes the running scenario started, then exits 130',
    { timeout: 120_000 },
    async () => {
      const cli = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'load-tests/src/cli.ts',
          'mqtt-baseline',
          '--smoke',
          '--duration',
          '60',
          '--out',
          outDir,
        ],
        { cwd: WORKSPACE, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      const exited = new Promise<number | null>((done) => cli.once('exit', (code) => done(code)));
      let stderr = '';
      await new Promise<void>((ready, fail) => {
        cli.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (/MQTT\.js|pre-encoded/.test(stderr)) ready();
        });
        void exited.then(() => fail(new Error(`the benchmark ended before measuring:\n${stderr}`)));
      });
      const config = join(outDir, 'mqtt-baseline', 'mosquitto', 'mosquitto.conf');
      assert.equal(findProcesses(['-c', config]).length, 1, 'the scenario’s broker runs');
      const worker = findProcesses([
        join(WORKSPACE, 'load-tests/src/load/raw-publisher-worker.ts'),
      ]).filter(
        (pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[3] === String(cli.pid),
      );
      assert.equal(worker.length, 1, 'the scenario’s publisher process runs');

      cli.kill('SIGINT');
      assert.equal(await exited, 130);
      assert.deepEqual(findProcesses(['-c', config]), [], 'the broker was stopped');
      assert.equal(
        findProcesses([join(WORKSPACE, 'load-tests/src/load/raw-publisher-worker.ts')]).filter(
          (p) => p === worker[0],
        ).length,
        0,
      );
      const results = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as {
        scenarios: Array<{ name: string; status: string; errors: string[] }>;
      };
      assert.equal(results.scenarios[0]?.status, 'interrupted');
      assert.match(results.scenarios[0]?.errors[0] ?? '', /stopped by an interrupt/);
    },
  );
});
