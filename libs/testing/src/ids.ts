import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';

// Names and ports that one test owns alone.

/**
 * A TCP port that was free a moment ago on `host`. Another process may still take it before
 * the caller binds, so callers that spawn a server retry on "address in use".
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('listener has no port'));
      });
    });
  });
}

let counter = 0;

/**
 * A name no other test, process or earlier run uses: a Redis key prefix or a BullMQ queue
 * name. Only letters, digits, `-` and `_` (BullMQ refuses `:` in queue names), at most 48
 * characters, so a caller may still append `:` and a suffix within a 64-character limit.
 */
export function uniquePrefix(label: string): string {
  const slug =
    label
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 24) || 'test';
  counter += 1;
  return `t-${slug}-${process.pid.toString(36)}${counter.toString(36)}${randomBytes(4).toString('hex')}`;
}
