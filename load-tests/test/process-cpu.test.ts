import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { createTestDatabase } from '@roadcast/testing';
import { CleanupScope } from '../src/runner/cleanup.js';
import { parseProcStat } from '../src/runner/proc-stat.js';
import { CpuMeter, cpuWindow } from '../src/runner/process-cpu.js';
import { pidSource, postgresSources } from '../src/runner/process-sources.js';
import { WorkerProcess } from '../src/runner/worker-process.js';

// CPU accounting against processes that say how much CPU they used themselves. The bounds
// are on CPU time, not on speed: a busy machine makes the work take longer, not cost more.

const dir = mkdtempSync(join(tmpdir(), 'roadcast-process-cpu-'));
const scope = new CleanupScope('process-cpu test');
after(async () => {
  await scope.close();
  rmSync(dir, { recursive: true, force: true });
});

const burner = () =>
  WorkerProcess.start(join(import.meta.dirname, 'workers/cpu-burner-worker.ts'), {
    name: 'burner',
    logFile: join(dir, 'burner.log'),
    scope,
  });

describe('CPU of a process over a window', () => {
  it('reads a stat line whose command name holds spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    const stat = parseProcStat(`4242 (node (tsx) x) ${fields.join(' ')}`);
    assert.equal(stat.pid, 4242);
    assert.equal(stat.ppid, 4);
    assert.equal(stat.ownTicks, 14 + 15);
    assert.equal(stat.reapedChildTicks, 16 + 17);
    assert.equal(stat.startTicks, 22);
  });

  it('measures a busy process at what it reports about itself', async () => {
    const worker = await burner();
    const meter = new CpuMeter([pidSource('burner', worker.pid, 'load')]);
    const { result: reported, usage } = await meter.measure(() =>
      worker.request<number>('burn', { ms: 400 }),
    );
    const measured = usage.processes[0]!.cpuS;
    assert.ok(reported >= 0.4, `burned ${reported} s`);
    assert.ok(measured >= reported * 0.85, `measured ${measured} s of ${reported} s`);
    assert.ok(measured <= reported * 1.5 + 0.1, `measured ${measured} s of ${reported} s`);
    assert.ok(usage.machineCpuS >= measured - 0.05);
  });

  it('counts a child that started and ended inside the window', async () => {
    const worker = await burner();
    const meter = new CpuMeter([pidSource('burner', worker.pid, 'load')]);
    const { result: reported, usage } = await meter.measure(() =>
      worker.request<number>('burnInChild', { ms: 400 }),
    );
    const measured = usage.processes[0]!.cpuS;
    assert.ok(measured >= reported * 0.85, `measured ${measured} s of the child's ${reported} s`);
  });

  it('leaves a process’s children out when asked to count the process alone', async () => {
    const worker = await burner();
    const meter = new CpuMeter([
      { name: 'alone', role: 'load', roots: () => [worker.pid], ownOnly: true },
    ]);
    const { result: reported, usage } = await meter.measure(() =>
      worker.request<number>('burnInChild', { ms: 300 }),
    );
    assert.ok(usage.processes[0]!.cpuS < reported * 0.5, `counted ${usage.processes[0]!.cpuS} s`);
  });

  it('turns a window into CPU per unit of work and refuses a window without work', async () => {
    const worker = await burner();
    const meter = new CpuMeter([pidSource('burner', worker.pid, 'load')]);
    const { usage } = await meter.measure(() => worker.request<number>('burn', { ms: 200 }));
    const window = cpuWindow('burn', 'round', 1000, usage);
    const p = window.processes[0]!;
    assert.ok(Math.abs(p.usPerUnit - (p.cpuS * 1e6) / 1000) < 1e-6);
    assert.throws(() => cpuWindow('burn', 'round', 0, usage), /counted no round/);
  });

  it('finds the Postgres backends of one database within the whole server', async () => {
    const database = await createTestDatabase({ label: 'cpu' });
    scope.defer('database', () => database.drop());
    const postgres = await postgresSources();
    scope.defer('postgres watch', () => postgres.close());
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    scope.defer('client', () => client.end());
    const meter = new CpuMeter([postgres.cluster, postgres.database(database.name)]);
    const { usage } = await meter.measure(() =>
      client.query('SELECT count(*) FROM generate_series(1, 3000000) g WHERE g % 7 = 3'),
    );
    const [cluster, backends] = usage.processes;
    assert.ok(backends!.cpuS > 0, 'the query’s backend used CPU');
    assert.ok(backends!.processes >= 1);
    assert.equal(backends!.within, 'postgres');
    assert.ok(cluster!.cpuS + 0.02 >= backends!.cpuS, `${cluster!.cpuS} < ${backends!.cpuS}`);
  });
});
