import { randomBytes } from 'node:crypto';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import {
  createServer as createTlsServer,
  type SecureContextOptions,
  type TLSSocket,
} from 'node:tls';
import type { AddressInfo } from 'node:net';
import { ReasonCode } from '@roadcast/mqtt';
import type { RouterContext } from './router-context.js';
import type { Refusal } from './refusals.js';
import { RevocationSweep } from './revocation-sweep.js';
import { VehicleConnection } from './vehicle-connection.js';
import { identifyVehicle } from './vehicle-identity.js';

export interface RouterListeners {
  /** The mTLS vehicle listener. */
  tls?: {
    host: string;
    port: number;
    secure: SecureContextOptions;
    /** Lifetime of a TLS session ticket; see `setSecureContext` for how they end early. */
    sessionTimeoutS?: number;
  };
  /** Plain MQTT for development and load tests only: the client id is trusted as the identity. */
  plain?: { host: string; port: number };
}

/**
 * Names the sessions this listener issues. Node's default is derived from the command line,
 * which may differ between replicas; OpenSSL resumes only sessions of the same context.
 */
const SESSION_ID_CONTEXT = 'roadcast-router-vehicles';

/**
 * The vehicle-facing listeners and the set of live connections. Network screening happens
 * on the raw TCP connection, before any TLS work; identity when the handshake completes.
 */
export class VehicleRouter {
  readonly connections = new Set<VehicleConnection>();
  private readonly ctx: RouterContext;
  private readonly listeners: RouterListeners;
  private readonly servers: Server[] = [];
  private tlsServer: ReturnType<typeof createTlsServer> | undefined;
  private readonly revocation: RevocationSweep;
  /** Rate and quota decisions made at TCP accept, by remote address and port, until CONNECT. */
  private readonly admissions = new Map<string, Refusal | null>();
  readonly ports: { tls?: number; plain?: number } = {};

  constructor(ctx: RouterContext, listeners: RouterListeners) {
    this.ctx = ctx;
    this.listeners = listeners;
    this.revocation = new RevocationSweep(ctx);
    ctx.policy.onChange(() => {
      for (const conn of this.connections) conn.reconfigure();
    });
  }

  private screen(socket: Socket): boolean {
    const address = socket.remoteAddress ?? '';
    const refusal = this.ctx.gate.screen(address);
    if (refusal) {
      this.ctx.metrics.refusals.inc({ reason: refusal });
      this.ctx.logger.info({ address, refusal }, 'refused');
      socket.destroy();
      return false;
    }
    const key = `${address}:${socket.remotePort}`;
    this.admissions.set(key, this.ctx.gate.admit(address, this.connections.size));
    socket.once('close', () => this.admissions.delete(key));
    return true;
  }

  private track(socket: Socket, tlsSocket: TLSSocket | null): void {
    const key = `${socket.remoteAddress ?? ''}:${socket.remotePort}`;
    const admission = this.admissions.get(key) ?? null;
    this.admissions.delete(key);
    const { topics } = this.ctx.policy.current;
    const conn = new VehicleConnection({
      ctx: this.ctx,
      socket,
      tlsIdentity: tlsSocket
        ? identifyVehicle(tlsSocket, {
            source: this.ctx.identity.source,
            idPattern: this.ctx.identity.idPattern,
            hasRole: (role) => topics.hasRole(role),
          })
        : null,
      admission,
      onClosed: (c) => {
        this.connections.delete(c);
        this.revocation.untrack(c);
        this.ctx.metrics.connections.set({ state: 'open' }, this.connections.size);
      },
    });
    this.connections.add(conn);
    if (tlsSocket && !conn.isClosed()) this.revocation.track(conn, tlsSocket);
    this.ctx.metrics.connections.set({ state: 'open' }, this.connections.size);
  }

  async start(): Promise<void> {
    const { tls, plain } = this.listeners;
    if (tls) {
      const server = createTlsServer(
        {
          ...tls.secure,
          requestCert: true,
          // Verified by hand after the handshake, so that refusals are MQTT answers with a vehicle id.
          rejectUnauthorized: false,
          minVersion: 'TLSv1.2',
          handshakeTimeout: this.ctx.policy.current.policy.protocol.connectTimeoutMs,
          // Returning vehicles resume their session: no certificate signatures or chain
          // checks on either side, which is what makes a reconnect storm affordable.
          sessionTimeout: tls.sessionTimeoutS ?? 3_600,
          sessionIdContext: SESSION_ID_CONTEXT,
          ticketKeys: tls.secure.ticketKeys ?? randomBytes(48),
        },
        (socket) => {
          this.ctx.metrics.tlsHandshakes.inc({ resumed: String(socket.isSessionReused()) });
          this.track(socket, socket);
        },
      );
      server.on('connection', (socket: Socket) => {
        this.screen(socket);
      });
      server.on('tlsClientError', (err: Error & { code?: string }, socket) => {
        this.ctx.metrics.closes.inc({ reason: 'tls-handshake' });
        this.ctx.metrics.tlsFailures.inc({ code: tlsErrorCode(err) });
        this.ctx.logger.debug(
          { address: socket.remoteAddress, err: err.message },
          'TLS handshake failed',
        );
      });
      this.ports.tls = await listen(server, tls.host, tls.port);
      this.tlsServer = server;
      this.servers.push(server);
    }
    if (plain) {
      const server = createNetServer((socket) => {
        if (this.screen(socket)) this.track(socket, null);
      });
      this.ports.plain = await listen(server, plain.host, plain.port);
      this.servers.push(server);
    }
  }

  /**
   * New certificate, key, CA or CRL: applies to handshakes from now on. The session ticket
   * keys come with it (see `ticketKeysFor`): after a new CRL no earlier ticket resumes, since
   * a resumed session skips certificate checks, so every vehicle makes one full handshake and
   * a revoked one is refused. Sessions already open with a certificate the CRL now lists are
   * ended.
   */
  setSecureContext(secure: SecureContextOptions): void {
    // Node resets what it is not given here (the minimum version among it) to its defaults.
    this.tlsServer?.setSecureContext({
      ...secure,
      minVersion: 'TLSv1.2',
      sessionIdContext: SESSION_ID_CONTEXT,
      ticketKeys: secure.ticketKeys ?? randomBytes(48),
    });
    try {
      for (const crl of [secure.crl ?? []].flat()) this.revocation.apply(crl);
    } catch (err) {
      this.ctx.logger.error({ err }, 'CRL not readable; open sessions were not checked');
    }
  }

  /**
   * Stops accepting, tells every 5.0 vehicle the server is shutting down (0x8B) and waits
   * until the connections are gone or the time is up.
   */
  async stop(timeoutMs = 5_000): Promise<void> {
    this.revocation.stop();
    const closed = Promise.all(
      this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    );
    for (const conn of [...this.connections])
      conn.disconnect(ReasonCode.serverShuttingDown, 'shutting-down');
    const deadline = Date.now() + timeoutMs;
    while (this.connections.size > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    for (const conn of [...this.connections]) conn.socket.destroy();
    await closed;
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** A bounded label for a TLS failure: the error's code, or `other`. */
function tlsErrorCode(err: Error & { code?: string }): string {
  return err.code && /^[A-Z0-9_]{1,80}$/.test(err.code) ? err.code : 'other';
}
