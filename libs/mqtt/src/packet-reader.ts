import type { Packet } from 'mqtt-packet';
import { decodePacket, type DecodeVersion } from './packet-decoder.js';
import { PacketFramer, PacketReaderError, PacketType } from './packet-framer.js';

/** One parsed packet and the exact bytes it arrived as, so it can be relayed unchanged. */
export interface FramedPacket {
  packet: Packet;
  raw: Buffer;
}

export interface PacketReaderOptions {
  /** Largest whole packet (fixed header included) accepted, in bytes. */
  maxPacketSize: number;
  /** For a reader of server packets; a reader of client packets learns it from CONNECT. */
  protocolVersion?: DecodeVersion;
}

/**
 * Frames socket data of any size and decodes every packet with mqtt-packet, handing back
 * whole packets with their original bytes. For streams where only some packets need
 * decoding, use PacketFramer and decodePacket directly.
 */
export class PacketReader {
  private readonly framer: PacketFramer;
  private version: DecodeVersion | undefined;
  private failure: PacketReaderError | null = null;

  constructor(options: PacketReaderOptions) {
    this.framer = new PacketFramer(options.maxPacketSize);
    this.version = options.protocolVersion;
  }

  /** The protocol version the parser applies (from CONNECT, or as configured). */
  get protocolVersion(): number | undefined {
    return this.version;
  }

  setProtocolVersion(version: DecodeVersion): void {
    this.version = version;
  }

  /** The largest whole packet accepted now, in bytes. */
  get maxPacketSize(): number {
    return this.framer.maxPacketSize;
  }

  setMaxPacketSize(bytes: number): void {
    this.framer.setMaxPacketSize(bytes);
  }

  /** Bytes held for a packet not complete yet. */
  get pendingBytes(): number {
    return this.framer.pendingBytes;
  }

  /**
   * Packets completed by this chunk, in order. Throws PacketReaderError for a packet over
   * the limit or a malformed one; the reader is unusable afterwards (the caller closes).
   */
  push(chunk: Buffer): FramedPacket[] {
    if (this.failure) throw this.failure;
    try {
      return this.framer.push(chunk).map(({ type, raw }) => {
        const packet = decodePacket(raw, this.version ?? 4);
        if (type === PacketType.connect && packet.cmd === 'connect')
          this.version ??= packet.protocolVersion as DecodeVersion;
        return { packet, raw };
      });
    } catch (err) {
      this.failure =
        err instanceof PacketReaderError ? err : new PacketReaderError('malformed', String(err));
      throw this.failure;
    }
  }
}
