import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';

/** Paths the API answers itself; the dashboard never serves a page for them. */
const RESERVED = ['/v1', '/docs', '/healthz', '/readyz', '/metrics'];
const DEFAULT_ROOT = resolve(import.meta.dirname, '../../../dashboard/dist');

// The page loads only its own scripts and styles and talks only to this origin.
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-cache',
  'content-security-policy':
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; " +
    "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Roadcast</title></head>
<body><main><h1>Roadcast</h1><p>The dashboard has not been built. Run
<code>npm run build -w @roadcast/dashboard</code> and reload.</p></main></body></html>`;

export const isReservedPath = (path: string): boolean =>
  RESERVED.some((p) => path === p || path.startsWith(`${p}/`));

/**
 * The operator dashboard at `/`, same origin as the API: the built files of apps/dashboard
 * with long-lived caching for hashed assets, and index.html for any other GET path so that
 * a reloaded deep link still opens the page. API, docs, health and metrics paths keep the
 * API's own answers, including its coded 404.
 */
export default fp<{ root?: string }>(
  async (app, options) => {
    const root = options.root ?? DEFAULT_ROOT;
    const indexFile = join(root, 'index.html');
    const built = existsSync(indexFile);
    if (built) {
      await app.register(fastifyStatic, {
        root,
        prefix: '/',
        // One route per built file, found at start-up, so no wildcard competes with the API.
        wildcard: false,
        index: false,
        cacheControl: false,
        setHeaders: (res, path) => {
          res.setHeader(
            'cache-control',
            path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
          );
          res.setHeader('x-content-type-options', 'nosniff');
        },
      });
    }
    const page = async () => (built ? readFile(indexFile, 'utf8') : NOT_BUILT);

    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply.headers(PAGE_HEADERS).send(await page()),
    );
    app.get('/*', { schema: { hide: true } }, async (request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      // A missing asset is a 404, not a page: a stale script reference must fail visibly.
      if (isReservedPath(path) || extname(path) !== '') return reply.callNotFound();
      return reply.headers(PAGE_HEADERS).send(await page());
    });
  },
  { name: 'roadcast-dashboard', dependencies: ['roadcast-error-handler'] },
);
