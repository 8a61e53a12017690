import { RoadcastError, createError, type RoadcastErrorCode } from '@roadcast/contracts/errors';

/** The codes the fleet PKI raises; their messages are in the error table. */
export type PkiErrorCode = Extract<RoadcastErrorCode, `ROADCAST_ERR_PKI_${string}`>;

/** Every error the fleet PKI raises. */
export class PkiError extends RoadcastError<PkiErrorCode> {
  constructor(...args: ConstructorParameters<typeof RoadcastError<PkiErrorCode>>) {
    super(...args);
    this.name = 'PkiError';
  }
}

/** A key that is not an EC P-256 key was handed to the CA. */
export const PkiUnsupportedKey = createError('ROADCAST_ERR_PKI_UNSUPPORTED_KEY', PkiError);
/** A certificate, key or CRL could not be read. */
export const PkiMalformed = createError('ROADCAST_ERR_PKI_MALFORMED', PkiError);
/** The requested certificate contents are not acceptable (empty name, bad dates, ...). */
export const PkiInvalidRequest = createError('ROADCAST_ERR_PKI_INVALID_REQUEST', PkiError);
/** The CA's private key does not belong to its certificate. */
export const PkiKeyMismatch = createError('ROADCAST_ERR_PKI_KEY_MISMATCH', PkiError);
