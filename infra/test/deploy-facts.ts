/**
 * What the deployment files and guides may refer to, read from the code at test time: the
 * apps' settings (names and defaults), the metric names the apps register, the repository's
 * files. The checks compare the files with these, so a renamed setting, metric or test file
 * fails the check that names it.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TObject } from '@sinclair/typebox';
import { ApiSettings, BridgeSettings, RouterSettings, TrackerSettings } from '@roadcast/config';
import { createMetricsRegistry } from '@roadcast/observability';
import { parseAllDocuments } from 'yaml';

export const repoRoot = join(import.meta.dirname, '../..');

export const APPS = ['api', 'bridge', 'router', 'tracker'] as const;
export type App = (typeof APPS)[number];

export const SETTINGS: Record<App, TObject> = {
  api: ApiSettings,
  bridge: BridgeSettings,
  router: RouterSettings,
  tracker: TrackerSettings,
};

/** The setting holding the port each app's health endpoints answer on. */
export const HEALTH_PORT_SETTING: Record<App, string> = {
  api: 'API_PORT',
  bridge: 'BRIDGE_ADMIN_PORT',
  router: 'ROUTER_ADMIN_PORT',
  tracker: 'TRACKER_ADMIN_PORT',
};

export interface DockerStage {
  name: string;
  from: string;
  /** Instructions, continuation lines joined, comments dropped. */
  lines: string[];
}

/** The stages of infra/docker/Dockerfile, in order. */
export function dockerfileStages(): DockerStage[] {
  const text = readRepoFile('infra/docker/Dockerfile').replace(/\\\n\s*/g, ' ');
  const out: DockerStage[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const from = /^FROM (\S+) AS (\S+)$/.exec(line);
    if (from) out.push({ name: from[2] as string, from: from[1] as string, lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

export function dockerfileStage(name: string): DockerStage {
  const stage = dockerfileStages().find((s) => s.name === name);
  if (!stage) throw new Error(`the Dockerfile has no stage ${name}`);
  return stage;
}

/** A stage's exec-form CMD, e.g. `["node", "apps/api/dist/main.js"]`. */
export function imageCommand(target: string): string[] {
  const cmd = dockerfileStage(target).lines.findLast((l) => l.startsWith('CMD ['));
  if (!cmd) throw new Error(`stage ${target} has no exec-form CMD`);
  return JSON.parse(cmd.slice(4)) as string[];
}

/** The shell commands of a stage's RUN instructions. */
export function runInstructions(stage: string): string[] {
  return dockerfileStage(stage)
    .lines.filter((l) => l.startsWith('RUN '))
    .map((l) => l.slice(4));
}

export function readRepoFile(path: string): string {
  return readFileSync(join(repoRoot, path), 'utf8');
}

export function repoFileExists(path: string): boolean {
  return existsSync(join(repoRoot, path));
}

export function settingNames(app: App): Set<string> {
  return new Set(Object.keys(SETTINGS[app].properties));
}

export function allSettingNames(): Set<string> {
  return new Set(APPS.flatMap((app) => [...settingNames(app)]));
}

/** The default of one app's setting; throws when the app has no such setting. */
export function settingDefault(app: App, name: string): unknown {
  const prop = SETTINGS[app].properties[name];
  if (!prop) throw new Error(`${app} has no setting ${name}`);
  return prop.default;
}

export function healthPort(app: App): number {
  return Number(settingDefault(app, HEALTH_PORT_SETTING[app]));
}

/** Every YAML document in a file, parsed; a syntax error anywhere throws with the file name. */
export function readYamlDocuments(path: string): unknown[] {
  // Merge keys (`<<: *anchor`) as Compose reads them.
  const docs = parseAllDocuments(readRepoFile(path), { merge: true });
  if (!Array.isArray(docs)) throw new Error(`${path}: not YAML`);
  return docs
    .map((doc, i) => {
      if (doc.errors.length > 0)
        throw new Error(`${path} document ${i + 1}: ${doc.errors[0]?.message}`);
      return doc.toJS() as unknown;
    })
    .filter((doc) => doc !== null && doc !== undefined);
}

export function readYaml<T = Record<string, unknown>>(path: string): T {
  const docs = readYamlDocuments(path);
  if (docs.length !== 1)
    throw new Error(`${path}: expected one YAML document, found ${docs.length}`);
  return docs[0] as T;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'generated' || entry === 'test') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (path.endsWith('.ts')) out.push(path);
  }
  return out;
}

let metricCache: Map<string, string> | undefined;

/**
 * Every metric name the platform exposes, with where it comes from: the `name: 'roadcast_…'`
 * registrations in apps/ and libs/ sources, and the process metrics every registry collects.
 */
export function metricNames(): Map<string, string> {
  if (metricCache) return metricCache;
  const names = new Map<string, string>();
  for (const root of ['apps', 'libs']) {
    for (const file of sourceFiles(join(repoRoot, root))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/name:\s*'(roadcast_[a-z0-9_]+)'/g)) {
        names.set(match[1] as string, relative(repoRoot, file));
      }
    }
  }
  for (const metric of createMetricsRegistry('deploy-check').getMetricsAsArray()) {
    names.set(metric.name, 'libs/observability (process metrics)');
  }
  metricCache = names;
  return names;
}

/** A series name as written in PromQL, resolved to its metric (histogram parts included). */
export function metricOfSeries(series: string): string | undefined {
  const names = metricNames();
  if (names.has(series)) return series;
  const base = series.replace(/_(bucket|sum|count)$/, '');
  return names.has(base) ? base : undefined;
}

/** The `roadcast_…` series names a PromQL expression or a text mentions. */
export function seriesIn(text: string): string[] {
  return [...new Set([...text.matchAll(/\broadcast_[a-z0-9_]+\b/g)].map((m) => m[0]))];
}
