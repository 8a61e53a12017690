import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SimulatorSettings, loadConfigOrExit, readSecretFile } from '@roadcast/config';
import { SimulatedFleet } from '@roadcast/vehicle-client';
import { ApiClient } from './api-client.js';
import { USAGE, parseSimulatorArgs, type SimulatorOptions } from './cli-options.js';
import { fleetIdentities } from './fleet-identities.js';
import { nextVersion } from './offered-version.js';
import { progressLine, type CampaignSummary } from './progress-line.js';
import { isParked } from './scenarios.js';
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
const allIdentities = (
  await fleetIdentities(settings.SIMULATOR_PKI_DIR, options.first, options.vehicles)
).map((identity) => (plain ? { vehicleId: identity.vehicleId } : identity));
/** Every vehicle registered and targeted; parked ones never connect. */
const ids = allIdentities.map((i) => i.vehicleId);
const identities = allIdentities.filter((_, i) => !isParked(i, options.parkedShare));
const { trustedKeys, legacyKeyIds } = await readVehicleTrust(settings);
const brokerPassword = plain ? readSecretFile(settings.SIMULATOR_BROKER_PASSWORD_FILE) : undefined;
const api =
  options.register || options.campaign
    ? new ApiClient(
        settings.SIMULATOR_API_URL,
        (await readFile(settings.SIMULATOR_ADMIN_KEY_FILE, 'utf8')).trim(),
      )
    : undefined;

/** A tag only this run's vehicles carry, for a campaign that targets by filter. */
const runTag = `simulated-${Date.now().toString(36)}`;
const late = options.lateRegistration;
/** Vehicles registered only after the campaign started (dynamic campaigns). */
const lateIds = late ? ids.slice(ids.length - Math.floor(ids.length * late.share)) : [];

async function register(some: string[], when: string): Promise<void> {
  if (!api || some.length === 0) return;
  const result = await api.registerVehicles(
    some.map((id) => ({
      id,
      model: 'simulated',
      region: 'simulation',
      softwareVersion: options.installedVersion,
      tags: late ? ['simulated', runTag] : ['simulated'],
    })),
  );
  console.log(
    `registered ${some.length} vehicles${when} (${result.created} new, ${result.updated} updated)`,
  );
}

if (options.register) await register(ids.slice(0, ids.length - lateIds.length), '');
if (options.parkedShare > 0) {
  console.log(`${ids.length - identities.length} of the vehicles stay parked (never connect)`);
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
let lateTimer: NodeJS.Timeout | undefined;
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
    target: late ? { filter: { tags: [runTag] } } : { vehicleIds: ids },
    rollout: { waves: options.waves },
    ...(Object.keys(options.campaignOptions).length > 0
      ? { options: options.campaignOptions }
      : {}),
  });
  campaignId = campaign.id;
  const link = `${settings.SIMULATOR_API_URL}/#/campaigns/${campaignId}`;
  console.log(
    `campaign ${campaignId} created, offering ${UPDATE_ID} ${version}; watch it live: ${link}`,
  );
  if (options.scenario) {
    console.log(
      `scenario ${options.scenario}: waves ${JSON.stringify(options.waves)}, options ${JSON.stringify(options.campaignOptions)}`,
    );
  }
  const gated = options.waves.findIndex((w) => w.requiresApproval === true);
  if (gated >= 0) {
    const approve = new URL(
      `/v1/campaigns/${campaignId}/waves/${gated}/approve`,
      settings.SIMULATOR_API_URL,
    );
    console.log(
      `wave ${gated + 1} waits for approval once wave ${gated} is done: approve it on the ` +
        `dashboard (${link}) or with\n` +
        `  curl -X POST -H "authorization: Bearer $(cat ${settings.SIMULATOR_ADMIN_KEY_FILE})" ${approve.href}`,
    );
  }
  if (late && options.register) {
    console.log(
      `dynamic campaign over tag ${runTag}: ${lateIds.length} more vehicles register in ${late.afterSeconds} s and join`,
    );
    lateTimer = setTimeout(
      () => void register(lateIds, ' late').catch(reportLate),
      late.afterSeconds * 1000,
    );
  }
}

function reportLate(err: unknown): void {
  console.log(`\nregistering the late vehicles failed: ${(err as Error).message}`);
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
  clearTimeout(lateTimer);
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
