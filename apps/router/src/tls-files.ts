import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { SecureContextOptions } from 'node:tls';

export interface TlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Empty: no revocation checks. */
  crlFile: string;
  /**
   * The secret every replica derives its session-ticket keys from (48 bytes, base64), so a
   * vehicle resumes on any of them; empty: random keys per process.
   */
  ticketKeyFile?: string;
}

/** Node takes one ticket key: 16 bytes of name, 16 of HMAC secret, 16 of AES key. */
const TICKET_KEY_BYTES = 48;

/** The shared ticket secret from its file: base64 of 48 random bytes. */
export function parseTicketKeyFile(text: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== TICKET_KEY_BYTES || !/^[A-Za-z0-9+/=\s]+$/.test(text))
    throw new Error(
      `the ticket key file must hold ${TICKET_KEY_BYTES} bytes in base64 (openssl rand -base64 48)`,
    );
  return key;
}

/**
 * This listener's session-ticket keys. With a shared secret, every replica derives the same
 * keys from it, the fleet CA and the CRL, so replicas that read the same files accept each
 * other's tickets, and a new CRL or CA gives new keys everywhere: no ticket issued before it
 * resumes, and a revoked vehicle meets a full handshake. Without one, random keys.
 */
export function ticketKeysFor(
  sharedSecret: Buffer | undefined,
  trust: { ca: Buffer; crl: Buffer | undefined },
): Buffer {
  if (!sharedSecret) return randomBytes(TICKET_KEY_BYTES);
  const salt = createHash('sha256')
    .update(trust.ca)
    .update('\0')
    .update(trust.crl ?? Buffer.alloc(0))
    .digest();
  return Buffer.from(
    hkdfSync('sha256', sharedSecret, salt, 'roadcast router session tickets', TICKET_KEY_BYTES),
  );
}

/** Reads the listener's certificate, key, fleet CA and CRL, and derives its ticket keys. */
export async function readTlsFiles(files: TlsFiles): Promise<SecureContextOptions> {
  const [ca, cert, key, crl, ticketKeyText] = await Promise.all([
    readFile(files.caFile),
    readFile(files.certFile),
    readFile(files.keyFile),
    files.crlFile ? readFile(files.crlFile) : Promise.resolve(undefined),
    files.ticketKeyFile ? readFile(files.ticketKeyFile, 'utf8') : Promise.resolve(undefined),
  ]);
  const shared = ticketKeyText === undefined ? undefined : parseTicketKeyFile(ticketKeyText);
  return { ca, cert, key, ...(crl ? { crl } : {}), ticketKeys: ticketKeysFor(shared, { ca, crl }) };
}

/** A fingerprint of the files' modification times, to notice a renewed certificate or CRL. */
export async function tlsFilesVersion(files: TlsFiles): Promise<string> {
  const paths = [
    files.caFile,
    files.certFile,
    files.keyFile,
    files.crlFile,
    files.ticketKeyFile ?? '',
  ].filter(Boolean);
  const stats = await Promise.all(paths.map((p) => stat(p)));
  return stats.map((s) => `${s.mtimeMs}:${s.size}`).join('|');
}

/**
 * Watches the TLS files and hands a new secure context to `apply` when any of them changed,
 * so a renewed certificate, a new CRL or a rotated ticket secret takes effect without a
 * restart. A file caught
 * half-written fails to load and is tried again at the next check; the context in use stays.
 */
export class TlsReloader {
  private version = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly files: TlsFiles;
  private readonly apply: (secure: SecureContextOptions) => void;
  private readonly onError: (err: unknown) => void;

  constructor(options: {
    files: TlsFiles;
    apply: (secure: SecureContextOptions) => void;
    onError: (err: unknown) => void;
  }) {
    this.files = options.files;
    this.apply = options.apply;
    this.onError = options.onError;
  }

  /** Notes the files' current state, then checks every `intervalMs`. */
  async start(intervalMs: number): Promise<void> {
    this.version = await tlsFilesVersion(this.files);
    this.timer = setInterval(() => {
      this.check().catch(this.onError);
    }, intervalMs);
    this.timer.unref();
  }

  /** Reloads if the files changed since the last load; true when it did. */
  async check(): Promise<boolean> {
    const version = await tlsFilesVersion(this.files);
    if (version === this.version) return false;
    this.apply(await readTlsFiles(this.files));
    this.version = version;
    return true;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
