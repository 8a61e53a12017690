import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { appSchemas, readmeWithReference } from '../docs/config-reference.js';

describe('README configuration reference', () => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

  it('matches the settings schemas (run `npm run docs:config` after changing one)', () => {
    assert.equal(readme, readmeWithReference(readme));
  });

  it('covers every app', () => {
    const apps = appSchemas().map(([app]) => app);
    for (const app of ['api', 'bridge', 'router', 'tracker']) assert.ok(apps.includes(app), app);
  });
});
