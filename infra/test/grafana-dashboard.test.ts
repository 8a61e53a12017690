import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  metricNames,
  metricOfSeries,
  readRepoFile,
  readYaml,
  repoRoot,
  seriesIn,
} from './deploy-facts.js';

interface Target {
  expr?: string;
  refId?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
}

const dashboard = JSON.parse(readRepoFile('infra/grafana/roadcast.json')) as {
  uid: string;
  title: string;
  panels: Panel[];
};
const queried = dashboard.panels.filter((p) => p.type !== 'row');
const targets = queried.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));

// Labels every series carries from Prometheus or the registry, whatever the metric.
const COMMON_LABELS = new Set(['le', 'service', 'instance', 'job', 'quantile']);

/** The label names each `roadcast_*` metric is registered with, read from its source. */
function labelNamesByMetric(): Map<string, Set<string>> {
  const labels = new Map<string, Set<string>>();
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((entry) => {
      if (['node_modules', 'test', 'generated'].includes(entry)) return [];
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
    });
  for (const file of [...walk(join(repoRoot, 'apps')), ...walk(join(repoRoot, 'libs'))]) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/name:\s*'(roadcast_[a-z0-9_]+)'([\s\S]*?)registers/g)) {
      const names = /labelNames:\s*\[([^\]]*)\]/.exec(m[2]!)?.[1] ?? '';
      labels.set(m[1]!, new Set([...names.matchAll(/'([^']+)'/g)].map((l) => l[1]!)));
    }
  }
  return labels;
}

/** Label names an expression filters or groups by. */
function labelsUsed(expr: string): string[] {
  const used = new Set<string>();
  for (const m of expr.matchAll(/\{([^}]*)\}/g)) {
    for (const l of m[1]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)) used.add(l[1]!);
  }
  for (const m of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
    for (const l of m[1]!.split(',')) if (l.trim()) used.add(l.trim());
  }
  return [...used];
}

describe('Grafana dashboard infra/grafana/roadcast.json', () => {
  it('queries only metrics that the apps register', () => {
    const missing = targets.flatMap((t) =>
      seriesIn(t.expr ?? '')
        .filter((s) => !metricOfSeries(s))
        .map((s) => `${t.panel}: ${s}`),
    );
    assert.deepEqual(missing, [], `metrics no app registers: ${missing.join('; ')}`);
    assert.ok(metricNames().size > 10);
  });

  it('filters and groups only by labels those metrics have', () => {
    const registered = labelNamesByMetric();
    const problems: string[] = [];
    for (const t of targets) {
      const metrics = seriesIn(t.expr ?? '').map((s) => metricOfSeries(s)!);
      const known = new Set([
        ...COMMON_LABELS,
        ...metrics.flatMap((m) => [...(registered.get(m) ?? [])]),
      ]);
      for (const label of labelsUsed(t.expr ?? '')) {
        if (!known.has(label)) problems.push(`${t.panel}: ${label} (on ${metrics.join(', ')})`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('covers the router, bridge, tracker and processes of every app', () => {
    const series = new Set(targets.flatMap((t) => seriesIn(t.expr ?? '')));
    for (const prefix of [
      'roadcast_router_',
      'roadcast_bridge_',
      'roadcast_tracker_',
      'roadcast_process_',
      'roadcast_nodejs_',
    ]) {
      assert.ok(
        [...series].some((s) => s.startsWith(prefix)),
        `no panel queries ${prefix}*`,
      );
    }
    for (const metric of [
      'roadcast_router_refusals_total',
      'roadcast_router_connections',
      'roadcast_bridge_notices_total',
      'roadcast_tracker_ack_batch_seconds',
    ]) {
      assert.ok(
        [...series].some((s) => metricOfSeries(s) === metric),
        `no panel shows ${metric}`,
      );
    }
  });

  it('uses the provisioned Prometheus data source on every panel and query', () => {
    const { datasources } = readYaml<{ datasources: Array<{ uid: string; type: string }> }>(
      'infra/grafana/provisioning/datasources.yml',
    );
    const uid = datasources.find((d) => d.type === 'prometheus')?.uid;
    assert.ok(uid);
    for (const p of queried) {
      assert.equal(p.datasource?.uid, uid, `${p.title}: panel data source`);
      assert.ok((p.targets ?? []).length > 0, `${p.title} has no query`);
      for (const t of p.targets ?? []) {
        assert.equal(t.datasource?.uid, uid, `${p.title}: query data source`);
        assert.ok(t.expr?.trim(), `${p.title}: empty query`);
      }
    }
  });

  it('is a well-formed dashboard: unique ids and refIds, panels inside the 24-column grid', () => {
    assert.equal(dashboard.uid, 'roadcast-overview');
    assert.equal(new Set(dashboard.panels.map((p) => p.id)).size, dashboard.panels.length);
    for (const p of dashboard.panels) {
      assert.ok(
        p.gridPos.x >= 0 && p.gridPos.w > 0 && p.gridPos.x + p.gridPos.w <= 24,
        `${p.title} fits the grid`,
      );
      const refs = (p.targets ?? []).map((t) => t.refId);
      assert.equal(new Set(refs).size, refs.length, `${p.title}: refIds are unique`);
    }
    // Panels on the same rows must not overlap.
    for (const a of dashboard.panels) {
      for (const b of dashboard.panels) {
        if (a.id >= b.id) continue;
        const overlap =
          a.gridPos.x < b.gridPos.x + b.gridPos.w &&
          b.gridPos.x < a.gridPos.x + a.gridPos.w &&
          a.gridPos.y < b.gridPos.y + b.gridPos.h &&
          b.gridPos.y < a.gridPos.y + a.gridPos.h;
        assert.ok(!overlap, `${a.title} overlaps ${b.title}`);
      }
    }
  });

  it('is where the provisioning and compose files load dashboards from', () => {
    const { providers } = readYaml<{ providers: Array<{ options: { path: string } }> }>(
      'infra/grafana/provisioning/dashboards.yml',
    );
    const path = providers[0]?.options.path;
    assert.ok(path);
    assert.match(readRepoFile('infra/docker-compose.yml'), new RegExp(`\\./grafana:${path}:ro`));
    assert.ok(existsSync(join(repoRoot, 'infra/grafana/roadcast.json')));
  });
});
