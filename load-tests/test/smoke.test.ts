import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadScenarios } from '../src/registry.js';
import { assertSmokeRun, COMPOSITE_SCENARIOS } from './smoke-check.js';

// Every scenario in the folder at its smoke size: proves each one starts what it needs,
// measures, tears down and returns a result the report can use.

const catalog = await loadScenarios();
const outDir = mkdtempSync(join(tmpdir(), 'roadcast-bench-smoke-'));
after(() => rmSync(outDir, { recursive: true, force: true }));

describe('benchmark smoke run', () => {
  it('loads every scenario file', () => {
    assert.deepEqual(catalog.broken, []);
    assert.ok(catalog.scenarios.some((s) => s.name === 'mqtt-baseline'));
  });

  for (const scenario of catalog.scenarios) {
    if (COMPOSITE_SCENARIOS.has(scenario.name)) continue;
    it(
      `${scenario.name} returns a well-formed result with finite figures`,
      { timeout: 300_000 },
      () => assertSmokeRun(scenario, outDir),
    );
  }
});
