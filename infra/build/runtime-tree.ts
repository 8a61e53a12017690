/**
 * The folder a container image ships: the compiled apps, the workspace libraries they declare
 * (directly or through each other), the compiled migration program and the built dashboard,
 * beside every workspace manifest and the lockfile, so that the Dockerfile's `npm ci
 * --omit=dev --workspace=…` can install production dependencies into it. No TypeScript.
 *
 *   node --import tsx infra/build/runtime-tree.ts <empty folder> api bridge router tracker
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildDashboard } from '../local/build-dashboard.js';
import { compileProject } from './compile.js';

type Exports = string | { [key: string]: Exports };

export interface Manifest {
  name: string;
  exports?: Exports;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  workspaces?: string[];
  [key: string]: unknown;
}

export interface WorkspacePackage {
  name: string;
  /** Folder relative to the workspace root, e.g. `libs/db`. */
  dir: string;
  manifest: Manifest;
}

const MIGRATION_PROGRAM = 'prisma';
/** The api serves the dashboard's built files from apps/dashboard/dist. */
const DASHBOARD_SERVED_BY = 'api';

function readManifest(path: string): Manifest {
  return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
}

/** Every package the root manifest's `workspaces` patterns (`dir` or `dir/*`) name. */
export function workspacePackages(workspace: string): WorkspacePackage[] {
  const patterns = readManifest(join(workspace, 'package.json')).workspaces ?? [];
  const dirs = patterns.flatMap((pattern) =>
    pattern.endsWith('/*')
      ? readdirSync(join(workspace, pattern.slice(0, -2))).map(
          (d) => `${pattern.slice(0, -2)}/${d}`,
        )
      : [pattern],
  );
  return dirs
    .filter((dir) => existsSync(join(workspace, dir, 'package.json')))
    .map((dir) => {
      const manifest = readManifest(join(workspace, dir, 'package.json'));
      return { name: manifest.name, dir, manifest };
    });
}

/** The apps and every workspace package their `dependencies` reach. */
export function shippedPackages(packages: WorkspacePackage[], apps: string[]): WorkspacePackage[] {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const shipped = new Map<string, WorkspacePackage>();
  const visit = (name: string) => {
    const pkg = byName.get(name);
    if (!pkg || shipped.has(name)) return;
    shipped.set(name, pkg);
    for (const dep of Object.keys(pkg.manifest.dependencies ?? {})) visit(dep);
  };
  for (const app of apps) {
    const pkg = packages.find((p) => p.dir === `apps/${app}`);
    if (!pkg) throw new Error(`no workspace package in apps/${app}`);
    visit(pkg.name);
  }
  return [...shipped.values()];
}

// `./src/x.ts` → `./dist/x.js`; the `types` condition goes, as no TypeScript ships.
function compiledExports(exports: Exports): Exports | undefined {
  if (typeof exports === 'string') return exports.replace(/^\.\/src\/(.+)\.ts$/, './dist/$1.js');
  const out: Record<string, Exports> = {};
  for (const [key, value] of Object.entries(exports)) {
    if (key === 'types') continue;
    const mapped = compiledExports(value);
    if (mapped !== undefined) out[key] = mapped;
  }
  return out;
}

/** The manifest as it ships: everything kept (npm ci checks it against the lockfile) but `exports`. */
export function productionManifest(manifest: Manifest): Manifest {
  return manifest.exports === undefined
    ? manifest
    : { ...manifest, exports: compiledExports(manifest.exports) as Exports };
}

function exportTargets(exports: Exports | undefined): string[] {
  if (exports === undefined) return [];
  if (typeof exports === 'string') return [exports];
  return Object.values(exports).flatMap(exportTargets);
}

/** Writes the tree into `target`, which must not exist or be empty; returns what it compiled. */
export async function assembleRuntimeTree(
  workspace: string,
  target: string,
  apps: string[],
): Promise<WorkspacePackage[]> {
  if (existsSync(target) && readdirSync(target).length > 0)
    throw new Error(`${target} is not empty`);
  const packages = workspacePackages(workspace);
  const shipped = shippedPackages(packages, apps);
  for (const file of ['package.json', 'package-lock.json']) {
    mkdirSync(target, { recursive: true });
    copyFileSync(join(workspace, file), join(target, file));
  }
  for (const pkg of packages) {
    mkdirSync(join(target, pkg.dir), { recursive: true });
    const manifest = productionManifest(pkg.manifest);
    writeFileSync(join(target, pkg.dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  for (const pkg of shipped) {
    await compileProject(join(workspace, pkg.dir), join(target, pkg.dir, 'dist'));
    for (const file of exportTargets(productionManifest(pkg.manifest).exports)) {
      if (!existsSync(join(target, pkg.dir, file)))
        throw new Error(`${pkg.name} exports ${file}, which its build did not write`);
    }
  }
  await compileProject(join(workspace, MIGRATION_PROGRAM), join(target, MIGRATION_PROGRAM, 'dist'));
  if (apps.includes(DASHBOARD_SERVED_BY)) buildDashboard(join(target, 'apps/dashboard/dist'));
  return shipped;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const { positionals } = parseArgs({ allowPositionals: true });
  const [target, ...apps] = positionals;
  if (!target || apps.length === 0) {
    console.error('usage: runtime-tree.ts <empty folder> <app>…');
    process.exit(2);
  }
  const workspace = resolve(import.meta.dirname, '../..');
  const shipped = await assembleRuntimeTree(workspace, resolve(target), apps);
  console.log(`${resolve(target)}: compiled ${shipped.map((p) => p.dir).join(', ')}`);
}
