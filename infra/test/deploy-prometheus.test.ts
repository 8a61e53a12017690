import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  APPS,
  healthPort,
  metricNames,
  metricOfSeries,
  readRepoFile,
  readYaml,
  repoRoot,
  seriesIn,
} from './deploy-facts.js';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: { severity?: string };
  annotations?: { summary?: string; runbook_url?: string };
}

const groups = readYaml<{ groups: Array<{ name: string; rules: Rule[] }> }>(
  'infra/prometheus/alerts.yml',
).groups;
const rules = groups.flatMap((g) => g.rules);
const operations = readRepoFile('docs/operations.md');

/** The runbook section of one alert: from its heading to the next heading of the same level. */
function runbookEntry(alert: string): string | undefined {
  const start = operations.search(new RegExp(`^### ${alert}$`, 'm'));
  if (start < 0) return undefined;
  const rest = operations.slice(start + 4);
  const end = rest.search(/^#{2,3} /m);
  return end < 0 ? rest : rest.slice(0, end);
}

describe('Prometheus alert rules', () => {
  it('are complete and uniquely named', () => {
    assert.ok(rules.length >= 8);
    assert.equal(new Set(rules.map((r) => r.alert)).size, rules.length);
    for (const r of rules) {
      assert.match(r.alert, /^Roadcast[A-Za-z]+$/);
      assert.ok(r.expr.trim(), `${r.alert} expr`);
      assert.ok(['critical', 'warning'].includes(r.labels?.severity ?? ''), `${r.alert} severity`);
      assert.ok(r.annotations?.summary, `${r.alert} summary`);
      assert.equal(r.annotations?.runbook_url, `docs/operations.md#${r.alert.toLowerCase()}`);
    }
  });

  it('use only metrics the code registers', () => {
    const missing = rules.flatMap((r) =>
      seriesIn(r.expr)
        .filter((s) => !metricOfSeries(s))
        .map((s) => `${r.alert}: ${s}`),
    );
    assert.deepEqual(
      missing,
      [],
      `alert expressions use metrics that apps/ and libs/ do not register: ${missing.join('; ')}`,
    );
    assert.ok(metricNames().size > 0);
  });

  it('use refusal reasons the router has', () => {
    const refusals = readRepoFile('apps/router/src/refusals.ts');
    for (const r of rules) {
      for (const m of r.expr.matchAll(/roadcast_router_refusals_total\{reason="([^"]+)"\}/g)) {
        assert.match(
          refusals,
          new RegExp(`^\\s+'?${m[1]}'?: `, 'm'),
          `${r.alert}: refusal reason ${m[1]}`,
        );
      }
    }
  });

  it('each have a runbook entry in docs/operations.md that names the alert and its metrics', () => {
    for (const r of rules) {
      const entry = runbookEntry(r.alert);
      assert.ok(entry, `docs/operations.md has no "### ${r.alert}" runbook entry`);
      for (const series of seriesIn(r.expr)) {
        const metric = metricOfSeries(series) ?? series;
        assert.ok(entry.includes(metric), `runbook entry ${r.alert} does not name ${metric}`);
      }
    }
  });
});

describe('Prometheus scrape configuration', () => {
  const config = readYaml<{
    rule_files: string[];
    scrape_configs: Array<{
      job_name: string;
      metrics_path?: string;
      static_configs: Array<{ targets: string[] }>;
    }>;
  }>('infra/prometheus/prometheus.yml');

  it('scrapes /metrics of every app on its health port', () => {
    for (const app of APPS) {
      const job = config.scrape_configs.find((j) => j.job_name === `roadcast-${app}`);
      assert.ok(job, `no scrape job roadcast-${app}`);
      assert.equal(job.metrics_path ?? '/metrics', '/metrics');
      const targets = job.static_configs.flatMap((s) => s.targets);
      assert.ok(targets.length > 0);
      for (const t of targets)
        assert.equal(Number(t.split(':')[1]), healthPort(app), `${app} target ${t}`);
    }
  });

  it('scrapes both compose routers and loads the alert rules', () => {
    const compose = readYaml<{ services: Record<string, unknown> }>('infra/docker-compose.yml');
    const routers =
      config.scrape_configs
        .find((j) => j.job_name === 'roadcast-router')
        ?.static_configs.flatMap((s) => s.targets) ?? [];
    for (const t of routers)
      assert.ok(
        compose.services[t.split(':')[0] as string],
        `router target ${t} is a compose service`,
      );
    assert.equal(routers.length, 2);
    assert.deepEqual(config.rule_files, ['/etc/prometheus/alerts.yml']);
  });
});

// Prometheus's own checker, where the machine has it (Debian package "prometheus"): PromQL
// syntax of every rule, and the behaviour cases of alerts.test.yml.
const promtool = spawnSync('promtool', ['--version']).status === 0;

describe(
  'alert rules under promtool',
  { skip: promtool ? false : 'promtool is not installed' },
  () => {
    it('parse, and fire exactly in the situations of alerts.test.yml', () => {
      const cwd = join(repoRoot, 'infra/prometheus');
      const check = spawnSync('promtool', ['check', 'rules', 'alerts.yml'], {
        cwd,
        encoding: 'utf8',
      });
      assert.equal(check.status, 0, check.stdout + check.stderr);
      const run = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], {
        cwd,
        encoding: 'utf8',
      });
      assert.equal(run.status, 0, run.stdout + run.stderr);
    });
  },
);
