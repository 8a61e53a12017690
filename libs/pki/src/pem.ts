import { PkiMalformed } from './errors.js';

/** PEM armour (RFC 7468) around DER bytes. */
export function toPem(label: string, der: Uint8Array): string {
  const body = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

export function fromPem(label: string, pem: string): Buffer {
  const match = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(pem);
  if (!match?.[1]) throw new PkiMalformed(`no ${label} in PEM input`);
  return Buffer.from(match[1].replace(/\s+/g, ''), 'base64');
}
