/** MQTT control packet types (the high nibble of the first byte, section 2.1.2). */
export const PacketType = {
  connect: 1,
  connack: 2,
  publish: 3,
  puback: 4,
  pubrec: 5,
  pubrel: 6,
  pubcomp: 7,
  subscribe: 8,
  suback: 9,
  unsubscribe: 10,
  unsuback: 11,
  pingreq: 12,
  pingresp: 13,
  disconnect: 14,
  auth: 15,
} as const;

export type PacketTypeName = keyof typeof PacketType;

/** Packet type names by number; index 0 is the reserved type. */
export const PACKET_TYPE_NAMES: ReadonlyArray<PacketTypeName | 'reserved'> = [
  'reserved',
  ...(Object.keys(PacketType) as PacketTypeName[]),
];

/**
 * Called for each whole packet: its first byte, and where in `data` the packet starts
 * (`headerAt`), its variable header starts (`bodyAt`) and it ends (`end`). `data` is only
 * valid during the call.
 */
export type FrameHandler = (
  first: number,
  data: Buffer,
  headerAt: number,
  bodyAt: number,
  end: number,
) => void;

/** One whole packet as it arrived, framed by its fixed header but not decoded. */
export interface RawPacket {
  /** Packet type, 1 to 15. */
  type: number;
  /** The whole packet, fixed header included. */
  raw: Buffer;
  /** Where the variable header starts in `raw`. */
  bodyOffset: number;
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

// Shared by every framer holding nothing, so an idle connection allocates no array.
const NOTHING: Buffer[] = [];
// What a chunk completing no packet yields; callers only read it.
const NO_PACKETS: RawPacket[] = [];

// [MQTT-2.2.2-1] reserved flag bits of every type but PUBLISH have fixed values.
const REQUIRED_FLAGS = [-1, 0, 0, -1, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0];

/** Bytes of the Remaining Length field for a given remaining length (1 to 4). */
export function remainingLengthBytes(remaining: number): number {
  if (remaining < 128) return 1;
  if (remaining < 16_384) return 2;
  if (remaining < 2_097_152) return 3;
  return 4;
}

/**
 * Splits a byte stream into whole packets by their fixed headers alone: type, flags and
 * Remaining Length. Nothing is decoded, so relaying a packet costs a header check and a
 * slice of the chunk it arrived in. A packet whose header announces more than the limit is
 * refused as soon as the header is read, before its body is buffered; after an error the
 * framer stays failed (the connection is closed, not resynchronised).
 */
export class PacketFramer {
  private limit: number;
  private held: Buffer[] = NOTHING;
  private heldBytes = 0;
  /** Total size of the packet being held, or -1 while its fixed header is incomplete. */
  private expected = -1;
  private failure: PacketReaderError | null = null;

  constructor(maxPacketSize: number) {
    this.limit = maxPacketSize;
  }

  get maxPacketSize(): number {
    return this.limit;
  }

  setMaxPacketSize(bytes: number): void {
    this.limit = bytes;
  }

  /** Bytes held for a packet not complete yet. */
  get pendingBytes(): number {
    return this.heldBytes;
  }

  /**
   * Whole packets completed by this chunk, in order; throws PacketReaderError. The array is
   * the caller's unless it is empty (then it is shared and must not be added to).
   */
  push(chunk: Buffer): RawPacket[] {
    const data = this.heldBytes > 0 || this.failure ? this.join(chunk) : chunk;
    if (data === null) return NO_PACKETS;
    let out = NO_PACKETS;
    let at = 0;
    while (at < data.length) {
      const size = this.frameAt(data, at);
      if (size < 0 || at + size > data.length) {
        this.hold(data, at, size);
        break;
      }
      const first = data[at]!;
      if (out === NO_PACKETS) out = [];
      out.push({
        type: first >> 4,
        raw: data.subarray(at, at + size),
        bodyOffset: 1 + remainingLengthBytesAt(data, at + 1),
      });
      at += size;
    }
    return out;
  }

  /**
   * As `push`, but each whole packet goes to `onFrame` where it lies, with no object or slice
   * per packet: for a reader that acts on most packets from a few bytes (PUBACKs).
   */
  pushEach(chunk: Buffer, onFrame: FrameHandler): void {
    const data = this.heldBytes > 0 || this.failure ? this.join(chunk) : chunk;
    if (data === null) return;
    let at = 0;
    while (at < data.length) {
      const size = this.frameAt(data, at);
      if (size < 0 || at + size > data.length) {
        this.hold(data, at, size);
        return;
      }
      onFrame(data[at]!, data, at, at + 1 + remainingLengthBytesAt(data, at + 1), at + size);
      at += size;
    }
  }

  /** The held bytes and this chunk as one buffer, or null while a body is still incomplete. */
  private join(chunk: Buffer): Buffer | null {
    if (this.failure) throw this.failure;
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    // A body still incomplete waits without copying; a header is at most five bytes.
    if (this.expected > 0 && this.heldBytes < this.expected) return null;
    const data = Buffer.concat(this.held, this.heldBytes);
    this.held = NOTHING;
    this.heldBytes = 0;
    this.expected = -1;
    return data;
  }

  /** Keeps the incomplete packet at `at` (`size` bytes, or -1 while its header is incomplete). */
  private hold(data: Buffer, at: number, size: number): void {
    const rest = data.subarray(at);
    this.held = [rest];
    this.heldBytes = rest.length;
    this.expected = size;
  }

  /** Total size of the packet starting at `at`, or -1 while its header is incomplete. */
  private frameAt(data: Buffer, at: number): number {
    const first = data[at]!;
    const type = first >> 4;
    const flags = first & 0x0f;
    const required = REQUIRED_FLAGS[type]!;
    if (type === 0) this.fail('malformed', 'reserved packet type 0');
    if (required >= 0 && flags !== required)
      this.fail('malformed', `invalid header flags for packet type ${type}`);
    // [MQTT-3.3.1-4] a PUBLISH must not have both QoS bits set.
    if (type === PacketType.publish && (flags & 0x06) === 0x06)
      this.fail('malformed', 'Packet must not have both QoS bits set to 1');
    let remaining = 0;
    let multiplier = 1;
    for (let i = 1; i <= 4; i++) {
      if (at + i >= data.length) return -1;
      const byte = data[at + i]!;
      remaining += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) {
        const size = 1 + i + remaining;
        if (size > this.limit)
          this.fail('too-large', `packet of ${size} bytes over ${this.limit}`, size);
        return size;
      }
      multiplier *= 128;
    }
    // MQTT 5.0 section 1.5.5: a Variable Byte Integer has at most four bytes.
    return this.fail('malformed', 'Invalid variable byte integer');
  }

  private fail(code: PacketReaderErrorCode, message: string, size?: number): never {
    this.failure = new PacketReaderError(code, message, size);
    throw this.failure;
  }
}

function remainingLengthBytesAt(data: Buffer, at: number): number {
  let n = 1;
  while (n < 4 && (data[at + n - 1]! & 0x80) !== 0) n++;
  return n;
}
