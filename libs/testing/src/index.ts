export {
  BROKER_IDENTITIES,
  BROKER_USERNAMES,
  newPlatformCredentials,
  platformCredentials,
  platformPasswordFile,
  writeMosquittoPasswordFile,
  writePasswordFiles,
  type BrokerCredentials,
  type BrokerIdentity,
  type PlatformCredentials,
} from './broker-credentials.js';
export { freePort, uniquePrefix } from './ids.js';
export { migrateWithCli } from './migrate-cli.js';
export {
  mtlsListenerConfig,
  startMosquitto,
  type MosquittoBroker,
  type MosquittoOptions,
} from './mosquitto.js';
export { startRedisServer, type RedisServer, type RedisServerOptions } from './redis-server.js';
export {
  createTestDatabase,
  type TestDatabase,
  type TestDatabaseOptions,
} from './test-database.js';
export { getTestPki, TEST_VEHICLE_IDS, type TestCertificate, type TestPki } from './test-pki.js';
export {
  startAndCloseInChild,
  type RootLifecycle,
  type RootLifecycleOptions,
} from './root-lifecycle.js';
export { startOneBrokerWorld, type OneBrokerWorld } from './one-broker-world.js';
