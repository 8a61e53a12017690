import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ts from 'typescript';
import {
  shippedPackages,
  workspacePackages,
  type WorkspacePackage,
} from '../build/runtime-tree.js';
import { APPS, imageCommand, type App } from './deploy-facts.js';
import {
  answers,
  canIsolate,
  exited,
  launch,
  productionSettings,
  type ProductionSettings,
} from './production-apps.js';
import { createProductionTree, removeProductionTree } from './production-tree.js';

/**
 * The images' promise, kept on this machine without a container engine. The production tree
 * (what the Dockerfile builds into /app) holds compiled JavaScript and production
 * dependencies only, each shipped package declares exactly what its compiled code loads, and
 * the images' own commands run from it: the migration applies and every app starts, answers
 * its health endpoints and stops cleanly on SIGTERM. As root, the programs run with the root
 * filesystem read-only and only /tmp writable (a private mount namespace), as in production.
 */
const BUILTINS = new Set(builtinModules);
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

function files(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files(path, out);
    else out.push(path);
  }
  return out;
}

/** The packages a compiled file loads: imports, requires and resolved package files. */
function loadedPackages(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [
    ...ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName),
    // require() and require.resolve() through createRequire, which esbuild may rename.
    ...[...text.matchAll(/\brequire\d*(?:\.resolve)?\(\s*["']([^"']+)["']/g)].map(
      (m) => m[1] as string,
    ),
  ];
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !BUILTINS.has(s))
    .map(packageOf);
}

const where = canIsolate ? ' on a read-only root filesystem' : '';

describe('production tree', { timeout: 300_000 }, () => {
  let tree = '';
  let scratch = '';
  let settings: ProductionSettings;
  let shipped: WorkspacePackage[] = [];

  before(async () => {
    tree = await createProductionTree();
    scratch = mkdtempSync(join(tmpdir(), 'roadcast-production-'));
    settings = await productionSettings(scratch, 'prodtree');
    shipped = shippedPackages(workspacePackages(tree), [...APPS]);
  });

  after(async () => {
    await settings?.cleanUp();
    if (tree) removeProductionTree(tree);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('holds the compiled apps, libraries, migration and dashboard, and no TypeScript', () => {
    for (const app of APPS) assert.ok(existsSync(join(tree, `apps/${app}/dist/main.js`)), app);
    for (const file of ['migrate.js', 'schema.prisma', 'migrations/migration_lock.toml'])
      assert.ok(existsSync(join(tree, 'prisma/dist', file)), file);
    assert.ok(existsSync(join(tree, 'apps/dashboard/dist/index.html')));
    const typescript = files(tree).filter((f) => /\.(c|m)?ts$/.test(f));
    assert.deepEqual(
      typescript.map((f) => relative(tree, f)),
      [],
    );
    for (const pkg of shipped) {
      const exported = JSON.stringify(pkg.manifest.exports ?? {});
      assert.doesNotMatch(exported, /\/src\/|\.ts"/, `${pkg.name} exports sources`);
    }
  });

  it('has no dev dependency installed: no tsx, no TypeScript compiler, no prisma CLI', () => {
    const lock = JSON.parse(readFileSync(join(tree, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
    };
    const dev = Object.entries(lock.packages)
      .filter(([path, p]) => path.includes('node_modules/') && (p.dev || p.devOptional))
      .map(([path]) => path);
    assert.ok(dev.includes('node_modules/tsx') && dev.includes('node_modules/typescript'));
    const installed = dev.filter((path) => existsSync(join(tree, path)));
    assert.deepEqual(installed, []);
    for (const tool of ['tsx', 'typescript', 'esbuild', 'prisma', 'nx', 'vite'])
      assert.ok(!existsSync(join(tree, 'node_modules', tool)), tool);
  });

  it('gives each shipped package exactly the dependencies its compiled code loads', () => {
    assert.ok(shipped.length > APPS.length, 'the apps declare the libraries they use');
    for (const pkg of shipped) {
      const loaded = new Set(files(join(tree, pkg.dir, 'dist')).flatMap(loadedPackages));
      assert.deepEqual(
        [...loaded].sort(),
        Object.keys(pkg.manifest.dependencies ?? {}).sort(),
        `${pkg.dir}/package.json "dependencies" against what ${pkg.dir}/dist loads`,
      );
    }
  });

  it('places the migration engine where the migration loads it', () => {
    assert.ok(existsSync(join(tree, 'node_modules/@prisma/internals/build/schema_engine_bg.wasm')));
  });

  it(`migrates with the migrate image's command${where}`, async () => {
    const run = launch(imageCommand('migrate'), {
      cwd: tree,
      env: settings.common,
      readOnlyRoot: canIsolate,
    });
    assert.equal(await exited(run.child), 0, run.output());
    assert.match(run.output(), /Applied \d+ migration/);
  });

  for (const app of APPS) {
    it(`${app}: the image's command starts it, ready and healthy, and SIGTERM stops it${where}`, async () => {
      const run = launch(imageCommand(app), {
        cwd: tree,
        env: { ...settings.common, ...settings.env[app as App] },
        readOnlyRoot: canIsolate,
      });
      try {
        const base = `http://127.0.0.1:${settings.healthPort[app]}`;
        assert.equal(
          await answers(`${base}/readyz`, 60_000),
          200,
          `${app} /readyz\n${run.output()}`,
        );
        assert.equal(await answers(`${base}/healthz`, 1_000), 200);
        if (app === 'api') {
          const page = await fetch(`${base}/`).then((r) => r.text());
          assert.equal(page, readFileSync(join(tree, 'apps/dashboard/dist/index.html'), 'utf8'));
        }
        assert.doesNotMatch(run.output(), /EROFS|read-only file system/i);
      } finally {
        run.child.kill('SIGTERM');
      }
      assert.equal(await exited(run.child), 0, `${app} exit code after SIGTERM\n${run.output()}`);
    });
  }
});
