import { performance } from 'node:perf_hooks';
import { MqttClientError } from './client-errors.js';
import { MqttSession } from './mqtt-session.js';
import type { ConnackInfo, MqttSessionOptions } from './session-handshake.js';
import type { PublishBatch } from './publish-batch.js';
import { ReasonCode } from './reason-codes.js';

/** The connection ended (or was not up) before the broker acknowledged the publish. */
export const PUBLISH_LOST = -1;
/** The broker left the publish unacknowledged for the acknowledgement timeout. */
export const PUBLISH_TIMED_OUT = -2;

export interface Qos1PublisherOptions {
  session: MqttSessionOptions;
  /** Our own cap on unacknowledged publishes; the broker's Receive Maximum lowers it. */
  maxInflight: number;
  /** A batch fails when its PUBACKs stop coming for this long. */
  ackTimeoutMs: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Publish→PUBACK time of each acknowledged publish, in milliseconds. */
  onAckLatency?(ms: number): void;
  onConnect?(connack: ConnackInfo): void;
  /** A connection ended or an attempt failed; a reconnect follows unless closed. */
  onDisconnect?(error: MqttClientError): void;
}

interface Job {
  batch: PublishBatch;
  codes: Int16Array;
  /** Next packet to send, and the end of this job's range of the batch. */
  next: number;
  end: number;
  /** Sent and not yet acknowledged. */
  outstanding: number;
  started: boolean;
  /** When the job last moved: queued, first sent, or a PUBACK of its own. */
  progressAt: number;
  timer: NodeJS.Timeout | undefined;
  resolve(codes: Int16Array): void;
}

const PACKET_IDS = 65_536;

/**
 * QoS 1 publishing over one MQTT 5 connection that reconnects with backoff. A batch of
 * pre-encoded PUBLISH packets goes out in runs written at once, as many as the window
 * allows: never more unacknowledged than the broker's Receive Maximum [MQTT-3.3.4-9].
 * PUBACKs are matched by packet id; each publish ends with its PUBACK reason code, or a
 * negative code when the connection dropped (`PUBLISH_LOST`, nothing waits for a
 * reconnect) or the broker stopped acknowledging (`PUBLISH_TIMED_OUT`; the connection is
 * then dropped too, since a broker that withholds PUBACKs would hold the window forever).
 * One timer per batch, no per-publish objects.
 */
export class Qos1Publisher {
  private session: MqttSession | undefined;
  private connecting = false;
  private closed = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private window = 1;
  private refillAt = 1;
  private inflightCount = 0;
  private nextId = 1;
  private blocked = false;
  private lastAckAt = 0;
  private readonly slotJob: Array<Job | undefined> = new Array<Job | undefined>(PACKET_IDS).fill(
    undefined,
  );
  private readonly slotIndex = new Int32Array(PACKET_IDS);
  private readonly slotSentAt: Float64Array | undefined;
  /** Jobs with packets still to send, in order. */
  private readonly queue: Job[] = [];
  private readonly active = new Set<Job>();
  private waiters: Array<(up: boolean) => void> = [];

  constructor(private readonly options: Qos1PublisherOptions) {
    if (options.onAckLatency) this.slotSentAt = new Float64Array(PACKET_IDS);
    this.connect();
  }

  get connected(): boolean {
    return this.session?.open === true;
  }

  /** Publishes sent and awaiting their PUBACK. */
  get inflight(): number {
    return this.inflightCount;
  }

  /** Unacknowledged publishes allowed now. */
  get windowSize(): number {
    return this.window;
  }

