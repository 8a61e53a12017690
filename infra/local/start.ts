/**
 * `npm start`: the whole Roadcast platform on this machine — migrated database, development
 * PKI and keys, a core broker and two edge pools of Mosquitto brokers, and the api, tracker,
 * bridge and router apps — until Ctrl-C, which stops every process it started.
 */
import { join } from 'node:path';
import { startStack } from '@roadcast/local-stack';
import { buildDashboard } from './build-dashboard.js';
import { preflight } from './preflight.js';

const databaseUrl = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/roadcast';
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

const problems = await preflight(databaseUrl, redisUrl);
if (problems.length > 0) {
  console.error('Roadcast cannot start yet:');
  for (const p of problems) console.error(`  - ${p.what}\n    fix: ${p.fix}`);
  process.exit(1);
}

console.log('Building the dashboard…');
buildDashboard();
console.log('Starting Roadcast (database migrations, PKI, brokers, apps)…');
const stack = await startStack({ label: 'local', mode: 'local', databaseUrl, redisUrl });

const brokers = [...stack.brokers.values()]
  .map((b) => `    ${b.id.padEnd(10)} ${b.broker.url}  (pool ${b.poolId})`)
  .join('\n');
console.log(`
Roadcast is running.

  Dashboard and API   ${stack.apiUrl}            (OpenAPI: ${stack.apiUrl}/docs)
  Router (MQTT/TLS)   mqtts://${stack.routerHost}:${stack.routerTlsPort}   (client certificate from .data/pki/vehicles/)
  Router admin        ${stack.routerAdminUrl}/metrics
  Core broker         ${stack.coreBroker.url}
  Edge brokers
${brokers}
  Broker logins       user names roadcast-router, roadcast-bridge, roadcast-tracker (no anonymous
                      clients); passwords in ${join(stack.logDir, '..', 'secrets')}/, new at every start

  Admin API key       ${stack.adminKey}
                      (also in .data/admin-key)
  Logs                ${join(stack.logDir)}/

  Watch a campaign roll out: in another terminal run
    npm run simulate -- --vehicles 200 --register --campaign
  and open the link it prints (sign in with the admin key).
  Stop everything: Ctrl-C
`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping Roadcast…`);
  await stack.stop();
  console.log('Stopped.');
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

// An app that dies on its own is reported; the rest keep running so its log can be read.
const watch = setInterval(() => {
  for (const app of stack.apps.values()) {
    if (!app.running && !stopping) {
      console.error(`${app.name} has stopped; see ${join(stack.logDir, `${app.name}.log`)}`);
    }
  }
}, 5_000);
watch.unref();
