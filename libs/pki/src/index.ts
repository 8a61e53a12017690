export {
  CertificateAuthority,
  VEHICLE_URI_PREFIX,
  type CaCreateOptions,
  type ClientCertificateOptions,
  type CrlCreateOptions,
  type IssuedCertificate,
  type KeyAndCertificate,
  type ServerCertificateOptions,
  type ValidityOptions,
} from './certificate-authority.js';
export { REVOCATION_REASONS, type RevocationReason, type RevokedCertificate } from './x509-structures.js';
export {
  PkiError,
  PkiInvalidRequest,
  PkiKeyMismatch,
  PkiMalformed,
  PkiUnsupportedKey,
  type PkiErrorCode,
} from './errors.js';
export {
  certificateKey,
  readCrlEntries,
  revokedCertificateKeys,
  type CrlEntries,
} from './revocation.js';
export {
  createFleetPki,
  devVehicleId,
  fleetPkiFiles,
  issueFleetVehicles,
  listFleetVehicles,
  NEGATIVE_CASE_VEHICLE_IDS,
  refreshFleetCrl,
  revokeFleetVehicles,
  type FleetPkiFiles,
  type FleetPkiOptions,
  type VehicleFiles,
} from './fleet-pki-files.js';
