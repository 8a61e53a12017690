import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isScenario, loadScenarios } from '../src/registry.js';

const dir = mkdtempSync(join(tmpdir(), 'roadcast-registry-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const scenarioSource = (name: string, exportName: string) =>
  `export const ${exportName} = { name: '${name}', description: 'd', run: async () => { throw new Error('not run'); } };\n`;

describe('scenario registry', () => {
  it('finds scenarios under any export name, orders them for the suite and reports broken files', async () => {
    writeFileSync(join(dir, 'zeta.ts'), scenarioSource('zeta', 'zetaScenario'));
    writeFileSync(
      join(dir, 'fanout.ts'),
      `export default ${scenarioSource('fanout', 'x').replace('export const x = ', '')}`,
    );
    writeFileSync(join(dir, 'mqtt-baseline.ts'), scenarioSource('mqtt-baseline', 'baseline'));
    writeFileSync(join(dir, 'helpers.ts'), 'export const size = 3;\n');
    writeFileSync(join(dir, 'acks.ts'), 'export const acks = { name: "acks" };\n');
    writeFileSync(join(dir, 'broken.ts'), 'throw new Error("cannot load");\n');
    const catalog = await loadScenarios(dir);
    assert.deepEqual(
      catalog.scenarios.map((s) => s.name),
      ['mqtt-baseline', 'fanout', 'zeta'],
    );
    assert.deepEqual(catalog.broken.map((b) => b.file).sort(), ['acks.ts', 'broken.ts']);
    assert.match(catalog.broken.find((b) => b.file === 'broken.ts')?.error ?? '', /cannot load/);
  });

  it('recognises a scenario by its shape', () => {
    assert.equal(isScenario({ name: 'a', description: 'b', run: () => undefined }), true);
    assert.equal(isScenario({ name: 'a', description: 'b' }), false);
    assert.equal(isScenario({ name: '', description: 'b', run: () => undefined }), false);
    assert.equal(isScenario(null), false);
  });
});
