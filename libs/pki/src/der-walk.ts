import { PkiMalformed, type PkiError } from './errors.js';

/** One DER element: its tag, where its contents lie, and where the next element starts. */
export interface DerElement {
  tag: number;
  /** The whole element, header included. */
  start: number;
  contentStart: number;
  end: number;
}

export const DER_TAG = {
  integer: 0x02,
  sequence: 0x30,
  utcTime: 0x17,
  generalizedTime: 0x18,
  /** `[0]` constructed: a certificate's version, a CRL's extensions. */
  context0: 0xa0,
} as const;

function malformed(what: string): PkiError {
  return new PkiMalformed(`malformed DER: ${what}`);
}

/**
 * Reads the element at `offset` (definite lengths only, as DER requires). Small and strict:
 * enough to walk certificates and CRLs without building their whole structure.
 */
export function readElement(der: Buffer, offset: number, limit = der.length): DerElement {
  if (offset + 2 > limit) throw malformed('truncated header');
  const tag = der[offset]!;
  let length = der[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4 || contentStart + bytes > limit) throw malformed('bad length');
    length = 0;
    for (let i = 0; i < bytes; i += 1) length = length * 256 + der[contentStart + i]!;
    contentStart += bytes;
  }
  const end = contentStart + length;
  if (end > limit) throw malformed('element runs past its container');
  return { tag, start: offset, contentStart, end };
}

/** The elements inside a constructed element, in order. */
export function children(der: Buffer, parent: DerElement): DerElement[] {
  const out: DerElement[] = [];
  for (let at = parent.contentStart; at < parent.end;) {
    const element = readElement(der, at, parent.end);
    out.push(element);
    at = element.end;
  }
  return out;
}

/** An INTEGER's magnitude as upper-case hex without leading zeros, as OpenSSL prints serials. */
export function integerHex(der: Buffer, element: DerElement): string {
  if (element.tag !== DER_TAG.integer) throw malformed('expected an INTEGER');
  const hex = der.subarray(element.contentStart, element.end).toString('hex').toUpperCase();
  return hex.replace(/^0+(?=.)/, '');
}
