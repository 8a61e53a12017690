import { readFile, stat } from 'node:fs/promises';
import type { SecureContextOptions } from 'node:tls';

export interface TlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Empty: no revocation checks. */
  crlFile: string;
}

/** Reads the listener's certificate, key, fleet CA and CRL. */
export async function readTlsFiles(files: TlsFiles): Promise<SecureContextOptions> {
  const [ca, cert, key, crl] = await Promise.all([
    readFile(files.caFile),
    readFile(files.certFile),
    readFile(files.keyFile),
    files.crlFile ? readFile(files.crlFile) : Promise.resolve(undefined),
  ]);
  return { ca, cert, key, ...(crl ? { crl } : {}) };
}

/** A fingerprint of the files' modification times, to notice a renewed certificate or CRL. */
export async function tlsFilesVersion(files: TlsFiles): Promise<string> {
  const paths = [files.caFile, files.certFile, files.keyFile, files.crlFile].filter(Boolean);
  const stats = await Promise.all(paths.map((p) => stat(p)));
  return stats.map((s) => `${s.mtimeMs}:${s.size}`).join('|');
}

/**
 * Watches the TLS files and hands a new secure context to `apply` when any of them changed,
 * so a renewed certificate or a new CRL takes effect without a restart. A file caught
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
