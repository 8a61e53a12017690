import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A named dependency check for `/readyz`; it rejects or resolves false when not ready. */
export type ReadinessCheck = () => Promise<boolean | void>;

export interface AdminServerOptions {
  host: string;
  port: number;
  registry: Registry;
  readiness?: Record<string, ReadinessCheck>;
  /** Set once the process is stopping so load balancers stop routing to it. */
  isStopping?: () => boolean;
}

export interface AdminServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

const READINESS_TIMEOUT_MS = 2_000;

/** `/healthz` (alive), `/readyz` (dependencies answer) and `/metrics` (Prometheus). */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.method !== 'GET')
      return send(405, { code: 'ROADCAST_ERR_METHOD_NOT_ALLOWED', message: 'GET only' });
    if (path === '/healthz') return send(200, { status: 'ok' });
    if (path === '/readyz') {
      void readiness(options).then(({ ready, checks }) =>
        send(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks }),
      );
      return;
    }
    if (path === '/metrics') {
      void options.registry
        .metrics()
        .then((text) => send(200, text, options.registry.contentType))
        .catch(() => send(500, { code: 'ROADCAST_ERR_INTERNAL', message: 'metrics unavailable' }));
      return;
    }
    send(404, { code: 'ROADCAST_ERR_NOT_FOUND', message: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readiness(
  options: AdminServerOptions,
): Promise<{ ready: boolean; checks: Record<string, string> }> {
  if (options.isStopping?.()) return { ready: false, checks: { process: 'stopping' } };
  const entries = Object.entries(options.readiness ?? {});
  const results = await Promise.all(
    entries.map(async ([name, check]) => {
      try {
        const ok = await withTimeout(check(), READINESS_TIMEOUT_MS);
        return [name, ok === false ? 'failing' : 'ok'] as const;
      } catch {
        return [name, 'failing'] as const;
      }
    }),
  );
  return {
    ready: results.every(([, state]) => state === 'ok'),
    checks: Object.fromEntries(results),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
