import { Type, type Static } from '@sinclair/typebox';
import { common, url } from '../settings.js';

const path = (description: string, def: string) =>
  Type.String({ description, default: def, minLength: 1 });

/** Where the fleet simulator finds the platform; defaults match `npm start`. */
export const SimulatorSettings = Type.Object({
  LOG_LEVEL: common.LOG_LEVEL,
  SIMULATOR_ROUTER_URL: url(
    'The router vehicles connect to (MQTT over TLS)',
    'mqtts://127.0.0.1:8883',
    ['mqtts', 'mqtt'],
  ),
  SIMULATOR_BROKER_USERNAME: Type.String({
    description:
      'With a plain mqtt:// URL (vehicles straight to an edge broker): the user name they present, as the router does',
    default: 'roadcast-router',
    minLength: 1,
  }),
  SIMULATOR_BROKER_PASSWORD_FILE: Type.String({
    description:
      'With a plain mqtt:// URL: file holding the password of that user name; empty sends the vehicle id and no password',
    default: '',
  }),
  SIMULATOR_API_URL: url(
    'The REST API, for registering vehicles and creating campaigns',
    'http://127.0.0.1:3000',
    ['http', 'https'],
  ),
  SIMULATOR_ADMIN_KEY_FILE: path(
    'File holding an API key allowed to register vehicles and create campaigns',
    '.data/admin-key',
  ),
  SIMULATOR_PKI_DIR: path(
    'Fleet PKI folder; vehicle certificates are issued there when missing',
    '.data/pki',
  ),
  SIMULATOR_SIGNING_PUBLIC_KEY_FILE: path(
    'Public key (SPKI PEM) that notices must be signed with',
    '.data/signing/dev-1.pub',
  ),
  SIMULATOR_SIGNING_KEY_ID: Type.String({
    description: 'Key id of that public key',
    default: 'dev-1',
    pattern: '^[A-Za-z0-9._-]{1,128}$',
  }),
  SIMULATOR_SIGNING_PUBLIC_KEYS: Type.String({
    description: 'More trusted keys during a rotation, as keyId=path.pub pairs separated by commas',
    default: '',
    pattern: '^$|^[A-Za-z0-9._-]+=[^,]+(,[A-Za-z0-9._-]+=[^,]+)*$',
  }),
  SIMULATOR_LEGACY_KEY_IDS: Type.String({
    description:
      'Trusted key ids whose legacy per-notice signatures vehicles still accept, comma-separated (transition only)',
    default: '',
    pattern: '^$|^[A-Za-z0-9._-]{1,128}(,[A-Za-z0-9._-]{1,128})*$',
  }),
  SIMULATOR_STATE_DIR: path("Folder of the simulated vehicles' notice stores", '.data/simulator'),
});
export type SimulatorSettings = Static<typeof SimulatorSettings>;
