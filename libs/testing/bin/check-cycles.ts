/**
 * Fails when any import cycle exists among the workspace's TypeScript sources. Module
 * specifiers are resolved by the TypeScript compiler itself (NodeNext, `.js` → `.ts`,
 * package exports), so what is checked is what the build sees.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const workspace = resolve(import.meta.dirname, '../../..');
const SKIP = new Set(['node_modules', '.nx', '.data', 'dist', 'generated', '.git']);
const options = ts.parseJsonConfigFileContent(
  JSON.parse(readFileSync(join(workspace, 'tsconfig.base.json'), 'utf8')),
  ts.sys,
  workspace,
).options;

function sources(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir)) {
    if (SKIP.has(entry)) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const files = ['apps', 'libs', 'load-tests', 'infra', 'prisma'].flatMap((d) => {
  try {
    return sources(join(workspace, d), []);
  } catch {
    return [];
  }
});
const graph = new Map<string, string[]>();
for (const file of files) {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const deps: string[] = [];
  for (const ref of info.importedFiles) {
    const resolved = ts.resolveModuleName(ref.fileName, file, options, ts.sys).resolvedModule;
    if (resolved && !resolved.isExternalLibraryImport && !resolved.resolvedFileName.endsWith('.d.ts')) {
      deps.push(resolve(resolved.resolvedFileName));
    }
  }
  graph.set(resolve(file), deps);
}

// Depth-first search with colours; every back edge closes a cycle.
const state = new Map<string, 'open' | 'done'>();
const stack: string[] = [];
const cycles: string[][] = [];
function visit(node: string): void {
  state.set(node, 'open');
  stack.push(node);
  for (const dep of graph.get(node) ?? []) {
    if (state.get(dep) === 'open') cycles.push([...stack.slice(stack.indexOf(dep)), dep]);
    else if (!state.has(dep)) visit(dep);
  }
  stack.pop();
  state.set(node, 'done');
}
for (const node of graph.keys()) if (!state.has(node)) visit(node);

if (cycles.length > 0) {
  console.error(`Import cycles found (${cycles.length}):`);
  for (const cycle of cycles) console.error('  ' + cycle.map((f) => relative(workspace, f)).join(' -> '));
  process.exit(1);
}
console.log(`No import cycles among ${graph.size} files.`);
