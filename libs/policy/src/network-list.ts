import { BlockList, isIP } from 'node:net';

/** An IPv4-mapped IPv6 address (what a dual-stack listener reports) as plain IPv4. */
export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

/** Parses `a.b.c.d/n`, `x::y/n` or a bare address; null when invalid. */
export function parseCidr(
  text: string,
): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [address = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return null;
  const version = isIP(address);
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > max ||
    (prefixText !== undefined && !/^\d+$/.test(prefixText))
  )
    return null;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** A set of networks, answering whether an address falls in one of them. */
export class NetworkList {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const parsed = parseCidr(cidr);
      if (!parsed) throw new Error(`invalid network "${cidr}"`);
      this.list.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
    this.size = cidrs.length;
  }

  contains(address: string): boolean {
    const normalized = normalizeAddress(address);
    const version = isIP(normalized);
    if (version === 0) return false;
    return this.list.check(normalized, version === 4 ? 'ipv4' : 'ipv6');
  }
}
