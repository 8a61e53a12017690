import { X509Certificate } from 'node:crypto';
import {
  buildCertificate,
  buildCrl,
  keyIdentifier,
  parseCertificateDer,
  type CertificateProfile,
  type Issuer,
  type RevokedCertificate,
} from './x509-structures.js';
import { fromPem, toPem } from './pem.js';
import { PkiError, PkiKeyMismatch, PkiMalformed } from './errors.js';
import { generateKeyPair, privateKeyToPem, readSigningKey, spkiDer } from './keys.js';

/** A certificate and its private key, both PEM. */
export interface KeyAndCertificate {
  cert: string;
  key: string;
}

export interface IssuedCertificate extends KeyAndCertificate {
  /** Upper-case hexadecimal, the form `crypto.X509Certificate#serialNumber` prints. */
  serialNumber: string;
  commonName: string;
  notBefore: Date;
  notAfter: Date;
}

export interface ValidityOptions {
  /** The clock to issue against (default: the current time). */
  now?: Date;
  /** Lifetime from `now` when `notAfter` is not given. */
  validDays?: number;
  /** Explicit bounds, e.g. for an already expired certificate. */
  notBefore?: Date;
  notAfter?: Date;
}

export interface ServerCertificateOptions extends ValidityOptions {
  commonName: string;
  dnsNames?: string[];
  ipAddresses?: string[];
}

export interface ClientCertificateOptions extends ValidityOptions {
  dnsNames?: string[];
  uris?: string[];
}

export interface CrlCreateOptions {
  now?: Date;
  /** Default: `now` less the clock-skew allowance. */
  thisUpdate?: Date;
  /** Default: `validDays` after `thisUpdate`. */
  nextUpdate?: Date;
  validDays?: number;
  /** Default 1; publish every new list with a larger number. */
  crlNumber?: number;
}

export interface CaCreateOptions {
  commonName?: string;
  organization?: string;
  now?: Date;
  validDays?: number;
}

/** A vehicle certificate names its vehicle in this URI SAN as well as in its CN and a DNS SAN. */
export const VEHICLE_URI_PREFIX = 'urn:roadcast:vehicle:';
const ORGANIZATION = 'Roadcast';
/** Certificates start a little in the past so a peer whose clock lags still accepts them. */
const CLOCK_SKEW_MS = 5 * 60_000;
const DAY_MS = 86_400_000;
const DNS_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

function validity(
  options: ValidityOptions,
  defaultDays: number,
): { notBefore: Date; notAfter: Date } {
  const now = options.now ?? new Date();
  const notBefore = options.notBefore ?? new Date(now.getTime() - CLOCK_SKEW_MS);
  const notAfter =
    options.notAfter ?? new Date(now.getTime() + (options.validDays ?? defaultDays) * DAY_MS);
  return { notBefore, notAfter };
}

function hex(serial: Buffer): string {
  return serial.toString('hex').toUpperCase();
}

/** A certificate authority that issues the fleet's certificates and revocation lists. */
export class CertificateAuthority implements KeyAndCertificate {
  readonly cert: string;
  readonly key: string;
  readonly commonName: string;
  readonly serialNumber: string;
  private readonly issuer: Issuer;

  private constructor(
    material: KeyAndCertificate,
    issuer: Issuer,
    commonName: string,
    serialNumber: string,
  ) {
    this.cert = material.cert;
    this.key = material.key;
    this.issuer = issuer;
    this.commonName = commonName;
    this.serialNumber = serialNumber;
  }

  /** A new self-signed CA with a fresh key. */
  static create(options: CaCreateOptions = {}): CertificateAuthority {
    const { privateKey, publicKey } = generateKeyPair();
    const commonName = options.commonName ?? 'Roadcast Fleet CA';
    const { der: certDer } = buildCertificate(
      {
        subject: { commonName, organization: options.organization ?? ORGANIZATION },
        publicKey,
        ...validity(options, options.validDays ?? 3650),
        isCa: true,
        keyUsage: ['digitalSignature', 'keyCertSign', 'cRLSign'],
      },
      null,
      privateKey,
    );
    return CertificateAuthority.load({
      cert: toPem('CERTIFICATE', certDer),
      key: privateKeyToPem(privateKey),
    });
  }

