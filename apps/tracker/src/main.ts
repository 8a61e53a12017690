import { TrackerSettings, loadConfigOrExit } from '@roadcast/config';
import {
  createLogger,
  createMetricsRegistry,
  handleShutdown,
  startAdminServer,
} from '@roadcast/observability';
import { startTracker } from './tracker.js';

const settings = loadConfigOrExit(TrackerSettings, { env: process.env, dotenvPath: '.env' });
const logger = createLogger({ service: 'tracker', level: settings.LOG_LEVEL });
const registry = createMetricsRegistry('tracker');
const tracker = await startTracker(settings, logger, registry);
let stopping = false;
const admin = await startAdminServer({
  host: settings.TRACKER_ADMIN_HOST,
  port: settings.TRACKER_ADMIN_PORT,
  registry,
  readiness: { tracker: () => tracker.ready() },
  isStopping: () => stopping,
});
logger.info({ adminPort: admin.port, instanceId: settings.TRACKER_INSTANCE_ID }, 'started');
handleShutdown({
  logger,
  graceMs: settings.SHUTDOWN_GRACE_MS,
  closers: [
    {
      name: 'tracker',
      close: () => {
        stopping = true;
        return tracker.close();
      },
    },
    { name: 'admin server', close: () => admin.close() },
  ],
});
