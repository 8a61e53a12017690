import { createHash } from 'node:crypto';
import { DER_TAG, children, integerHex, readElement, type DerElement } from './der-walk.js';
import { PkiMalformed } from './errors.js';

/** What a CRL says: who issued it and which serial numbers it revokes. */
export interface CrlEntries {
  /** `issuerKey` of the issuing CA, to match with `certificateKey` of its certificates. */
  issuerKey: string;
  /** Upper-case hex serial numbers, leading zeros removed. */
  revokedSerials: string[];
}

/** A short, stable name for an issuer's DER-encoded distinguished name. */
function issuerKeyOf(issuerDer: Buffer): string {
  return createHash('sha256').update(issuerDer).digest('base64url').slice(0, 22);
}

function sequence(der: Buffer, element: DerElement | undefined, what: string): DerElement {
  if (element?.tag !== DER_TAG.sequence) throw new PkiMalformed(`malformed DER: expected ${what}`);
  return element;
}

/** The DER of every CRL in a PEM bundle, or the input itself when it is DER. */
function crlDers(input: Buffer | string): Buffer[] {
  const text = typeof input === 'string' ? input : input.toString('latin1');
  const blocks = [...text.matchAll(/-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/g)];
  if (blocks.length > 0)
    return blocks.map((m) => Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'));
  return typeof input === 'string' ? [] : [input];
}

/**
 * The revoked serial numbers of each CRL in `input` (PEM, one or several lists, or DER),
 * read with a small DER walker (RFC 5280 5.1: tbsCertList's version, signature, issuer,
 * thisUpdate, nextUpdate, revokedCertificates). The signature is not checked here: the same
 * file configures the TLS listener, which checks it.
 */
export function readCrlEntries(input: Buffer | string): CrlEntries[] {
  return crlDers(input).map((der) => {
    const list = sequence(der, readElement(der, 0), 'CertificateList');
    const tbs = sequence(der, children(der, list)[0], 'TBSCertList');
    const fields = children(der, tbs);
    let i = fields[0]?.tag === DER_TAG.integer ? 1 : 0;
    i += 1; // signature algorithm
    const issuer = sequence(der, fields[i], 'issuer Name');
    i += 2; // issuer, thisUpdate
    const next = fields[i];
    if (next && (next.tag === DER_TAG.utcTime || next.tag === DER_TAG.generalizedTime)) i += 1;
    const revoked = fields[i]?.tag === DER_TAG.sequence ? fields[i]! : undefined;
    const revokedSerials = revoked
      ? children(der, revoked).map((entry) => {
          const serial = children(der, sequence(der, entry, 'revoked entry'))[0];
          if (!serial) throw new PkiMalformed('revoked entry without serial');
          return integerHex(der, serial);
        })
      : [];
    return {
      issuerKey: issuerKeyOf(der.subarray(issuer.start, issuer.end)),
      revokedSerials,
    };
  });
}

/**
 * `issuerKey/serial` of a DER certificate: the same for a certificate and the CRL entry that
 * revokes it, whichever CA (of several trusted ones) issued it.
 */
export function certificateKey(certDer: Buffer): string {
  const cert = sequence(certDer, readElement(certDer, 0), 'Certificate');
  const tbs = sequence(certDer, children(certDer, cert)[0], 'TBSCertificate');
  const fields = children(certDer, tbs);
  const i = fields[0]?.tag === DER_TAG.context0 ? 1 : 0;
  const serial = fields[i];
  if (!serial) throw new PkiMalformed('certificate without serial');
  const issuer = sequence(certDer, fields[i + 2], 'issuer Name');
  return `${issuerKeyOf(certDer.subarray(issuer.start, issuer.end))}/${integerHex(certDer, serial)}`;
}

/** Every `issuerKey/serial` the CRLs revoke, to compare with `certificateKey`. */
export function revokedCertificateKeys(crls: CrlEntries[]): Set<string> {
  const keys = new Set<string>();
  for (const crl of crls)
    for (const serial of crl.revokedSerials) keys.add(`${crl.issuerKey}/${serial}`);
  return keys;
}
