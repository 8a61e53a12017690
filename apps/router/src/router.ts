import { randomBytes } from 'node:crypto';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import {
  createServer as createTlsServer,
  type SecureContextOptions,
  type TLSSocket,
} from 'node:tls';
import type { AddressInfo } from 'node:net';
import { ReasonCode } from '@roadcast/mqtt';
import { ConnectionRegistry } from './connection-registry.js';
import { RevocationSweep } from './revocation-sweep.js';
import type { RouterContext } from './router-context.js';
import { VehicleAcceptor, type Accepted } from './vehicle-acceptor.js';
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

/** The key of a raw connection and of the TLS socket over it. */
function socketKey(socket: Socket): string {
  return `${socket.remoteAddress ?? ''}:${socket.remotePort}`;
}

const routerOf = Symbol('router');
type Routed = Socket & { [routerOf]?: VehicleRouter };
function forgetOnClose(this: Routed): void {
  this[routerOf]?.forget(this);
}

/**
 * Names the sessions this listener issues. Node's default is derived from the command line,
 * which may differ between replicas; OpenSSL resumes only sessions of the same context.
 */
const SESSION_ID_CONTEXT = 'roadcast-router-vehicles';

/**
 * The vehicle-facing listeners and the set of live connections. Budgets, network screening
 * and rates apply on the raw TCP connection, before any TLS work (VehicleAcceptor);
 * identity when the handshake completes.
 */
export class VehicleRouter {
  private readonly ctx: RouterContext;
  private readonly listeners: RouterListeners;
  private readonly servers: Server[] = [];
  readonly registry: ConnectionRegistry;
  private readonly acceptor: VehicleAcceptor;
  private tlsServer: ReturnType<typeof createTlsServer> | undefined;
  private readonly revocation: RevocationSweep;
  /** What was decided at TCP accept, by remote address and port, until the handshake ends. */
  private readonly accepted = new Map<string, Accepted>();
  readonly ports: { tls?: number; plain?: number } = {};

  constructor(ctx: RouterContext, listeners: RouterListeners) {
    this.ctx = ctx;
    this.listeners = listeners;
    this.revocation = new RevocationSweep(ctx);
    this.registry = new ConnectionRegistry(ctx, (conn) => this.revocation.untrack(conn));
    this.acceptor = new VehicleAcceptor(ctx, this.registry);
    ctx.policy.onChange(() => {
      for (const conn of this.connections) conn.reconfigure();
    });
  }

  get connections(): Set<VehicleConnection> {
    return this.registry.connections;
  }

  private toTls(socket: Socket, accepted: Accepted): void {
    this.accepted.set(socketKey(socket), accepted);
    (socket as Routed)[routerOf] = this;
    socket.once('close', forgetOnClose);
    this.tlsServer?.emit('connection', socket);
  }

  /** A raw connection closed; what was decided at accept is no longer needed. */
  forget(socket: Socket): void {
    this.accepted.delete(socketKey(socket));
  }

  private track(socket: Socket, tlsSocket: TLSSocket | null, given?: Accepted): void {
    const key = socketKey(socket);
    const accepted = given ?? this.accepted.get(key);
    this.accepted.delete(key);
    if (!accepted) {
      socket.destroy();
      return;
    }
    const { topics } = this.ctx.policy.current;
    const conn = new VehicleConnection({
      ctx: this.ctx,
      registry: this.registry,
      socket,
      address: accepted.address,
      tlsIdentity: tlsSocket
        ? identifyVehicle(tlsSocket, {
            source: this.ctx.identity.source,
            idPattern: this.ctx.identity.idPattern,
            hasRole: (role) => topics.hasRole(role),
          })
        : null,
      admission: accepted.admission,
      preAuth: accepted.slot,
    });
    this.registry.add(conn);
    if (tlsSocket && !conn.isClosed()) this.revocation.track(conn, tlsSocket);
  }

  /**
   * A failed handshake is counted, and towards a ban of the address when the client did
   * something (a bad hello, a handshake it never finished); a peer that merely closed, such
   * as a TCP health check, is not held against its address.
   */
  private handshakeFailed(err: Error & { code?: string }, socket: Socket): void {
    const code = tlsErrorCode(err);
    this.ctx.metrics.closes.inc({ reason: 'tls-handshake' });
    this.ctx.metrics.tlsFailures.inc({ code });
    const address = this.accepted.get(socketKey(socket))?.address ?? socket.remoteAddress ?? '';
    if (code.startsWith('ERR_SSL_') || code === 'ERR_TLS_HANDSHAKE_TIMEOUT')
      this.registry.recordFailure(address);
    this.registry.log.log(
      undefined,
      'tls-handshake',
      'debug',
      { address, err: err.message, code },
      'TLS handshake failed',
    );
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
      server.on('tlsClientError', (err: Error & { code?: string }, socket) =>
        this.handshakeFailed(err, socket),
      );
      this.tlsServer = server;
      // The TLS server does not listen itself: connections reach it only through the acceptor.
      const front = createNetServer((socket) =>
        this.acceptor.accept(socket, (s, accepted) => this.toTls(s, accepted)),
      );
      this.ports.tls = await listen(front, tls.host, tls.port);
      this.servers.push(front);
    }
    if (plain) {
      const server = createNetServer((socket) =>
        this.acceptor.accept(socket, (s, accepted) => this.track(s, null, accepted)),
      );
      this.ports.plain = await listen(server, plain.host, plain.port);
      this.servers.push(server);
    }
    this.registry.start();
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
    this.registry.stop();
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
