/**
 * `npm run db:migrate`            apply committed migrations (creates the database if missing)
 * `npm run db:migration:new -- n` write the next migration from schema.prisma
 * Both run Prisma's WebAssembly schema engine: nothing is downloaded.
 */
import { join } from 'node:path';
import { applyMigrations, createMigration } from '@roadcast/db';

const paths = {
  schemaFile: join(import.meta.dirname, 'schema.prisma'),
  migrationsDir: join(import.meta.dirname, 'migrations'),
};
const url = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/roadcast';
const [command, name] = process.argv.slice(2);
const where = new URL(url);
where.password = '';

try {
  if (command === 'deploy') {
    const { created, applied } = await applyMigrations(url, paths);
    if (created) console.log(`Created database ${where.pathname.slice(1)}.`);
    console.log(
      applied.length > 0
        ? `Applied ${applied.length} migration(s) to ${where.host}${where.pathname}: ${applied.join(', ')}`
        : `Database ${where.host}${where.pathname} is up to date.`,
    );
  } else if (command === 'new' && name) {
    const dir = await createMigration(url, paths, name);
    console.log(dir ? `Wrote ${dir}/migration.sql` : 'schema.prisma has no changes; no migration written.');
  } else {
    console.error('usage: migrate.ts deploy | new <name>');
    process.exitCode = 2;
  }
} catch (err) {
  console.error(`Migration failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
// The schema engine leaves a lock-timeout timer behind; nothing else is pending here.
process.exit();
