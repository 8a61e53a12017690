import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SimulatorSettings, loadConfigOrExit, readSecretFile } from '@roadcast/config';
import { SimulatedFleet } from '@roadcast/vehicle-client';
import { ApiClient } from './api-client.js';
import { USAGE, parseSimulatorArgs, type SimulatorOptions } from './cli-options.js';
import { fleetIdentities } from './fleet-identities.js';
import { nextVersion } from './offered-version.js';
import { progressLine, type CampaignSummary } from './progress-line.js';
import { readVehicleTrust } from './trusted-keys.js';

const settings = loadConfigOrExit(SimulatorSettings, { env: process.env, dotenvPath: '.env' });
let options: SimulatorOptions;
try {
  options = parseSimulatorArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
  process.exit(64);
}
if (options.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

// A plain `mqtt://` URL (a bare broker, for development) takes no client certificates:
// MQTT.js would switch to TLS when given them.
const plain = settings.SIMULATOR_ROUTER_URL.startsWith('mqtt://');
const identities = (
  await fleetIdentities(settings.SIMULATOR_PKI_DIR, options.first, options.vehicles)
).map((identity) => (plain ? { vehicleId: identity.vehicleId } : identity));
const ids = identities.map((i) => i.vehicleId);
const { trustedKeys, legacyKeyIds } = await readVehicleTrust(settings);
const brokerPassword = plain ? readSecretFile(settings.SIMULATOR_BROKER_PASSWORD_FILE) : undefined;
const api =
  options.register || options.campaign
    ? new ApiClient(
        settings.SIMULATOR_API_URL,
        (await readFile(settings.SIMULATOR_ADMIN_KEY_FILE, 'utf8')).trim(),
      )
    : undefined;

if (api && options.register) {
  const result = await api.registerVehicles(
    ids.map((id) => ({
      id,
      model: 'simulated',
      region: 'simulation',
      softwareVersion: options.installedVersion,
      tags: ['simulated'],
    })),
  );
  console.log(
    `registered ${ids.length} vehicles (${result.created} new, ${result.updated} updated)`,
  );
}

/** The component the simulated campaign updates; vehicles report their version of it. */
const UPDATE_ID = 'simulator-firmware';

const fleet = new SimulatedFleet({
  vehicles: identities,
  url: settings.SIMULATOR_ROUTER_URL,
  trustedKeys,
  legacyKeyIds,
  ...(brokerPassword === undefined
    ? {}
    : {
        brokerLogin: { username: settings.SIMULATOR_BROKER_USERNAME, password: brokerPassword },
      }),
  protocolVersion: options.protocolVersion,
  storeDir: settings.SIMULATOR_STATE_DIR,
  installedVersion: options.installedVersion,
  stepMs: options.installStepMs,
  failureRate: options.failureRate,
  failedAttempts: options.failedAttempts,
  stallRate: options.stallRate,
  bootFailureRate: options.bootFailureRate,
  components: [UPDATE_ID],
  tunnels: {
    share: options.tunnelShare,
    offlineMs: options.offlineMs,
    onlineMs: options.onlineMs,
    uncleanShare: options.uncleanShare,
  },
  connectConcurrency: options.connectConcurrency,
  seed: options.seed,
});

const started = Date.now();
console.log(`connecting ${ids.length} vehicles to ${settings.SIMULATOR_ROUTER_URL}…`);
await fleet.connect(undefined, 120_000);
fleet.startTunnels();

let campaignId: string | undefined;
if (api && options.campaign) {
  const version =
    options.updateVersion ?? nextVersion(fleet.vehicles.map((v) => v.versionOf(UPDATE_ID)));
  const campaign = await api.createCampaign({
    name: `Simulated fleet ${ids[0]}…${ids.at(-1)}`,
    update: {
      id: UPDATE_ID,
      version,
      url: `https://updates.example.com/simulator-firmware-${version}.bin`,
      sha256: createHash('sha256').update(`simulator-firmware-${version}`).digest('hex'),
      size: 64 * 1024 * 1024,
    },
    target: { vehicleIds: ids },
    rollout: { waves: options.waves.map((percent) => ({ percent })) },
    ...(options.observeBootS > 0
      ? { options: { healthyBoot: { observationSeconds: options.observeBootS } } }
      : {}),
  });
  campaignId = campaign.id;
  console.log(
    `campaign ${campaignId} created, offering ${UPDATE_ID} ${version}; watch it live: ${settings.SIMULATOR_API_URL}/#/campaigns/${campaignId}`,
  );
}

const FINISHED = new Set(['completed', 'cancelled', 'expired']);
let campaign: CampaignSummary | undefined;
let stopping = false;
const interactive = process.stdout.isTTY === true;
let lastPrinted = 0;

async function tick(): Promise<void> {
  if (api && campaignId) {
    try {
      const detail = await api.getCampaign(campaignId);
      campaign = {
        status: detail.status,
        counts: detail.counts,
        pausedReason: detail.pausedReason,
      };
    } catch (err) {
      campaign = {
        status: `unreachable (${(err as Error).message})`,
        counts: campaign?.counts ?? {},
      };
    }
  }
  const line = progressLine((Date.now() - started) / 1000, fleet.stats(), campaign);
  if (interactive) process.stdout.write(`\r\x1b[2K${line}`);
  else if (Date.now() - lastPrinted >= 5_000) {
    console.log(line);
    lastPrinted = Date.now();
  }
  const timeUp = options.durationS > 0 && Date.now() - started >= options.durationS * 1000;
  const busy = fleet.vehicles.some((v) => v.busy > 0);
  if (timeUp || (campaign && FINISHED.has(campaign.status) && !busy)) await stop('done');
}

async function stop(reason: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  await fleet.stop();
  const stats = fleet.stats();
  const repeated = fleet.vehicles.filter((v) => [...v.seen.values()].some((n) => n > 1)).length;
  if (interactive) process.stdout.write('\n');
  console.log(`\nstopped (${reason}) after ${Math.round((Date.now() - started) / 1000)} s`);
  console.log(progressLine((Date.now() - started) / 1000, stats, campaign));
  console.log(`vehicles whose software saw a notice more than once: ${repeated}`);
  process.exitCode = repeated > 0 ? 1 : 0;
}

const timer = setInterval(() => void tick(), 1_000);
process.on('SIGINT', () => void stop('interrupted'));
process.on('SIGTERM', () => void stop('terminated'));
