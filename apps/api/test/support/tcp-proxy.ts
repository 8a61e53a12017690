import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Ends every relayed connection and refuses new ones until restore(). */
  cut(): void;
  /**
   * Relays nothing more in either direction and answers no new connection, but closes
   * nothing: a host that went silent. restore() then ends the stalled connections.
   */
  silence(): void;
  restore(): void;
  /**
   * Calls `hook` once, before relaying the first client chunk that contains `bytes`; the
   * chunk waits until the hook's promise settles.
   */
  beforeClientSends(bytes: Buffer, hook: () => Promise<void>): void;
  close(): Promise<void>;
}

/**
 * A TCP relay to `target` the test controls: it can cut the path (every connection ended,
 * new ones closed at once, as when a database host goes away) and restore it.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let isCut = false;
  let silent = false;
  let watch: { bytes: Buffer; hook: () => Promise<void> } | undefined;
  const server = createServer((client) => {
    if (isCut) {
      client.destroy();
      return;
    }
    if (silent) {
      sockets.add(client);
      client.on('error', () => undefined);
      return;
    }
    const upstream = connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
    upstream.on('data', (chunk: Buffer) => {
      if (!silent) client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      if (silent) return;
      const w = watch;
      if (w && chunk.includes(w.bytes)) {
        watch = undefined;
        client.pause();
        void w.hook().finally(() => {
          upstream.write(chunk);
          client.resume();
        });
        return;
      }
      if (!upstream.write(chunk)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      isCut = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    silence() {
      silent = true;
    },
    restore() {
      if (silent) for (const s of sockets) s.destroy();
      sockets.clear();
      silent = false;
      isCut = false;
    },
    beforeClientSends(bytes, hook) {
      watch = { bytes, hook };
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
