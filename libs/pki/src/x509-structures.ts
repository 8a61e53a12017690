/**
 * X.509 certificates and CRLs for the fleet PKI, built with the maintained ASN.1 schema of
 * `@peculiar/asn1-x509` and signed with node:crypto (ECDSA P-256, SHA-256). Both are
 * synchronous, so a test can mint a certificate inline.
 */
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  CRLNumber,
  CRLReason,
  Certificate,
  CertificateList,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  RevokedCertificate as RevokedEntry,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertList,
  TBSCertificate,
  Time,
  Validity,
  Version,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_cRLNumber,
  id_ce_cRLReasons,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_clientAuth,
  id_kp_serverAuth,
} from '@peculiar/asn1-x509';
import { PkiInvalidRequest } from './errors.js';
import { spkiDer } from './keys.js';

const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const OID_COMMON_NAME = '2.5.4.3';
const OID_COUNTRY = '2.5.4.6';
const OID_ORGANIZATION = '2.5.4.10';
const OID_ORGANIZATIONAL_UNIT = '2.5.4.11';

export interface DistinguishedName {
  commonName: string;
  organization?: string;
  organizationalUnit?: string;
  /** Two-letter country code. */
  country?: string;
}

export type KeyUsageName = 'digitalSignature' | 'keyCertSign' | 'cRLSign';
export type ExtendedKeyUsageName = 'serverAuth' | 'clientAuth';

export interface CertificateProfile {
  subject: DistinguishedName;
  /** The public key being certified. */
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  keyUsage: KeyUsageName[];
  extendedKeyUsage?: ExtendedKeyUsageName[];
  dnsNames?: string[];
  ipAddresses?: string[];
  uris?: string[];
}

/** What a certificate or CRL needs from its issuer. */
export interface Issuer {
  /** DER of the issuer's subject Name, so issued certificates chain byte for byte. */
  name: Buffer;
  keyId: Buffer;
  privateKey: KeyObject;
}

/** RFC 5280 5.3.1 CRLReason. */
export const REVOCATION_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
} as const;
export type RevocationReason = keyof typeof REVOCATION_REASONS;

export interface RevokedCertificate {
  /** Hexadecimal serial number, as `crypto.X509Certificate#serialNumber` prints it. */
  serialNumber: string;
  revokedAt: Date;
  reason?: RevocationReason;
}

export interface CrlOptions {
  thisUpdate: Date;
  nextUpdate: Date;
  /** Monotonic CRL number (RFC 5280 5.2.3); a newer list must carry a larger one. */
  crlNumber: number;
}

const ecdsaWithSha256 = () => new AlgorithmIdentifier({ algorithm: OID_ECDSA_WITH_SHA256 });

const der = (value: unknown): Buffer => Buffer.from(AsnConvert.serialize(value));

function extension(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

export function encodeName(name: DistinguishedName): Buffer {
  // X.520 ub-common-name: 64 characters.
  if (name.commonName.length === 0 || name.commonName.length > 64) {
    throw new PkiInvalidRequest('common name must be 1 to 64 characters');
  }
  if (name.country !== undefined && !/^[A-Z]{2}$/.test(name.country)) {
    throw new PkiInvalidRequest('country must be two capital letters');
  }
  const rdn = (type: string, value: AttributeValue) =>
    new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value })]);
  const parts: RelativeDistinguishedName[] = [];
  if (name.country !== undefined) parts.push(rdn(OID_COUNTRY, new AttributeValue({ printableString: name.country })));
  if (name.organization !== undefined) parts.push(rdn(OID_ORGANIZATION, new AttributeValue({ utf8String: name.organization })));
  if (name.organizationalUnit !== undefined) {
    parts.push(rdn(OID_ORGANIZATIONAL_UNIT, new AttributeValue({ utf8String: name.organizationalUnit })));
  }
  parts.push(rdn(OID_COMMON_NAME, new AttributeValue({ utf8String: name.commonName })));
  return der(new Name(parts));
}

/** A positive 127-bit serial: unpredictable, and never shortened by DER's leading-zero rule. */
function newSerialNumber(): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  return serial;
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(spki: Buffer): Buffer {
  const info = AsnConvert.parse(spki, SubjectPublicKeyInfo);
  return createHash('sha1').update(Buffer.from(info.subjectPublicKey)).digest();
}

const KEY_USAGE_FLAGS: Record<KeyUsageName, number> = {
  digitalSignature: KeyUsageFlags.digitalSignature,
  keyCertSign: KeyUsageFlags.keyCertSign,
  cRLSign: KeyUsageFlags.cRLSign,
};
const EXTENDED_KEY_USAGES: Record<ExtendedKeyUsageName, string> = {
  serverAuth: id_kp_serverAuth,
  clientAuth: id_kp_clientAuth,
};

/**
 * Builds and signs an X.509 v3 certificate. `issuer` null makes it self-signed with `selfKey`
 * (a CA's own certificate).
 */
