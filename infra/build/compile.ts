/**
 * Compiles one project's TypeScript to JavaScript in its dist/ folder, file by file, with
 * esbuild: the same transform tsx applies in development and tests, so compiled code behaves
 * as the tested code does. Type checking stays with each project's `typecheck` target.
 *
 *   node --import tsx ../../infra/build/compile.ts .      (a project's `build` script)
 *   node --import tsx infra/build/compile.ts prisma       (the migration program)
 */
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

export interface CompileOptions {
  /** Files to compile, relative to the project; default every `.ts` file under src/. */
  entries?: string[];
  /** Files or folders the compiled code reads beside itself, copied as they are. */
  assets?: string[];
}

/**
 * Programs that live outside a project's src/. The migration program reads the schema and
 * the migrations from its own folder (`import.meta.dirname`), so they are copied beside it.
 */
export const PROGRAMS: Record<string, CompileOptions> = {
  prisma: { entries: ['migrate.ts'], assets: ['schema.prisma', 'migrations'] },
};

function typeScriptFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) typeScriptFiles(path, out);
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/**
 * Writes `outDir` (default `<projectDir>/dist`) afresh, so a deleted source leaves no stale
 * module behind. src/ maps onto dist/ one to one, which keeps every path computed from
 * `import.meta.dirname` pointing where it did in the sources.
 */
export async function compileProject(
  projectDir: string,
  outDir = join(projectDir, 'dist'),
): Promise<void> {
  const program = PROGRAMS[basename(resolve(projectDir))];
  const base = program ? projectDir : join(projectDir, 'src');
  const entries = program?.entries?.map((e) => join(projectDir, e)) ?? typeScriptFiles(base);
  rmSync(outDir, { recursive: true, force: true });
  await build({
    entryPoints: entries,
    outdir: outDir,
    outbase: base,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    // Stack traces map back to the TypeScript under `node --enable-source-maps`; the maps
    // carry positions only, not the sources.
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'warning',
  });
  for (const asset of program?.assets ?? []) {
    const from = join(projectDir, asset);
    if (!existsSync(from)) throw new Error(`${from} is missing`);
    cpSync(from, join(outDir, asset), { recursive: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const { positionals } = parseArgs({ allowPositionals: true });
  await compileProject(resolve(positionals[0] ?? '.'));
}
