export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export { METRIC_PREFIX, createMetricsRegistry } from './metrics.js';
export {
  startAdminServer,
  type AdminServer,
  type AdminServerOptions,
  type ReadinessCheck,
} from './admin-server.js';
export { closeInOrder, handleShutdown, type ShutdownOptions } from './shutdown.js';
export {
  runService,
  type RunningService,
  type ServiceDeps,
  type ServiceSettings,
} from './service.js';
export {
  LogRateLimiter,
  LogSource,
  type LogRateLimiterOptions,
  type LogRateLimits,
} from './log-rate-limiter.js';
