import { RouterSettings, loadConfigOrExit } from '@roadcast/config';
import { runService } from '@roadcast/observability';
import { startRouter } from './start-router.js';

const settings = loadConfigOrExit(RouterSettings, { env: process.env, dotenvPath: '.env' });
await runService('router', settings, startRouter);
