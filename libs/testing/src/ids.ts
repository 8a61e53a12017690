import { randomBytes, randomInt } from 'node:crypto';
import { createServer } from 'node:net';

// Names and ports that one test owns alone.

// Listening ports are drawn from below the kernel's ephemeral range (32768–60999 by
// default), which outgoing connections take their local ports from: a port handed out here
// cannot be taken by some test's client connection before its server binds it, as one handed
// out by the kernel (port 0) can on a busy machine.
const LOW = 20_000;
const HIGH = 32_767;
const handedOut = new Set<number>();

function bindable(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host, exclusive: true }, () => {
      const address = server.address();
      server.close(() =>
        resolve(address && typeof address === 'object' ? address.port : undefined),
      );
    });
  });
}

/**
 * A TCP port that was free a moment ago on `host`, not handed out before by this process.
 * Another process may still take it before the caller binds, so callers that spawn a server
 * retry on "address in use".
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = LOW + randomInt(HIGH - LOW + 1);
    if (handedOut.has(port)) continue;
    // Reserved before the probe, so concurrent callers never probe and hand out one port
    // twice; a port that is not bindable is in use elsewhere and stays out of the draw.
    handedOut.add(port);
    if ((await bindable(port, host)) !== undefined) return port;
  }
  // The range is crowded: any free port the kernel picks.
  const port = await bindable(0, host);
  if (port === undefined) throw new Error(`no free port on ${host}`);
  return port;
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
