import { TrackerSettings, loadConfigOrExit } from '@roadcast/config';
import { runService } from '@roadcast/observability';
import { startTracker } from './tracker.js';

const settings = loadConfigOrExit(TrackerSettings, { env: process.env, dotenvPath: '.env' });
await runService('tracker', settings, startTracker);
