/**
 * Hostile clients in a process of their own, open loop: they attack at their own pace
 * whatever the router answers. Unauthenticated connections hold slots (TLS without a client
 * certificate trickling a huge CONNECT, TCP that never sends a byte, TCP that sends a huge
 * CONNECT header), each reopened when the router closes it, at a fixed pace; alongside them,
 * never-reading vehicles (`never-reading-vehicles.ts`). Started by the hostile scenario
 * through `WorkerProcess`.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { encodePacket } from '@roadcast/mqtt';
import {
  NeverReadingVehicles,
  type NeverReadingPlan,
  type NeverReadingStats,
} from './never-reading-vehicles.js';
import { emit, serveWorker } from './worker-protocol.js';

export type SlotKind = 'tls-no-certificate' | 'tcp-silent' | 'tcp-huge-connect';

export interface AttackPlan {
  host: string;
  port: number;
  /** Source addresses the unauthenticated connections come from, in turn. */
  addresses: string[];
  slots: Record<SlotKind, number>;
  /** New unauthenticated connections per second at most (first opens and reopens alike). */
  opensPerSecond: number;
  neverReading: Omit<NeverReadingPlan, 'host' | 'port'>;
  /** `ramped` is emitted when every slot has been opened once, or after this long. */
  rampTimeoutMs: number;
}

export interface SlotStats {
  attempts: number;
  opened: number;
  failedToOpen: number;
  closedByRouter: number;
  open: number;
  peakOpen: number;
}

export interface AttackStats {
  slots: Record<SlotKind, SlotStats>;
  neverReading: NeverReadingStats;
}

const KINDS: SlotKind[] = ['tls-no-certificate', 'tcp-silent', 'tcp-huge-connect'];
/** How much of the huge CONNECT a slot sends at once, and then per second. */
const FIRST_BYTES = 4_096;
const TRICKLE_BYTES = 1_024;

/** A CONNECT that announces about 240 KB: client id, username, password and will at 60 KB. */
function hugeConnect(): Buffer {
  const big = 'x'.repeat(60_000);
  return encodePacket(
    {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clean: true,
      keepalive: 60,
      clientId: big,
      username: big,
      password: Buffer.from(big),
      will: { topic: 'w', payload: Buffer.from(big), qos: 0, retain: false },
    },
    5,
  );
}

const emptyStats = (): SlotStats => ({
  attempts: 0,
  opened: 0,
  failedToOpen: 0,
  closedByRouter: 0,
  open: 0,
  peakOpen: 0,
});

class Attack {
  readonly slots: Record<SlotKind, SlotStats> = {
    'tls-no-certificate': emptyStats(),
    'tcp-silent': emptyStats(),
    'tcp-huge-connect': emptyStats(),
  };
  private readonly neverReading: NeverReadingVehicles;
  private readonly due: Array<{ kind: SlotKind; slot: number }> = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly connect = hugeConnect();
  private stopping = false;
  private firstRound = 0;
  private ramped = false;
  private nextAddress = 0;

  constructor(private readonly plan: AttackPlan) {
    this.neverReading = new NeverReadingVehicles({
      ...plan.neverReading,
      host: plan.host,
      port: plan.port,
    });
  }

  get stats(): AttackStats {
    return { slots: this.slots, neverReading: this.neverReading.stats };
  }

  start(): void {
    for (const kind of KINDS)
      for (let slot = 0; slot < this.plan.slots[kind]; slot += 1) this.due.push({ kind, slot });
    const totalSlots = this.due.length;
    // Opens are paced by the clock, not by the router's answers.
    let tokens = 0;
    this.every(10, () => {
      tokens = Math.min(tokens + this.plan.opensPerSecond / 100, this.plan.opensPerSecond);
      while (tokens >= 1 && this.due.length > 0) {
        tokens -= 1;
        const next = this.due.shift()!;
        this.open(next.kind, next.slot);
        if (!this.ramped && ++this.firstRound >= totalSlots) this.markRamped();
      }
    });
    const rampTimer = setTimeout(() => this.markRamped(), this.plan.rampTimeoutMs);
    this.timers.push(rampTimer);
    if (totalSlots === 0) this.markRamped();
    this.neverReading.start();
  }

  private markRamped(): void {
    if (this.ramped) return;
    this.ramped = true;
    emit('ramped', this.stats);
  }

  private every(ms: number, action: () => void): void {
    this.timers.push(setInterval(action, ms));
  }

  private address(): string {
    const list = this.plan.addresses;
    return list[this.nextAddress++ % list.length] as string;
  }

  private open(kind: SlotKind, slot: number): void {
    if (this.stopping) return;
    const stats = this.slots[kind];
    stats.attempts += 1;
    const tcp = netConnect({
      host: this.plan.host,
      port: this.plan.port,
      localAddress: this.address(),
    });
    const socket: Socket =
      kind === 'tls-no-certificate'
        ? tlsConnect({ socket: tcp, rejectUnauthorized: false, servername: 'localhost' })
        : tcp;
    if (socket !== tcp) tcp.on('error', () => undefined);
    this.sockets.add(socket);
    let opened = false;
    let trickle: NodeJS.Timeout | undefined;
    const onOpen = () => {
      opened = true;
      stats.opened += 1;
      stats.open += 1;
      stats.peakOpen = Math.max(stats.peakOpen, stats.open);
      if (kind === 'tcp-silent') return;
      socket.write(this.connect.subarray(0, kind === 'tcp-huge-connect' ? 16_384 : FIRST_BYTES));
      if (kind !== 'tls-no-certificate') return;
      let sent = FIRST_BYTES;
      trickle = setInterval(() => {
        if (sent >= this.connect.length - TRICKLE_BYTES) return;
        socket.write(this.connect.subarray(sent, sent + TRICKLE_BYTES));
        sent += TRICKLE_BYTES;
      }, 1_000);
    };
    socket.once(kind === 'tls-no-certificate' ? 'secureConnect' : 'connect', onOpen);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearInterval(trickle);
      this.sockets.delete(socket);
      if (opened) {
        stats.open -= 1;
        if (!this.stopping) stats.closedByRouter += 1;
      } else stats.failedToOpen += 1;
      if (!this.stopping) this.due.push({ kind, slot });
    });
  }

  async stop(): Promise<AttackStats> {
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    for (const s of this.sockets) s.destroy();
    await this.neverReading.stop();
    return this.stats;
  }
}

let attack: Attack | undefined;

serveWorker(
  {
    start: (plan: AttackPlan) => {
      if (attack) throw new Error('an attack is already running');
      attack = new Attack(plan);
      attack.start();
      return true;
    },
    stats: () => attack?.stats,
    stop: () => {
      const ending = attack;
      attack = undefined;
      return ending?.stop();
    },
  },
  async () => void (await attack?.stop()),
);
