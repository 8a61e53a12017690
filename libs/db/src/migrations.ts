import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { NO_FILTER, openSchemaEngine, type MigrationsList } from './schema-engine.js';

export interface MigrationPaths {
  schemaFile: string;
  migrationsDir: string;
}

async function listMigrations(migrationsDir: string): Promise<MigrationsList> {
  const lockfile = await readFile(join(migrationsDir, 'migration_lock.toml'), 'utf8').catch(() => null);
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const migrationDirectories = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const content = await readFile(join(migrationsDir, entry.name, 'migration.sql'), 'utf8')
      .then((value) => ({ tag: 'ok' as const, value }))
      .catch((error: Error) => ({ tag: 'error' as const, value: error.message }));
    migrationDirectories.push({ path: entry.name, migrationFile: { path: 'migration.sql', content } });
  }
  return {
    baseDir: migrationsDir,
    lockfile: { path: 'migration_lock.toml', content: lockfile },
    migrationDirectories,
    shadowDbInitScript: '',
  };
}

/** Creates the database named in the URL when it does not exist yet. */
export async function ensureDatabase(connectionString: string): Promise<boolean> {
  const url = new URL(connectionString);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(name)) throw new Error(`unsupported database name "${name}"`);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE "${name}"`);
    } catch (err) {
      // Another process created it between our check and our create.
      if ((err as { code?: string }).code !== '42P04') throw err;
      return false;
    }
    return true;
  } finally {
    await client.end();
  }
}

/**
 * Applies every committed migration not yet applied, as `prisma migrate deploy` would
 * (same `_prisma_migrations` bookkeeping), creating the database first if needed.
 */
export async function applyMigrations(
  connectionString: string,
  paths: MigrationPaths,
): Promise<{ created: boolean; applied: string[] }> {
  const created = await ensureDatabase(connectionString);
  const schema = await readFile(paths.schemaFile, 'utf8');
  const engine = await openSchemaEngine(connectionString, [[paths.schemaFile, schema]]);
  try {
    const result = await engine.applyMigrations({
      migrationsList: await listMigrations(paths.migrationsDir),
      filters: NO_FILTER,
    });
    return { created, applied: result.appliedMigrationNames };
  } finally {
    await engine.stop?.();
  }
}

/**
 * Writes the SQL that takes the data model of the newest migration to the current
 * `schema.prisma` as a new migration folder `<timestamp>_<name>`, beside a snapshot of the
 * schema it produces. The diff is model to model, so it needs no database; hand-written SQL
 * (triggers, partial indexes) in earlier migrations is left alone. Returns null when the
 * schema has not changed.
 */
export async function createMigration(
  connectionString: string,
  paths: MigrationPaths,
  name: string,
  now = new Date(),
): Promise<string | null> {
  if (!/^[a-z0-9_]{1,60}$/.test(name)) throw new Error('migration name: lower-case letters, digits and _');
  const schema = await readFile(paths.schemaFile, 'utf8');
  const previous = await latestSnapshot(paths.migrationsDir);
  const engine = await openSchemaEngine(connectionString, [[paths.schemaFile, schema]]);
  let sql = '';
  const write = process.stdout.write;
  // The engine prints the script on standard output; capture it instead.
  process.stdout.write = ((chunk: string | Uint8Array) => {
    sql += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  try {
    await engine.migrateDiff({
      from: previous === null ? { tag: 'empty' } : { tag: 'schemaDatamodel', files: [{ path: SNAPSHOT, content: previous }] },
      to: { tag: 'schemaDatamodel', files: [{ path: paths.schemaFile, content: schema }] },
      script: true,
      exitCode: null,
      filters: NO_FILTER,
    });
  } finally {
    process.stdout.write = write;
    await engine.stop?.();
  }
  if (/^\s*(--\s*This is an empty migration\.?)?\s*$/.test(sql)) return null;
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const dir = join(paths.migrationsDir, `${stamp}_${name}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'migration.sql'), sql.endsWith('\n') ? sql : `${sql}\n`);
  await writeFile(join(dir, SNAPSHOT), schema);
  const lockfile = join(paths.migrationsDir, 'migration_lock.toml');
  if ((await readFile(lockfile, 'utf8').catch(() => null)) === null) {
    await writeFile(lockfile, '# Written by db:migration:new; keep it under version control.\nprovider = "postgresql"\n');
  }
  return dir;
}

const SNAPSHOT = 'schema.prisma';

/** The schema snapshot of the newest migration that has one, or null before the first. */
async function latestSnapshot(migrationsDir: string): Promise<string | null> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort().reverse();
  for (const dir of dirs) {
    const snapshot = await readFile(join(migrationsDir, dir, SNAPSHOT), 'utf8').catch(() => null);
    if (snapshot !== null) return snapshot;
  }
  return null;
}
