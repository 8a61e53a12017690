/** Coded errors of the fleet PKI. */
export const PkiErrorCode = {
  /** A key that is not an EC P-256 key was handed to the CA. */
  UNSUPPORTED_KEY: 'ROADCAST_ERR_PKI_UNSUPPORTED_KEY',
  /** A certificate or CRL could not be read. */
  MALFORMED: 'ROADCAST_ERR_PKI_MALFORMED',
  /** The requested certificate contents are not acceptable (empty name, bad dates, ...). */
  INVALID_REQUEST: 'ROADCAST_ERR_PKI_INVALID_REQUEST',
  /** The CA's private key does not belong to its certificate. */
  KEY_MISMATCH: 'ROADCAST_ERR_PKI_KEY_MISMATCH',
} as const;
export type PkiErrorCode = (typeof PkiErrorCode)[keyof typeof PkiErrorCode];

export class PkiError extends Error {
  override readonly name = 'PkiError';
  constructor(
    readonly code: PkiErrorCode,
    message: string,
  ) {
    super(message);
  }
}
