export { startStack, type Stack, type StackBroker, type StackOptions } from './start-stack.js';
export { AppProcess, type AppName, type AppProcessOptions } from './app-process.js';
export {
  ALL_APPS,
  APP_NICENESS,
  DEFAULT_POOLS,
  LOCAL_PORTS,
  type PoolSpec,
  type StackPorts,
} from './stack-options.js';
export { ensureSigningKey, type StackSigningKey } from './signing-key-files.js';
