import type { TLSSocket } from 'node:tls';
import { ReasonCode } from '@roadcast/mqtt';
import { certificateKey, readCrlEntries, revokedCertificateKeys } from '@roadcast/pki';
import type { RouterContext } from './router-context.js';
import type { VehicleConnection } from './vehicle-connection.js';

/** How often queued revocations are carried out; each pass takes its share of the drain rate. */
const PASS_MS = 100;

/**
 * Ends the open sessions of vehicles whose certificate a new CRL revokes. The handshake
 * refuses a revoked certificate from then on, but a session opened before stays open until
 * something closes it: this does, telling a 5.0 vehicle why (DISCONNECT 0x98, administrative
 * action). Connections are indexed by issuer and serial number at the handshake, so a sweep
 * costs the length of the CRL, not the number of connections, and disconnects are paced at
 * the policy's drain rate.
 */
export class RevocationSweep {
  private readonly ctx: RouterContext;
  private readonly byCertificate = new Map<string, Set<VehicleConnection>>();
  private readonly keyOf = new WeakMap<VehicleConnection, string>();
  private queue: VehicleConnection[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(ctx: RouterContext) {
    this.ctx = ctx;
  }

  /** Notes the certificate a new connection presented (resumed sessions included). */
  track(conn: VehicleConnection, socket: TLSSocket): void {
    const raw = socket.getPeerCertificate().raw as Buffer | undefined;
    if (!raw) return;
    let key: string;
    try {
      key = certificateKey(raw);
    } catch {
      // The handshake accepted it, so the identity check refuses it; nothing to revoke.
      return;
    }
    this.keyOf.set(conn, key);
    let set = this.byCertificate.get(key);
    if (!set) this.byCertificate.set(key, (set = new Set()));
    set.add(conn);
  }

  untrack(conn: VehicleConnection): void {
    const key = this.keyOf.get(conn);
    if (key === undefined) return;
    const set = this.byCertificate.get(key);
    set?.delete(conn);
    if (set?.size === 0) this.byCertificate.delete(key);
  }

  /** Queues every open connection whose certificate the CRL revokes; returns how many. */
  apply(crl: Buffer | string | undefined): number {
    if (!crl) return 0;
    const revoked = revokedCertificateKeys(readCrlEntries(crl));
    const queued = new Set(this.queue);
    let found = 0;
    for (const key of revoked) {
      for (const conn of this.byCertificate.get(key) ?? []) {
        if (queued.has(conn)) continue;
        this.queue.push(conn);
        found += 1;
      }
    }
    if (found > 0) {
      this.ctx.logger.warn({ sessions: found }, 'ending sessions of revoked certificates');
      this.schedule();
    }
    return found;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.pass(), PASS_MS);
    this.timer.unref();
    this.pass();
  }

  private pass(): void {
    const perSecond = this.ctx.policy.current.policy.drain.disconnectPerSecond;
    const limit = Math.max(1, Math.floor((perSecond * PASS_MS) / 1000));
    for (const conn of this.queue.splice(0, limit)) {
      if (conn.isClosed()) continue;
      conn.log.info('certificate revoked; session ended');
      // [MQTT-3.14.0-1] a DISCONNECT only follows a CONNACK; before one the socket just closes.
      if (conn.state === 'relaying') conn.disconnect(ReasonCode.administrativeAction, 'revoked');
      else conn.close('revoked');
      this.ctx.metrics.revoked.inc();
    }
    if (this.queue.length === 0) this.stop();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
