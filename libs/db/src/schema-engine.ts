import { copyFile, mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPg } from '@prisma/adapter-pg';

const require = createRequire(import.meta.url);

/** The parts of Prisma's WebAssembly schema engine Roadcast uses (the package ships no types). */
export interface SchemaEngine {
  applyMigrations(input: {
    migrationsList: MigrationsList;
    filters: SchemaFilter;
  }): Promise<{ appliedMigrationNames: string[] }>;
  migrateDiff(input: {
    from: DiffSource;
    to: DiffSource;
    script: boolean;
    exitCode: null;
    filters: SchemaFilter;
  }): Promise<{ exitCode: number }>;
  dbExecute(input: { script: string; datasourceType: unknown }): Promise<null>;
  stop?: () => Promise<void>;
}

export interface MigrationsList {
  baseDir: string;
  lockfile: { path: string; content: string | null };
  migrationDirectories: Array<{
    path: string;
    migrationFile: { path: string; content: { tag: 'ok' | 'error'; value: string } };
  }>;
  shadowDbInitScript: string;
}

export type DiffSource =
  | { tag: 'empty' }
  | ({ tag: 'migrations' } & MigrationsList)
  | { tag: 'schemaDatamodel'; files: Array<{ path: string; content: string }> };

export interface SchemaFilter {
  externalTables: string[];
  externalEnums: string[];
}

export const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };

/**
 * Prisma's loader looks for the engine's `.wasm` beside `@prisma/internals`, but the file is
 * shipped in `@prisma/schema-engine-wasm`, a dependency of `@prisma/internals`. `npm install`
 * puts it there (prisma/generate.ts), as does the image build; this repairs an install made
 * with `--ignore-scripts`, and says what to do where it cannot.
 */
async function ensureWasmInPlace(): Promise<void> {
  const internals = require.resolve('@prisma/internals/package.json');
  const target = join(dirname(internals), 'build', 'schema_engine_bg.wasm');
  try {
    await stat(target);
    return;
  } catch {
    const engine = createRequire(internals).resolve('@prisma/schema-engine-wasm');
    const source = join(dirname(engine), 'schema_engine_bg.wasm');
    try {
      await mkdir(dirname(target), { recursive: true });
      await copyFile(source, target);
    } catch (error) {
      throw new Error(
        `the migration engine is missing at ${target} and could not be placed there ` +
          `(${(error as Error).message}); run npm install (or npm rebuild) with scripts enabled`,
      );
    }
  }
}

/** Starts the WebAssembly schema engine against one database; no native binary, no download. */
export async function openSchemaEngine(
  connectionString: string,
  schemaFiles: Array<[path: string, content: string]>,
): Promise<SchemaEngine> {
  await ensureWasmInPlace();
  // The package ships no type declarations; the interface above describes the part used.
  // It is CommonJS whose named exports Node's ESM import cannot see (only tsx's can), so it
  // is required.
  const { SchemaEngineWasm } = require('@prisma/migrate') as {
    SchemaEngineWasm: {
      setup(options: {
        adapter: unknown;
        schemaContext: { schemaFiles: Array<[string, string]> };
      }): Promise<SchemaEngine>;
    };
  };
  const adapter = bindMigrationAwareSqlAdapterFactory(wholeScriptAdapterFactory(connectionString));
  return SchemaEngineWasm.setup({ adapter, schemaContext: { schemaFiles } });
}

interface ScriptAdapter {
  executeScript(script: string): Promise<void>;
  underlyingDriver(): { query(sql: string): Promise<unknown> };
  release?: () => Promise<void>;
  onError(error: unknown): never;
}

/**
 * The pg adapter splits a migration script on every `;` and runs the pieces one by one: a
 * PL/pgSQL body breaks, and a failing migration is left half applied. Send each script as one
 * simple query instead, which PostgreSQL runs as a single implicit transaction, as the native
 * engine does. The shadow database must also be addressed by fields, not a connection string,
 * or the adapter's `{ ...config, database }` override is ignored.
 */
function wholeScriptAdapterFactory(connectionString: string): PrismaPg {
  const url = new URL(connectionString);
  const factory = new PrismaPg({
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username || 'postgres'),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)),
    // A migration run must not keep the process alive after the engine stops.
    allowExitOnIdle: true,
    idleTimeoutMillis: 200,
  });
  const patch = <T>(adapter: T): T => {
    const a = adapter as unknown as ScriptAdapter;
    a.executeScript = async (script: string) => {
      // The adapter drops its shadow database before closing that database's pool.
      const sql = /^DROP DATABASE "prisma_migrate_shadow_db_[0-9a-f-]+"$/.test(script)
        ? `${script} WITH (FORCE)`
        : script;
      try {
        await a.underlyingDriver().query(sql);
      } catch (error) {
        a.onError(error);
      }
    };
    return adapter;
  };
  const connect = factory.connect.bind(factory);
  const connectToShadowDb = factory.connectToShadowDb.bind(factory);
  factory.connect = async () => patch(await connect());
  factory.connectToShadowDb = async () => {
    const shadow = patch(await connectToShadowDb());
    // Its idle connections are ended by the forced drop above; that is expected.
    (shadow.underlyingDriver() as unknown as NodeJS.EventEmitter).on('error', () => undefined);
    return shadow;
  };
  return factory;
}
