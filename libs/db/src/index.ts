export { createDb, createPool, PrismaClient, type Db, type DbOptions } from './client.js';
export { applyMigrations, createMigration, ensureDatabase, type MigrationPaths } from './migrations.js';
export * from './generated/prisma/enums.js';
export type * from './generated/prisma/models.js';
