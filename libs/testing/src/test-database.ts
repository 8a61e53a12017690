import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { migrateWithCli, PRISMA_DIR } from './migrate-cli.js';
import { isProcessAlive } from './process-alive.js';

export interface TestDatabaseOptions {
  /** A superuser connection to the server's maintenance database. */
  adminUrl?: string;
  /** Part of the database name, to tell test databases apart when debugging. */
  label?: string;
}

export interface TestDatabase {
  /** Connection string of the new, fully migrated database. */
  url: string;
  name: string;
  /** Drops the database, ending any connection still open to it. Safe to call twice. */
  drop(): Promise<void>;
}

const DEFAULT_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
const TEMPLATE_PREFIX = 'roadcast_tpl_';
const TEST_PREFIX = 'roadcast_test_';
// One lock for every process that builds templates or clones them (pg_advisory_lock key).
const LOCK_KEY = 0x52_43_54_44;

/**
 * The committed migrations decide the template: any change to them names a new one, so a
 * template is never stale and is built once for all tests and runs that share it.
 */
function templateName(): string {
  const hash = createHash('sha256');
  const migrationsDir = join(PRISMA_DIR, 'migrations');
  for (const entry of readdirSync(migrationsDir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (!entry.isDirectory()) continue;
    hash.update(entry.name);
    try {
      hash.update(readFileSync(join(migrationsDir, entry.name, 'migration.sql')));
    } catch {
      throw new Error(`prisma/migrations/${entry.name} has no migration.sql; finish or remove it`);
    }
  }
  return `${TEMPLATE_PREFIX}${hash.digest('hex').slice(0, 16)}`;
}

function withDatabase(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function dropDatabase(admin: pg.Client, name: string): Promise<void> {
  await admin.query(`ALTER DATABASE ${quote(name)} IS_TEMPLATE false`).catch(() => undefined);
  await admin.query(`DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`);
}

async function buildTemplate(admin: pg.Client, adminUrl: string, name: string): Promise<void> {
  await dropDatabase(admin, name);
  await admin.query(`CREATE DATABASE ${quote(name)}`);
  await migrateWithCli(withDatabase(adminUrl, name));
  // Marked complete only now: a half-built template from a crashed run is rebuilt, not cloned.
  await admin.query(`ALTER DATABASE ${quote(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
}

/** Templates of older migrations, and test databases whose process is gone. */
async function reap(admin: pg.Client, current: string): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE '${TEMPLATE_PREFIX}%' OR datname LIKE '${TEST_PREFIX}%'`,
  );
  for (const { datname } of rows) {
    const pid = /_p(\d+)_[0-9a-f]+$/.exec(datname)?.[1];
    const stale = datname.startsWith(TEMPLATE_PREFIX)
      ? datname !== current
      : pid !== undefined && !isProcessAlive(Number(pid));
    if (stale) await dropDatabase(admin, datname).catch(() => undefined);
  }
}

let reaped = false;

/**
 * A fresh database with every migration applied, cloned from a migrated template so that a
 * test pays for a copy, not for a migration.
 */
export async function createTestDatabase(
  labelOrOptions: string | TestDatabaseOptions = {},
): Promise<TestDatabase> {
  const options = typeof labelOrOptions === 'string' ? { label: labelOrOptions } : labelOrOptions;
  const adminUrl = options.adminUrl ?? DEFAULT_ADMIN_URL;
  const label = (options.label ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '')
    .slice(0, 16);
  const name = `${TEST_PREFIX}${label ? `${label}_` : ''}p${process.pid}_${randomBytes(4).toString('hex')}`;
  const template = templateName();
  const admin = new pg.Client({ connectionString: adminUrl, application_name: 'roadcast-testing' });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    try {
      const { rows } = await admin.query<{ datistemplate: boolean }>(
        'SELECT datistemplate FROM pg_database WHERE datname = $1',
        [template],
      );
      if (!reaped) {
        reaped = true;
        await reap(admin, template);
      }
      if (!rows[0]?.datistemplate) await buildTemplate(admin, adminUrl, template);
      await admin.query(`CREATE DATABASE ${quote(name)} TEMPLATE ${quote(template)}`);
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
    }
  } finally {
    await admin.end();
  }

  let dropped = false;
  return {
    url: withDatabase(adminUrl, name),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      const client = new pg.Client({
        connectionString: adminUrl,
        application_name: 'roadcast-testing',
      });
      await client.connect();
      try {
        await dropDatabase(client, name);
      } finally {
        await client.end();
      }
    },
  };
}