export function buildCertificate(
  profile: CertificateProfile,
  issuer: Issuer | null,
  selfKey?: KeyObject,
): { der: Buffer; serialNumber: Buffer } {
  if (!(profile.notAfter > profile.notBefore)) {
    throw new PkiInvalidRequest('notAfter must be later than notBefore');
  }
  const spki = spkiDer(profile.publicKey);
  const subjectKeyId = keyIdentifier(spki);
  const subjectName = encodeName(profile.subject);
  let signer = issuer;
  if (!signer) {
    if (!selfKey) throw new PkiInvalidRequest('a self-signed certificate needs its private key');
    signer = { name: subjectName, keyId: subjectKeyId, privateKey: selfKey };
  }
  const keyUsage = profile.keyUsage.reduce((flags, usage) => flags | KEY_USAGE_FLAGS[usage], 0);
  const extensions = [
    // RFC 5280 4.2.1.9: critical in every certificate issued here, CA or not.
    extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: profile.isCa })),
    extension(id_ce_keyUsage, true, new KeyUsage(keyUsage)),
    extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(subjectKeyId)),
    extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(signer.keyId) })),
  ];
  if (profile.extendedKeyUsage && profile.extendedKeyUsage.length > 0) {
    extensions.push(
      extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage(profile.extendedKeyUsage.map((u) => EXTENDED_KEY_USAGES[u]))),
    );
  }
  const altNames = [
    ...(profile.dnsNames ?? []).map((dNSName) => new GeneralName({ dNSName })),
    ...(profile.uris ?? []).map((uniformResourceIdentifier) => new GeneralName({ uniformResourceIdentifier })),
    ...(profile.ipAddresses ?? []).map((iPAddress) => new GeneralName({ iPAddress })),
  ];
  if (altNames.length > 0) extensions.push(extension(id_ce_subjectAltName, false, new SubjectAlternativeName(altNames)));

  const serialNumber = newSerialNumber();
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array(serialNumber).buffer,
    signature: ecdsaWithSha256(),
    issuer: AsnConvert.parse(signer.name, Name),
    validity: new Validity({ notBefore: profile.notBefore, notAfter: profile.notAfter }),
    subject: AsnConvert.parse(subjectName, Name),
    subjectPublicKeyInfo: AsnConvert.parse(spki, SubjectPublicKeyInfo),
    extensions: new Extensions(extensions),
  });
  const tbsDer = der(tbs);
  const certificate = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: ecdsaWithSha256(),
    // Node's ECDSA signature is already the DER Ecdsa-Sig-Value that X.509 carries.
    signatureValue: new Uint8Array(sign('sha256', tbsDer, signer.privateKey)).buffer,
  });
  return { der: der(certificate), serialNumber };
}

function serialBytes(hex: string): ArrayBuffer {
  if (!/^[0-9A-Fa-f]{1,40}$/.test(hex)) throw new PkiInvalidRequest(`bad serial number "${hex}"`);
  return new Uint8Array(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex')).buffer;
}

/** Builds and signs a v2 CRL listing `revoked`; returns its DER. */
export function buildCrl(issuer: Issuer, revoked: RevokedCertificate[], options: CrlOptions): Buffer {
  if (!(options.nextUpdate > options.thisUpdate)) {
    throw new PkiInvalidRequest('nextUpdate must be later than thisUpdate');
  }
  const entries = revoked.map((entry) => {
    const reason = entry.reason === undefined ? 0 : REVOCATION_REASONS[entry.reason];
    return new RevokedEntry({
      userCertificate: serialBytes(entry.serialNumber),
      revocationDate: new Time(entry.revokedAt),
      // RFC 5280 5.3.1: "unspecified" is expressed by leaving the reason out.
      ...(reason === 0 ? {} : { crlEntryExtensions: [extension(id_ce_cRLReasons, false, new CRLReason(reason))] }),
    });
  });
  const tbs = new TBSCertList({
    version: Version.v2,
    signature: ecdsaWithSha256(),
    issuer: AsnConvert.parse(issuer.name, Name),
    thisUpdate: new Time(options.thisUpdate),
    nextUpdate: new Time(options.nextUpdate),
    // RFC 5280 5.1.2.6: an empty list is left out, not encoded as an empty sequence.
    ...(entries.length > 0 ? { revokedCertificates: entries } : {}),
    crlExtensions: [
      extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(issuer.keyId) })),
      extension(id_ce_cRLNumber, false, new CRLNumber(options.crlNumber)),
    ],
  });
  const tbsDer = der(tbs);
  return der(
    new CertificateList({
      tbsCertList: tbs,
      signatureAlgorithm: ecdsaWithSha256(),
      signature: new Uint8Array(sign('sha256', tbsDer, issuer.privateKey)).buffer,
    }),
  );
}

export interface ParsedCertificate {
  subject: Buffer;
  serialNumber: string;
  spki: Buffer;
  subjectKeyId: Buffer | null;
}

/** Reads the parts of a CA certificate that issuing needs (RFC 5280 4.1). */
export function parseCertificateDer(certDer: Buffer): ParsedCertificate {
  const { tbsCertificate: tbs } = AsnConvert.parse(certDer, Certificate);
  const ski = tbs.extensions?.find((e) => e.extnID === id_ce_subjectKeyIdentifier);
  return {
    subject: der(tbs.subject),
    serialNumber: Buffer.from(tbs.serialNumber).toString('hex').toUpperCase().replace(/^0+(?=.)/, ''),
    spki: der(tbs.subjectPublicKeyInfo),
    subjectKeyId: ski ? Buffer.from(AsnConvert.parse(ski.extnValue.buffer, SubjectKeyIdentifier).buffer) : null,
  };
}
