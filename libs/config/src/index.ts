export { ConfigError, loadConfig, loadConfigOrExit, type ConfigProblem, type LoadConfigOptions } from './load-config.js';
export { LOG_LEVELS, common, database, host, port, redis, url } from './settings.js';
export { ApiSettings } from './apps/api.js';
export { BridgeSettings } from './apps/bridge.js';
export { RouterSettings, VIN_PATTERN } from './apps/router.js';
export { TrackerSettings } from './apps/tracker.js';
export { SimulatorSettings } from './apps/simulator.js';
export { settingsReference } from './reference.js';
export { readSecretFile } from './secret-file.js';
