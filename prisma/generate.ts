/**
 * Generates the Prisma client into libs/db/src/generated without any download: Prisma's CLI
 * insists on a native schema engine before it runs even `generate` (which does not use it),
 * so it is pointed at a placeholder file; generation itself is WebAssembly.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const prismaDir = dirname(require.resolve('prisma/package.json'));

// The migration engine's loader looks for its `.wasm` beside `@prisma/internals`, but npm
// installs it in the `prisma` package. Place it at install time: a deployed app may run on a
// read-only root filesystem, where the first migration could not copy it.
const engineTarget = join(
  dirname(require.resolve('@prisma/internals/package.json')),
  'build',
  'schema_engine_bg.wasm',
);
if (!existsSync(engineTarget)) {
  mkdirSync(dirname(engineTarget), { recursive: true });
  copyFileSync(join(prismaDir, 'build', 'schema_engine_bg.wasm'), engineTarget);
}

const result = spawnSync(
  process.execPath,
  [join(prismaDir, 'build', 'index.js'), 'generate', '--schema', join(import.meta.dirname, 'schema.prisma')],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      CHECKPOINT_DISABLE: '1',
    },
  },
);
process.exitCode = result.status ?? 1;
