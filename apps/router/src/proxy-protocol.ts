/**
 * PROXY protocol version 2 (HAProxy's specification, section 2.2): the binary header an L4
 * balancer puts in front of a connection to say whose it is. Only the parts the router
 * needs are read: command, address family and the source address; TLVs are skipped.
 */

const SIGNATURE = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);
/** Signature, version and command, family and protocol, address length. */
const FIXED_BYTES = 16;
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');

export type ProxyHeader =
  /** LOCAL: the balancer speaks for itself (a health check); its own address stands. */
  | { command: 'local' }
  | { command: 'proxy'; sourceAddress: string; sourcePort: number }
  /** PROXY with an address family the router cannot use (UNSPEC, UNIX): its own address stands. */
  | { command: 'proxy'; sourceAddress: undefined };

export type ProxyParse =
  | { state: 'pending' }
  /** The data does not start with a PROXY header. */
  | { state: 'absent' }
  | { state: 'invalid'; reason: string }
  | { state: 'complete'; header: ProxyHeader; length: number };

/**
 * Does this data start with a PROXY header (v2, or the text v1 that the router does not
 * accept)? `pending` while too few bytes have arrived to tell.
 */
export function startsWithProxyHeader(data: Buffer): boolean | 'pending' {
  for (const prefix of [SIGNATURE, V1_PREFIX]) {
    const n = Math.min(prefix.length, data.length);
    if (data.subarray(0, n).equals(prefix.subarray(0, n)))
      return n === prefix.length ? true : 'pending';
  }
  return false;
}

/** Parses a v2 header at the start of `data` (bytes of one connection, as they arrived). */
export function parseProxyHeader(data: Buffer, maxBytes: number): ProxyParse {
  const starts = startsWithProxyHeader(data);
  if (starts === 'pending') return { state: 'pending' };
  if (!starts) return { state: 'absent' };
  if (data[0] !== SIGNATURE[0]) return { state: 'invalid', reason: 'PROXY protocol v1' };
  if (data.length < FIXED_BYTES) return { state: 'pending' };
  const versionCommand = data[12]!;
  if (versionCommand >> 4 !== 2) return { state: 'invalid', reason: 'not version 2' };
  const command = versionCommand & 0x0f;
  if (command > 1) return { state: 'invalid', reason: `unknown command ${command}` };
  const addressLength = data.readUInt16BE(14);
  const length = FIXED_BYTES + addressLength;
  if (length > maxBytes) return { state: 'invalid', reason: `header of ${length} bytes` };
  if (data.length < length) return { state: 'pending' };
  const body = data.subarray(FIXED_BYTES, length);
  if (command === 0) return { state: 'complete', header: { command: 'local' }, length };
  const family = data[13]! >> 4;
  const transport = data[13]! & 0x0f;
  if (family !== 0 && transport !== 1)
    return { state: 'invalid', reason: 'not a stream connection' };
  const addressBytes = family === 1 ? 12 : family === 2 ? 36 : family === 3 ? 216 : 0;
  if (body.length < addressBytes) return { state: 'invalid', reason: 'address block too short' };
  const problem = tlvProblem(body.subarray(addressBytes));
  if (problem) return { state: 'invalid', reason: problem };
  if (family === 1) {
    const sourceAddress = `${body[0]}.${body[1]}.${body[2]}.${body[3]}`;
    return {
      state: 'complete',
      header: { command: 'proxy', sourceAddress, sourcePort: body.readUInt16BE(8) },
      length,
    };
  }
  if (family === 2) {
    return {
      state: 'complete',
      header: {
        command: 'proxy',
        sourceAddress: ipv6Text(body.subarray(0, 16)),
        sourcePort: body.readUInt16BE(32),
      },
      length,
    };
  }
  return { state: 'complete', header: { command: 'proxy', sourceAddress: undefined }, length };
}

/** TLVs (type, 16-bit length, value) must exactly fill what follows the addresses. */
function tlvProblem(tlvs: Buffer): string | null {
  let at = 0;
  while (at < tlvs.length) {
    if (at + 3 > tlvs.length) return 'truncated TLV';
    at += 3 + tlvs.readUInt16BE(at + 1);
  }
  return at === tlvs.length ? null : 'TLV longer than the header';
}

/** An IPv6 address in the form node reports (an IPv4-mapped one as `::ffff:a.b.c.d`). */
function ipv6Text(bytes: Buffer): string {
  const mapped =
    bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  // The URL parser writes an IPv6 host in its canonical compressed form.
  return new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1);
}