  /** Resolves true once connected, or false after `timeoutMs` or on close. */
  waitConnected(timeoutMs: number): Promise<boolean> {
    if (this.connected) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (up: boolean) => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== finish);
        resolve(up);
      };
      this.waiters.push(finish);
    });
  }

  /**
   * Publishes packets `from`…`to` of the batch and resolves, never rejects, with `codes`
   * filled for them: the PUBACK reason code, or `PUBLISH_LOST` / `PUBLISH_TIMED_OUT`.
   */
  publish(
    batch: PublishBatch,
    from = 0,
    to = batch.count,
    codes: Int16Array = new Int16Array(batch.count),
  ): Promise<Int16Array> {
    codes.fill(PUBLISH_LOST, from, to);
    if (from >= to || !this.connected) return Promise.resolve(codes);
    return new Promise((resolve) => {
      const job: Job = {
        batch,
        codes,
        next: from,
        end: to,
        outstanding: 0,
        started: false,
        progressAt: performance.now(),
        timer: undefined,
        resolve,
      };
      job.timer = setTimeout(() => this.checkProgress(job), this.options.ackTimeoutMs);
      this.active.add(job);
      this.queue.push(job);
      this.pump();
    });
  }

  /** Ends the connection cleanly; what is unacknowledged by then ends `PUBLISH_LOST`. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    for (const w of [...this.waiters]) w(false);
    await this.session?.end();
  }

  private connect(): void {
    if (this.closed || this.connecting || this.session) return;
    this.connecting = true;
    MqttSession.connect(this.options.session, {
      puback: (id, reason) => this.onPuback(id, reason),
      readEnd: () => {
        // Refill once a quarter of the window is free (or nothing is in flight): fewer,
        // larger writes, each a system call, while the rest of the window keeps the broker busy.
        if (this.window - this.inflightCount >= this.refillAt || this.inflightCount === 0)
          this.pump();
      },
      drain: () => {
        this.blocked = false;
        this.pump();
      },
      close: (error) => this.onClose(error),
    }).then(
      (session) => {
        this.connecting = false;
        if (this.closed) {
          void session.end();
          return;
        }
        this.session = session;
        this.attempt = 0;
        this.window = Math.max(
          1,
          Math.min(this.options.maxInflight, session.connack.receiveMaximum),
        );
        this.lastAckAt = performance.now();
        this.options.onConnect?.(session.connack);
        for (const w of [...this.waiters]) w(true);
      },
      (error: MqttClientError) => {
        this.connecting = false;
        this.options.onDisconnect?.(error);
        this.scheduleReconnect();
      },
    );
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const min = this.options.reconnectMinMs ?? 200;
    const ceiling = Math.min(this.options.reconnectMaxMs ?? 10_000, min * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    this.reconnectTimer = setTimeout(
      () => this.connect(),
      ceiling / 2 + (Math.random() * ceiling) / 2,
    );
    this.reconnectTimer.unref();
  }

  private allocateId(): number {
    let id = this.nextId;
    while (this.slotJob[id] !== undefined) id = id === PACKET_IDS - 1 ? 1 : id + 1;
    this.nextId = id === PACKET_IDS - 1 ? 1 : id + 1;
    return id;
  }

  /** Sends what the window allows, each job's run of packets in one write, all corked. */
  private pump(): void {
    const session = this.session;
    if (!session || !session.open || this.blocked || this.queue.length === 0) return;
    const maxPacket = session.connack.maximumPacketSize;
    const sentAt = performance.now();
    let corked = false;
    while (this.inflightCount < this.window && this.queue.length > 0) {
      const job = this.queue[0]!;
      const { batch } = job;
      const first = job.next;
      const limit = Math.min(job.end, first + (this.window - this.inflightCount));
      let last = first;
      while (last < limit) {
        if (maxPacket !== undefined && batch.starts[last + 1]! - batch.starts[last]! > maxPacket)
          break;
        const id = this.allocateId();
        batch.buffer.writeUInt16BE(id, batch.packetIdAt[last]!);
        this.slotJob[id] = job;
        this.slotIndex[id] = last;
        if (this.slotSentAt) this.slotSentAt[id] = sentAt;
        last += 1;
      }
      if (last > first) {
        if (!corked) {
          session.cork();
          corked = true;
        }
        this.inflightCount += last - first;
        job.outstanding += last - first;
        if (!job.started) {
          job.started = true;
          job.progressAt = sentAt;
        }
        job.next = last;
        if (!session.write(batch.buffer.subarray(batch.starts[first], batch.starts[last])))
          this.blocked = true;
      }
      if (last < limit) {
        // Larger than the broker takes [MQTT-3.1.2-24]: refused here, never sent.
        job.codes[last] = ReasonCode.packetTooLarge;
        job.next = last + 1;
      }
      if (job.next >= job.end) {
        this.queue.shift();
        if (job.outstanding === 0) this.finish(job);
      }
      if (this.blocked) break;
    }
    if (corked) session.uncork();
  }

  private onPuback(id: number, reason: number): void {
    const job = this.slotJob[id];
    // A PUBACK for a packet id not in flight (already failed by a timeout): nothing to do.
    if (job === undefined) return;
    this.slotJob[id] = undefined;
    this.inflightCount -= 1;
    const at = this.session?.lastReadAt ?? performance.now();
    this.lastAckAt = at;
    job.codes[this.slotIndex[id]!] = reason;
    job.outstanding -= 1;
    job.progressAt = at;
    if (this.slotSentAt) this.options.onAckLatency?.(at - this.slotSentAt[id]!);
    if (job.outstanding === 0 && job.next >= job.end) this.finish(job);
  }

  private checkProgress(job: Job): void {
    if (!this.active.has(job)) return;
    const now = performance.now();
    // A job still queued behind others is late only when the whole connection is.
    const since = job.started ? job.progressAt : Math.max(job.progressAt, this.lastAckAt);
    const idle = now - since;
    if (idle < this.options.ackTimeoutMs) {
      job.timer = setTimeout(() => this.checkProgress(job), this.options.ackTimeoutMs - idle);
      return;
    }
    job.codes.fill(PUBLISH_TIMED_OUT, job.next, job.end);
    job.next = job.end;
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    if (job.outstanding > 0) {
      for (let id = 1; id < PACKET_IDS; id += 1) {
        if (this.slotJob[id] !== job) continue;
        job.codes[this.slotIndex[id]!] = PUBLISH_TIMED_OUT;
        this.slotJob[id] = undefined;
        this.inflightCount -= 1;
      }
      job.outstanding = 0;
      this.session?.destroy(
        new MqttClientError('ROADCAST_ERR_MQTT_CLOSED', 'PUBACKs overdue; reconnecting'),
      );
    }
    this.finish(job);
  }

  private onClose(error: MqttClientError | undefined): void {
    this.session = undefined;
    this.blocked = false;
    for (let id = 1; id < PACKET_IDS; id += 1) {
      const job = this.slotJob[id];
      if (job === undefined) continue;
      job.codes[this.slotIndex[id]!] = PUBLISH_LOST;
      this.slotJob[id] = undefined;
    }
    this.inflightCount = 0;
    this.queue.length = 0;
    for (const job of [...this.active]) {
      job.codes.fill(PUBLISH_LOST, job.next, job.end);
      job.next = job.end;
      job.outstanding = 0;
      this.finish(job);
    }
    if (error) this.options.onDisconnect?.(error);
    this.scheduleReconnect();
  }

  private finish(job: Job): void {
    if (!this.active.delete(job)) return;
    clearTimeout(job.timer);
    job.resolve(job.codes);
  }
}
