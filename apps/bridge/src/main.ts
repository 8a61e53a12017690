import { BridgeSettings, loadConfigOrExit } from '@roadcast/config';
import { runService } from '@roadcast/observability';
import { startBridge } from './bridge-service.js';

const settings = loadConfigOrExit(BridgeSettings, { env: process.env, dotenvPath: '.env' });
await runService('bridge', settings, startBridge);
