import * as mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';

/** One parsed packet and the exact bytes it arrived as, so it can be relayed unchanged. */
export interface FramedPacket {
  packet: Packet;
  raw: Buffer;
}

export type PacketReaderErrorCode = 'too-large' | 'malformed';

export class PacketReaderError extends Error {
  readonly code: PacketReaderErrorCode;
  /** Total size the fixed header announced, for `too-large`. */
  readonly size: number | undefined;

  constructor(code: PacketReaderErrorCode, message: string, size?: number) {
    super(message);
    this.name = 'PacketReaderError';
    this.code = code;
    this.size = size;
  }
}

export interface PacketReaderOptions {
  /** Largest whole packet (fixed header included) accepted, in bytes. */
  maxPacketSize: number;
  /** For a reader of server packets; a reader of client packets learns it from CONNECT. */
  protocolVersion?: 3 | 4 | 5;
}

// The parts of mqtt-packet's parser state used here: `packet.length` is the announced
// remaining length once the fixed header is read, -1 before; `settings` holds the version.
interface ParserInternals {
  packet: { length: number };
  settings: { protocolVersion?: number };
}

function tooLarge(size: number, max: number): PacketReaderError {
  return new PacketReaderError('too-large', `packet of ${size} bytes over ${max}`, size);
}

/** Bytes of the Remaining Length field for a given remaining length (1 to 4). */
export function remainingLengthBytes(remaining: number): number {
  if (remaining < 128) return 1;
  if (remaining < 16_384) return 2;
  if (remaining < 2_097_152) return 3;
  return 4;
}

/**
 * Feeds socket data of any size to mqtt-packet's restartable parser and hands back whole
 * packets with their original bytes. A packet whose fixed header announces more than the
 * maximum size is refused as soon as the header is read, before its body is buffered.
 */
export class PacketReader {
  private readonly parser = mqttPacket.parser();
  private readonly internals: ParserInternals;
  private limit: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private out: FramedPacket[] = [];
  private failure: Error | null = null;

  constructor(options: PacketReaderOptions) {
    this.limit = options.maxPacketSize;
    this.internals = this.parser as unknown as ParserInternals;
    if (options.protocolVersion)
      this.internals.settings = { protocolVersion: options.protocolVersion };
    this.parser.on('packet', (packet: Packet) => {
      const remaining = packet.length ?? 0;
      const size = 1 + remainingLengthBytes(remaining) + remaining;
      const raw = this.take(size);
      // A packet that arrived whole in one chunk is checked here rather than at its header.
      if (size > this.limit) this.failure ??= tooLarge(size, this.limit);
      else if (!this.failure) this.out.push({ packet, raw });
    });
    this.parser.on('error', (err: Error) => {
      this.failure ??= err;
    });
  }

  /** The protocol version the parser applies (from CONNECT, or as configured). */
  get protocolVersion(): number | undefined {
    return this.internals.settings.protocolVersion;
  }

  setProtocolVersion(version: 3 | 4 | 5): void {
    this.internals.settings = { ...this.internals.settings, protocolVersion: version };
  }

  /** The largest whole packet accepted now, in bytes. */
  get maxPacketSize(): number {
    return this.limit;
  }

  setMaxPacketSize(bytes: number): void {
    this.limit = bytes;
  }

  /** Bytes held for a packet not complete yet. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Packets completed by this chunk, in order. Throws PacketReaderError for a packet over
   * the limit or a malformed one; the reader is unusable afterwards (the caller closes).
   */
  push(chunk: Buffer): FramedPacket[] {
    if (this.failure) throw this.asReaderError(this.failure);
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.out = [];
    this.parser.parse(chunk);
    if (this.failure) throw this.asReaderError(this.failure);
    const announced = this.internals.packet.length;
    if (announced !== -1) {
      const size = 1 + remainingLengthBytes(announced) + announced;
      if (size > this.limit) {
        this.failure = tooLarge(size, this.limit);
        throw this.failure;
      }
    }
    const packets = this.out;
    this.out = [];
    return packets;
  }

  private asReaderError(err: Error): PacketReaderError {
    return err instanceof PacketReaderError ? err : new PacketReaderError('malformed', err.message);
  }

  /** Removes `size` bytes from the front of the held chunks, copying only when they span chunks. */
  private take(size: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= size) {
      const raw = first.subarray(0, size);
      if (first.length === size) this.chunks.shift();
      else this.chunks[0] = first.subarray(size);
      this.buffered -= size;
      return raw;
    }
    const raw = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const head = this.chunks[0]!;
      const n = Math.min(head.length, size - filled);
      head.copy(raw, filled, 0, n);
      filled += n;
      if (n === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(n);
    }
    this.buffered -= size;
    return raw;
  }
}