  /** A CA from its PEM certificate and key, e.g. as written by a previous run. */
  static load(material: KeyAndCertificate): CertificateAuthority {
    const privateKey = readSigningKey(material.key);
    const parsed = parseCertificate(material.cert);
    if (!spkiDer(privateKey).equals(parsed.spki)) {
      throw new PkiKeyMismatch();
    }
    const issuer: Issuer = {
      name: parsed.subject,
      keyId: parsed.subjectKeyId ?? keyIdentifier(parsed.spki),
      privateKey,
    };
    return new CertificateAuthority(material, issuer, parsed.commonName, parsed.serialNumber);
  }

  /** A TLS server certificate, e.g. the router's vehicle listener or a broker's. */
  issueServer(options: ServerCertificateOptions): IssuedCertificate {
    return this.issue(options.commonName, options, {
      extendedKeyUsage: ['serverAuth'],
      dnsNames: options.dnsNames ?? [],
      ipAddresses: options.ipAddresses ?? [],
    });
  }

  /** A TLS client certificate for a service (bridge, tracker) or any other client. */
  issueClient(commonName: string, options: ClientCertificateOptions = {}): IssuedCertificate {
    return this.issue(commonName, options, {
      extendedKeyUsage: ['clientAuth'],
      dnsNames: options.dnsNames ?? [],
      uris: options.uris ?? [],
    });
  }

  /**
   * A vehicle's client certificate: the vehicle id is its CN, a DNS SAN (where the id is a
   * valid DNS label, as a VIN is) and the URI SAN `urn:roadcast:vehicle:<id>`.
   */
  issueVehicle(vehicleId: string, options: ValidityOptions = {}): IssuedCertificate {
    return this.issueClient(vehicleId, {
      ...options,
      dnsNames: DNS_LABEL.test(vehicleId) ? [vehicleId] : [],
      uris: [`${VEHICLE_URI_PREFIX}${encodeURIComponent(vehicleId)}`],
    });
  }

  /** A signed CRL (PEM) listing `revoked`. */
  createCrl(revoked: RevokedCertificate[], options: CrlCreateOptions = {}): string {
    const now = options.now ?? new Date();
    const thisUpdate = options.thisUpdate ?? new Date(now.getTime() - CLOCK_SKEW_MS);
    const nextUpdate =
      options.nextUpdate ?? new Date(thisUpdate.getTime() + (options.validDays ?? 30) * DAY_MS);
    return toPem(
      'X509 CRL',
      buildCrl(this.issuer, revoked, { thisUpdate, nextUpdate, crlNumber: options.crlNumber ?? 1 }),
    );
  }

  private issue(
    commonName: string,
    options: ValidityOptions,
    profile: Pick<CertificateProfile, 'extendedKeyUsage' | 'dnsNames' | 'ipAddresses' | 'uris'>,
  ): IssuedCertificate {
    const { privateKey, publicKey } = generateKeyPair();
    const { notBefore, notAfter } = validity(options, 365);
    const { der: certDer, serialNumber } = buildCertificate(
      {
        subject: { commonName, organization: ORGANIZATION },
        publicKey,
        notBefore,
        notAfter,
        isCa: false,
        keyUsage: ['digitalSignature'],
        ...profile,
      },
      this.issuer,
    );
    return {
      cert: toPem('CERTIFICATE', certDer),
      key: privateKeyToPem(privateKey),
      serialNumber: hex(serialNumber),
      commonName,
      notBefore: truncateToSeconds(notBefore),
      notAfter: truncateToSeconds(notAfter),
    };
  }
}

/** What certificates record: whole seconds. */
function truncateToSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** Reads the parts of a CA certificate that issuing needs, with its CN. */
function parseCertificate(pem: string): ReturnType<typeof parseCertificateDer> & { commonName: string } {
  try {
    const parsed = parseCertificateDer(fromPem('CERTIFICATE', pem));
    // Node's own parser reads the CN and confirms the PEM is a certificate it accepts.
    const x509 = new X509Certificate(pem);
    const commonName = /(?:^|\n)CN=([^\n]*)/.exec(x509.subject)?.[1] ?? '';
    return { ...parsed, commonName };
  } catch (err) {
    if (err instanceof PkiError) throw err;
    throw new PkiMalformed(`CA certificate unreadable: ${(err as Error).message}`);
  }
}
