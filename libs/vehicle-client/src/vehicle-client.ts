import { EventEmitter } from 'node:events';
import type { KeyObject } from 'node:crypto';
import mqtt, { MqttClient, type IClientOptions, type IPublishPacket } from 'mqtt';
import {
  ackTopic,
  isForwardTransition,
  isTerminalDeliveryState,
  noticeTopic,
  statusTopic,
  type AckState,
  type Notice,
  type VehicleStatus,
} from '@roadcast/contracts';
import { checkNotice, type RejectReason } from './notice-check.js';
import type { NoticeRecord, NoticeStore } from './notice-store.js';
import { ReconnectBackoff } from './reconnect-backoff.js';
import { TlsConnector } from './tls-connector.js';
import { compareVersions } from './version-order.js';

export interface VehicleClientOptions {
  vehicleId: string;
  /** `mqtts://router:8883` in the field; `mqtt://` is accepted for tests against a plain broker. */
  url: string;
  /** PEM client certificate, key and fleet CA for mTLS. */
  tls?: { cert: string | Buffer; key: string | Buffer; ca: string | Buffer; servername?: string };
  /**
   * Straight to an edge broker that checks passwords (development and tests, no router in
   * between): the login to present, as the router would; the vehicle id stays the client id.
   * Through the router the certificate is the identity and the user name is the vehicle id.
   */
  brokerLogin?: { username: string; password: string };
  /** 5 (default) or 4 for MQTT 3.1.1. */
  protocolVersion?: 4 | 5;
  /** How long the edge broker keeps the session (and queues notices) while the vehicle is away. */
  sessionExpirySeconds?: number;
  keepaliveSeconds?: number;
  connectTimeoutMs?: number;
  /**
   * Public keys that may sign notices, by key id. The map is read at every notice, so an
   * embedding that updates it (a key rotation) needs no restart.
   */
  trustedKeys: ReadonlyMap<string, KeyObject | string>;
  /**
   * Keys whose notices in the legacy per-notice format (which does not name the vehicle) are
   * still accepted, for the transition to batch signatures only. Empty by default.
   */
  legacyKeyIds?: ReadonlySet<string>;
  /** The version of an update the vehicle runs now (from its own inventory), if known. */
  installedVersion?: (updateId: string) => string | undefined;
  /**
   * What the vehicle runs now (versions per component, boot health), reported on its status
   * topic after every connect and whenever the embedding calls `publishStatus` (after an
   * install and reboot). No status is reported when omitted.
   */
  status?: () => VehicleStatusReport;
  store: NoticeStore;
  reconnect?: { initialMs?: number; maxMs?: number; random?: () => number };
  now?: () => Date;
}

/** A status report without its time, which the SDK stamps when it sends it. */
export type VehicleStatusReport = Omit<VehicleStatus, 'at'>;

export interface RejectedNotice {
  reason: RejectReason;
  noticeId?: string;
  campaignId?: string;
}

export interface CancelledUpdate {
  /** The cancel notice itself. */
  notice: Notice;
  /** The update it withdraws, when the vehicle had been told about it. */
  update?: NoticeRecord;
}

export interface VehicleClientEvents {
  connected: [{ sessionPresent: boolean }];
  disconnected: [];
  /** A new, verified update notice: the embedding software decides what to do and reports. */
  notice: [Notice];
  /** A notice the vehicle refused; it has been reported as `rejected`. */
  rejected: [RejectedNotice];
  cancel: [CancelledUpdate];
  /** A notice delivered again; not surfaced as `notice`, its last state was re-sent. */
  duplicate: [{ noticeId: string }];
  warning: [Error];
}

const DEFAULT_SESSION_EXPIRY_S = 7 * 24 * 3600;
const REASON_MAX = 512;
const CLEAN_DISCONNECT_MS = 2_000;

/**
 * Keep-alive timers that do not hold the process open by themselves (an open socket does).
 * MQTT.js can arm a keep-alive for a CONNACK that arrives while the client is being ended;
 * with a plain interval that orphan would keep an embedding process alive until it fires.
 */
const UNREF_KEEPALIVE_TIMER = {
  set: (callback: () => void, ms: number) => setInterval(callback, ms).unref(),
  clear: (timer: NodeJS.Timeout) => clearInterval(timer),
};

/**
 * The reference vehicle SDK. It keeps one persistent MQTT session through the router,
 * verifies every notice before the vehicle's software sees it, shows each notice to that
 * software at most once (across reconnects and restarts, through the notice store), and
 * reports progress on the ack topic with QoS 1, re-sending after a reconnect whatever the
 * broker has not confirmed yet.
 */
