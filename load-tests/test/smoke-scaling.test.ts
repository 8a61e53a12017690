import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadScenarios } from '../src/registry.js';
import { assertSmokeRun } from './smoke-check.js';

// The fleet-size sweep re-runs other scenarios at two sizes, so it has its own file and time.

const { scenarios } = await loadScenarios();
const scaling = scenarios.find((s) => s.name === 'scaling');
const outDir = mkdtempSync(join(tmpdir(), 'roadcast-bench-smoke-scaling-'));
after(() => rmSync(outDir, { recursive: true, force: true }));

describe('benchmark smoke run: scaling', () => {
  it('returns a well-formed result with finite figures', { timeout: 540_000 }, async () => {
    assert.ok(scaling, 'the scaling scenario is in the folder');
    await assertSmokeRun(scaling, outDir);
  });
});
