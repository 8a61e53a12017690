import { isIP } from 'node:net';
import { connect, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';

export interface TlsIdentity {
  cert: string | Buffer;
  key: string | Buffer;
  ca: string | Buffer;
  servername?: string;
}

/**
 * Opens the vehicle's TLS connections. The certificate, key and CA are parsed once, not at
 * every reconnect, and the last TLS session is offered again, so a vehicle coming back from
 * a tunnel makes an abbreviated handshake (no certificate signatures or chain checks on
 * either side) while the server still holds its ticket. A server that does not accept the
 * ticket simply makes a full handshake.
 */
export class TlsConnector {
  private context: SecureContext | undefined;
  private session: Buffer | undefined;
  private readonly servername: string | undefined;

  constructor(
    private readonly identity: TlsIdentity,
    private readonly host: string,
    private readonly port: number,
  ) {
    this.servername = identity.servername ?? (isIP(host) === 0 ? host : undefined);
  }

  /** Whether the last connection resumed an earlier session (for tests and diagnostics). */
  lastResumed = false;

  open(): TLSSocket {
    this.context ??= createSecureContext({
      cert: this.identity.cert,
      key: this.identity.key,
      ca: this.identity.ca,
      minVersion: 'TLSv1.2',
    });
    const socket = connect({
      host: this.host,
      port: this.port,
      secureContext: this.context,
      rejectUnauthorized: true,
      ...(this.servername ? { servername: this.servername } : {}),
      ...(this.session ? { session: this.session } : {}),
    });
    socket.on('session', (session: Buffer) => {
      this.session = session;
    });
    socket.once('secureConnect', () => {
      this.lastResumed = socket.isSessionReused();
    });
    // A session the server refused or cut short is not offered again.
    socket.once('error', () => {
      this.session = undefined;
    });
    return socket;
  }
}
