/**
 * The README's configuration reference, generated from the apps' TypeBox settings schemas.
 *   node --import tsx infra/docs/config-reference.ts --write   rewrite the README section
 *   node --import tsx infra/docs/config-reference.ts           print it
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TObject } from '@sinclair/typebox';
import * as config from '@roadcast/config';

export const BEGIN = '<!-- settings:begin (generated from libs/config; npm run docs:config) -->';
export const END = '<!-- settings:end -->';

/** Every app's settings schema, by the name the README shows. */
export function appSchemas(): Array<[string, TObject]> {
  return Object.entries(config)
    .filter(([name, value]) => name.endsWith('Settings') && typeof value === 'object' && value !== null && 'properties' in value)
    .map(([name, value]) => [name.replace(/Settings$/, '').toLowerCase(), value as TObject] as [string, TObject])
    .sort(([a], [b]) => a.localeCompare(b));
}

export function renderReference(): string {
  const sections = appSchemas().map(([app, schema]) => {
    const rows = config.settingsReference(schema).map((s) => {
      const def = s.required ? '**required**' : s.default === '' ? '' : `\`${s.default.replace(/\|/g, '\\|')}\``;
      return `| \`${s.name}\` | ${def} | ${s.description.replace(/\|/g, '\\|')} |`;
    });
    return [`### ${app}`, '', '| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
  });
  return [BEGIN, ...sections.flatMap((s) => ['', s]), '', END].join('\n');
}

export function readmeWithReference(readme: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < 0) throw new Error('README has no settings markers');
  return readme.slice(0, start) + renderReference() + readme.slice(end + END.length);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const readmePath = join(import.meta.dirname, '../../README.md');
  if (process.argv.includes('--write')) {
    writeFileSync(readmePath, readmeWithReference(readFileSync(readmePath, 'utf8')));
    console.log('README configuration reference updated.');
  } else {
    console.log(renderReference());
  }
}
