import assert from 'node:assert/strict';
import { dirname, join, normalize } from 'node:path';
import { describe, it } from 'node:test';
import { defaultPolicy } from '@roadcast/policy';
import { allSettingNames, metricOfSeries, readRepoFile, repoFileExists } from './deploy-facts.js';

const GUIDES = ['docs/operations.md', 'docs/security.md', 'infra/k8s/secrets.example.md'];
const POLICY_ROOTS = new Set(Object.keys(defaultPolicy()));
const REPO_DIRS = /^(apps|libs|infra|docs|prisma|load-tests)\//;

/** Inline code spans of a Markdown text, fenced blocks left out. */
function codeSpans(text: string): string[] {
  return [...text.replace(/```[\s\S]*?```/g, '').matchAll(/`([^`\n]+)`/g)].map(
    (m) => m[1] as string,
  );
}

function policyFieldExists(path: string): boolean {
  let node: unknown = defaultPolicy();
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || !(part in node)) return false;
    node = (node as Record<string, unknown>)[part];
  }
  return true;
}

describe('operations and security guides name only what exists', () => {
  for (const guide of GUIDES) {
    const text = readRepoFile(guide);
    const spans = codeSpans(text);

    it(`${guide}: every setting is an app setting`, () => {
      const settings = allSettingNames();
      const unknown = spans.filter(
        (s) => /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(s) && !settings.has(s),
      );
      assert.deepEqual(unknown, [], `not settings in libs/config: ${unknown.join(', ')}`);
    });

    it(`${guide}: every metric is registered by the code`, () => {
      const unknown = spans.filter((s) => /^roadcast_[a-z0-9_]+$/.test(s) && !metricOfSeries(s));
      assert.deepEqual(
        unknown,
        [],
        `metrics not registered in apps/ or libs/: ${unknown.join(', ')}`,
      );
    });

    it(`${guide}: every router policy field exists in the policy document`, () => {
      const fields = spans.filter(
        (s) => /^[a-z]+(\.[A-Za-z]+)+$/.test(s) && POLICY_ROOTS.has(s.split('.')[0] as string),
      );
      const unknown = fields.filter((f) => !policyFieldExists(f));
      assert.deepEqual(unknown, [], `not fields of the router policy: ${unknown.join(', ')}`);
    });

    it(`${guide}: every repository path and link exists`, () => {
      const paths = spans.filter(
        (s) => REPO_DIRS.test(s) && !/\s/.test(s) && !s.includes('<') && !s.includes('{'),
      );
      const links = [...text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
        .map((m) => m[1] as string)
        .filter((l) => !/^[a-z]+:/.test(l))
        .map((l) => normalize(join(dirname(guide), l)));
      const missing = [...paths, ...links].filter((p) => !repoFileExists(p));
      assert.deepEqual(missing, [], `missing files: ${missing.join(', ')}`);
    });

    it(`${guide}: every npm script exists`, () => {
      const scripts = (
        JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> }
      ).scripts;
      const used = [...text.matchAll(/npm run ([a-z:-]+)/g)].map((m) => m[1] as string);
      const missing = used.filter((s) => !scripts[s]);
      assert.deepEqual(missing, [], `npm scripts that package.json lacks: ${missing.join(', ')}`);
    });
  }
});

describe('security guide', () => {
  const text = readRepoFile('docs/security.md');

  it('goes through the layers in order', () => {
    const headings = [...text.matchAll(/^## (.+)$/gm)].map((m) => m[1] as string);
    assert.deepEqual(headings.slice(0, 4), [
      '1. Perimeter firewall',
      '2. DMZ: brokers behind a second boundary',
      '3. Operating system',
      '4. Roadcast itself',
    ]);
  });

  it('backs every protection of Roadcast itself with a setting and a test file', () => {
    const rows = text
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| protection') && !l.startsWith('| ---'))
      .map((l) =>
        l
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim()),
      );
    assert.ok(rows.length >= 12, 'one row per protection');
    for (const [protection, enabledBy, provedBy] of rows) {
      assert.ok(enabledBy, `${protection}: which setting enables it`);
      const tests = codeSpans(provedBy ?? '');
      assert.ok(tests.length > 0, `${protection}: which test proves it`);
      for (const t of tests) {
        assert.match(t, /\.test\.ts$/, `${protection}: ${t} is a test file`);
        assert.ok(repoFileExists(t), `${protection}: ${t} does not exist`);
      }
    }
  });
});

describe('operations guide', () => {
  const text = readRepoFile('docs/operations.md');

  it('covers sizing, certificates, keys, backups, draining, upgrades, other brokers and the runbook', () => {
    for (const heading of [
      '## Sizing',
      '## Certificate lifecycle',
      '## Notice-signing key rotation',
      '## Backup and restore',
      '## Draining a pool or broker for maintenance',
      '## Upgrading without losing notices',
      '### EMQX, HiveMQ or VerneMQ as edge pools',
      '## Runbook',
    ]) {
      assert.ok(text.includes(`\n${heading}\n`), `docs/operations.md lacks "${heading}"`);
    }
  });

  it('names only refusal reasons the router has', () => {
    const refusals = readRepoFile('apps/router/src/refusals.ts');
    const runbook = text.slice(
      text.indexOf('### RoadcastRefusalSpike'),
      text.indexOf('### RoadcastPolicyRejected'),
    );
    const reasons = codeSpans(runbook).filter(
      (s) => /^[a-z]+(-[a-z]+)+$/.test(s) || s === 'banned',
    );
    assert.ok(reasons.length >= 5);
    const unknown = reasons.filter((r) => !new RegExp(`^\\s+'?${r}'?: `, 'm').test(refusals));
    assert.deepEqual(
      unknown,
      [],
      `not refusal reasons in apps/router/src/refusals.ts: ${unknown.join(', ')}`,
    );
  });

  it('takes its measured figures from the published benchmark results', () => {
    const results = readRepoFile('load-tests/RESULTS.md');
    // Every number of the results, commas dropped: "16,502" and "2000" alike.
    const published = [...results.matchAll(/\d[\d,]*(\.\d+)?/g)].map((m) => m[0].replace(/,/g, ''));
    const sizing = text.slice(text.indexOf('## Sizing'), text.indexOf('## Edge brokers'));
    // A measured claim runs to the end of its sentence, clause or table cell.
    const measured = [...sizing.matchAll(/\*\*Measured\*\*: ([^|;]+?)(?=[.;]\s|\||$)/gm)].map(
      (m) => m[1] as string,
    );
    assert.ok(measured.length >= 4, 'the sizing table states measured figures');
    for (const claim of measured) {
      for (const figure of claim.match(/\d[\d,]*(\.\d+)?/g) ?? []) {
        const digits = figure.replace(/,/g, '');
        if (digits.replace('.', '').length < 3) continue;
        assert.ok(
          published.includes(digits),
          `"${figure}" in "${claim}" is not a figure of load-tests/RESULTS.md`,
        );
      }
    }
  });
});