export class VehicleClient extends EventEmitter<VehicleClientEvents> {
  readonly vehicleId: string;
  private readonly options: VehicleClientOptions;
  private readonly backoff: ReconnectBackoff;
  private readonly now: () => Date;
  private client: MqttClient | undefined;
  private tlsConnector: TlsConnector | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Set while the embedding code keeps the vehicle offline (stop, simulated signal loss). */
  private offline = true;
  private storeOpened = false;

  constructor(options: VehicleClientOptions) {
    super();
    this.vehicleId = options.vehicleId;
    this.options = options;
    this.now = options.now ?? (() => new Date());
    this.backoff = new ReconnectBackoff({
      initialMs: options.reconnect?.initialMs ?? 500,
      maxMs: options.reconnect?.maxMs ?? 30_000,
      ...(options.reconnect?.random ? { random: options.reconnect.random } : {}),
    });
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Opens the store and starts connecting; connection progress is reported by events. */
  async start(): Promise<void> {
    if (!this.storeOpened) {
      await this.options.store.open();
      this.storeOpened = true;
    }
    this.goOnline();
  }

  /** Reconnects after `goOffline`; a no-op while online. */
  goOnline(): void {
    if (!this.offline) return;
    this.offline = false;
    // MQTT.js defers a reconnect until an earlier end() has finished; one cut short (the
    // socket dropped while it waited for PUBACKs) never finishes, so such a client is
    // replaced rather than asked to reconnect. Unconfirmed reports are re-sent on connect.
    if (this.client && this.client.disconnecting && !this.client.disconnected) {
      this.client.removeAllListeners().on('error', () => undefined);
      this.client = undefined;
    }
    if (this.client) this.client.reconnect();
    else this.client = this.createClient();
  }

  /**
   * Drops the connection and stays offline until `goOnline`. `clean` sends DISCONNECT
   * (the session stays for its expiry); otherwise the socket is destroyed as when a car
   * enters a tunnel, and the broker only notices at the keep-alive timeout.
   */
  async goOffline(options: { clean: boolean }): Promise<void> {
    this.offline = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    if (!client) return;
    if (options.clean && client.connected) {
      // A broker that does not answer must not hold the caller: fall back to dropping the socket.
      const ended = await Promise.race([
        client.endAsync(false).then(() => true),
        new Promise<false>((resolve) =>
          setTimeout(() => resolve(false), CLEAN_DISCONNECT_MS).unref(),
        ),
      ]);
      if (ended) return;
    }
    client.stream?.destroy();
    await client.endAsync(true);
  }

  /** Disconnects cleanly and closes the store. */
  async stop(): Promise<void> {
    await this.goOffline({ clean: true });
    // MQTT.js may still report a late error (a keep-alive expiring as the socket closes).
    this.client?.removeAllListeners().on('error', () => undefined);
    this.client = undefined;
    await this.options.store.close();
    this.storeOpened = false;
  }

  /** Notices accepted earlier whose update has not reached a final state, e.g. to resume after a restart. */
  unfinished(): NoticeRecord[] {
    return this.options.store
      .list()
      .filter((r) => r.type === 'update' && !isTerminalDeliveryState(r.state));
  }

  /**
   * Records and reports the vehicle's progress on a notice. Returns false (and reports
   * nothing) when the state would not move the notice forward, e.g. after a cancel.
   */
  async report(
    noticeId: string,
    state: Exclude<AckState, 'rejected'>,
    reason?: string,
  ): Promise<boolean> {
    const record = this.options.store.get(noticeId);
    if (!record || record.type !== 'update' || !isForwardTransition(record.state, state))
      return false;
    const next: NoticeRecord = { ...record, state };
    if (reason !== undefined) next.reason = reason.slice(0, REASON_MAX);
    else delete next.reason;
    await this.options.store.put(next);
    this.sendAck(next);
    return true;
  }

  /**
   * Reports what the vehicle runs now (the `status` option) with QoS 1, e.g. after an install
   * and the reboot into it. Offline, nothing is sent: every connect reports the status anyway.
   * Returns whether a report went out.
   */
  publishStatus(): boolean {
    const client = this.client;
    const status = this.options.status?.();
    if (!client?.connected || !status) return false;
    const report: VehicleStatus = { ...status, at: this.now().toISOString() };
    client.publish(statusTopic(this.vehicleId), JSON.stringify(report), { qos: 1 }, (err) => {
      if (err) this.warn(err);
    });
    return true;
  }

  private createClient(): MqttClient {
    const { options } = this;
    const protocolVersion = options.protocolVersion ?? 5;
    const connectOptions: IClientOptions = {
      clientId: this.vehicleId,
      username: this.vehicleId,
      ...options.brokerLogin,
      protocolVersion,
      clean: false,
      keepalive: options.keepaliveSeconds ?? 30,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      // Reconnects are ours (jittered backoff), and so are subscriptions (on a lost session).
      reconnectPeriod: 0,
      resubscribe: false,
      timerVariant: UNREF_KEEPALIVE_TIMER as unknown as NonNullable<IClientOptions['timerVariant']>,
      ...(protocolVersion === 5
        ? {
            properties: {
              sessionExpiryInterval: options.sessionExpirySeconds ?? DEFAULT_SESSION_EXPIRY_S,
            },
          }
        : {}),
    };
    const client = this.openClient(connectOptions);
    // The notice is persisted before the callback, and MQTT.js sends PUBACK after it, so a
    // crash in between makes the broker deliver it again rather than lose it.
    client.handleMessage = (packet, callback) => {
      this.onPublish(packet).then(
        () => callback(),
        (err: unknown) => {
          this.warn(err);
          callback(err as Error);
        },
      );
    };
    client.on('connect', (connack) => this.onConnect(client, connack.sessionPresent));
    client.on('close', () => this.onClose());
    client.on('error', (err) => this.warn(err));
    return client;
  }

  /**
   * Over TLS the connection is opened here rather than by MQTT.js, so that the parsed
   * certificate and the TLS session are kept between reconnects (see TlsConnector).
   */
  private openClient(connectOptions: IClientOptions): MqttClient {
    const { url, tls } = this.options;
    const target = new URL(url);
    if (!tls || target.protocol !== 'mqtts:') {
      return mqtt.connect(url, {
        ...connectOptions,
        ...(tls
          ? {
              cert: tls.cert,
              key: tls.key,
              ca: tls.ca,
              rejectUnauthorized: true,
              ...(tls.servername ? { servername: tls.servername } : {}),
            }
          : {}),
      });
    }
    const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
    this.tlsConnector ??= new TlsConnector(tls, host, Number(target.port || 8883));
    const connector = this.tlsConnector;
    return new MqttClient(() => connector.open(), { ...connectOptions, protocol: 'mqtts' });
  }

  /** Whether the last TLS connection resumed an earlier TLS session. */
  get tlsSessionResumed(): boolean {
    return this.tlsConnector?.lastResumed ?? false;
  }

  private onConnect(client: MqttClient, sessionPresent: boolean): void {
    this.backoff.reset();
    // Subscribing on every connect costs one round trip and covers a session the broker lost.
    client.subscribe(noticeTopic(this.vehicleId), { qos: 1 }, (err, granted) => {
      if (err) return this.warn(err);
      const code = granted?.[0]?.qos;
      if (code !== undefined && code > 1)
        this.warn(new Error(`notice subscription refused (0x${code.toString(16)})`));
    });
    // A broker that lost our session (crash, fail-over to another broker) may also have lost
    // reports it had accepted but not yet passed on, so then every current state goes again;
    // otherwise only what the broker never confirmed. Repeats are harmless to the platform.
    const now = this.now().getTime();
    for (const record of this.options.store.list()) {
      if (record.type !== 'update' || record.state === 'cancelled') continue;
      const unconfirmed = record.state !== record.reportedState;
      const live = record.expiresAt === undefined || Date.parse(record.expiresAt) > now;
      if (unconfirmed || (!sessionPresent && live)) this.sendAck(record);
    }
    // After the acks: the platform reads a status that follows an installed report as its outcome.
    this.publishStatus();
    this.emit('connected', { sessionPresent });
  }

  private onClose(): void {
    this.emit('disconnected');
    if (this.offline) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      if (!this.offline) this.client?.reconnect();
    }, this.backoff.next());
  }

  private async onPublish(packet: IPublishPacket): Promise<void> {
    if (packet.topic !== noticeTopic(this.vehicleId)) return;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const check = checkNotice(payload, {
      vehicleId: this.vehicleId,
      trustedKeys: this.options.trustedKeys,
      ...(this.options.legacyKeyIds ? { legacyKeyIds: this.options.legacyKeyIds } : {}),
      installedVersion: (updateId) => this.installedVersion(updateId),
      now: this.now(),
    });
    const noticeId = check.ok ? check.notice.noticeId : check.noticeId;
    const known = noticeId ? this.options.store.get(noticeId) : undefined;
    if (known) {
      // A re-send: the platform has not seen our answer yet, so repeat it.
      if (known.type === 'update' && known.state !== 'cancelled') this.sendAck(known);
      this.emit('duplicate', { noticeId: known.noticeId });
      return;
    }
    if (!check.ok) return this.onRejected(check);
    const notice = check.notice;
    if (notice.type === 'cancel') return this.onCancel(notice);
    const cancelled = this.options.store
      .list()
      .some((r) => r.type === 'cancel' && r.campaignId === notice.campaignId);
    const record: NoticeRecord = {
      noticeId: notice.noticeId,
      campaignId: notice.campaignId,
      type: 'update',
      updateId: notice.update.id,
      version: notice.update.version,
      state: cancelled ? 'cancelled' : 'received',
      receivedAt: this.now().toISOString(),
      expiresAt: notice.expiresAt,
    };
    await this.options.store.put(record);
    if (cancelled) return;
    this.sendAck(record);
    this.emit('notice', notice);
  }

  private async onRejected(check: {
    reason: RejectReason;
    noticeId?: string;
    campaignId?: string;
  }): Promise<void> {
    const rejected: RejectedNotice = { reason: check.reason };
    if (check.noticeId) rejected.noticeId = check.noticeId;
    if (check.campaignId) rejected.campaignId = check.campaignId;
    if (check.noticeId) {
      const record: NoticeRecord = {
        noticeId: check.noticeId,
        campaignId: check.campaignId ?? '',
        type: 'update',
        updateId: '',
        version: '',
        state: 'rejected',
        reason: check.reason,
        receivedAt: this.now().toISOString(),
      };
      // Only a genuine notice for this vehicle (expired, rolled back) is remembered:
      // remembering a forged one, or another vehicle's, under a notice id would hide the
      // real notice when it arrives.
      const genuine = check.reason === 'expired' || check.reason === 'rollback';
      if (genuine) await this.options.store.put(record);
      this.sendAck(record);
    }
    this.emit('rejected', rejected);
  }

  private async onCancel(notice: Notice): Promise<void> {
    const update = this.options.store
      .list()
      .find((r) => r.type === 'update' && r.campaignId === notice.campaignId);
    // The cancel is remembered even for an unknown update, so a late copy of that update
    // (queued in an old session) is never acted on.
    await this.options.store.put({
      noticeId: notice.noticeId,
      campaignId: notice.campaignId,
      type: 'cancel',
      updateId: notice.update.id,
      version: notice.update.version,
      state: 'cancelled',
      receivedAt: this.now().toISOString(),
    });
    if (update && !isTerminalDeliveryState(update.state)) {
      await this.options.store.put({ ...update, state: 'cancelled' });
    }
    if (!update) return;
    this.emit('cancel', { notice, update });
  }

  /**
   * The newest version of an update the vehicle has installed (from its notice store) or
   * runs by its own inventory: what a notice must be newer than.
   */
  knownVersion(updateId: string): string | undefined {
    return this.installedVersion(updateId);
  }

  private installedVersion(updateId: string): string | undefined {
    let newest = this.options.installedVersion?.(updateId);
    for (const r of this.options.store.list()) {
      if (r.type === 'update' && r.updateId === updateId && r.state === 'installed') {
        if (newest === undefined || compareVersions(r.version, newest) > 0) newest = r.version;
      }
    }
    return newest;
  }

  private sendAck(record: NoticeRecord): void {
    const client = this.client;
    // While offline the report waits in the store; `onConnect` sends what is unconfirmed.
    if (!client?.connected || record.state === 'cancelled') return;
    const state = record.state;
    const ack = {
      noticeId: record.noticeId,
      state,
      ...(record.reason !== undefined ? { reason: record.reason } : {}),
      at: this.now().toISOString(),
    };
    client.publish(ackTopic(this.vehicleId), JSON.stringify(ack), { qos: 1 }, (err) => {
      if (err) return this.warn(err);
      void this.markReported(record.noticeId, state);
    });
  }

  /** Remembers that the broker holds this report, unless a newer state was reported meanwhile. */
  private async markReported(noticeId: string, state: AckState): Promise<void> {
    const current = this.options.store.get(noticeId);
    if (!current || current.state !== state || current.reportedState === state) return;
    try {
      await this.options.store.put({ ...current, reportedState: state });
    } catch (err) {
      this.warn(err);
    }
  }

  private warn(err: unknown): void {
    this.emit('warning', err instanceof Error ? err : new Error(String(err)));
  }
}
