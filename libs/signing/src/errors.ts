import { createError } from '@roadcast/contracts/errors';

/** A key id vehicles could not look up: 1 to 128 of A-Z a-z 0-9 . _ - */
export const InvalidKeyId = createError('ROADCAST_ERR_SIGNING_KEY_ID');
/** A key handed to signing or verification that is not Ed25519. */
export const NotEd25519Key = createError('ROADCAST_ERR_SIGNING_KEY_TYPE');
