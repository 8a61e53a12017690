import { ApiSettings, loadConfigOrExit } from '@roadcast/config';
import { runService } from '@roadcast/observability';
import { startApi } from './start-api.js';

const settings = loadConfigOrExit(ApiSettings, { env: process.env, dotenvPath: '.env' });
await runService('api', settings, startApi);
