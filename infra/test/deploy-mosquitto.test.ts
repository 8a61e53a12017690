import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import mqtt, { type IConnackPacket, type MqttClient } from 'mqtt';
import { ACK_TOPIC_FILTER, ackTopic, noticeTopic, statusTopic } from '@roadcast/contracts';
import { defaultPolicy } from '@roadcast/policy';
import { freePort } from '@roadcast/testing';
import { readRepoFile, settingDefault } from './deploy-facts.js';

/** `key value` lines of a Mosquitto config, comments dropped; repeated keys keep every value. */
function directives(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [key, ...rest] = line.split(/\s+/);
    map.set(key as string, [...(map.get(key as string) ?? []), rest.join(' ')]);
  }
  return map;
}

const edge = directives(readRepoFile('infra/mosquitto/edge.conf'));
const core = directives(readRepoFile('infra/mosquitto/core.conf'));
const one = (conf: Map<string, string[]>, key: string) => conf.get(key)?.[0];

describe('edge broker configuration', () => {
  it('persists sessions with a short autosave interval', () => {
    assert.equal(one(edge, 'persistence'), 'true');
    assert.ok(
      Number(one(edge, 'autosave_interval')) <= 120,
      'autosave_interval at most two minutes',
    );
    assert.equal(one(edge, 'persistence_location'), '/mosquitto/data/');
  });

  it('queues enough for long stays and shows the arithmetic', () => {
    const queued = Number(one(edge, 'max_queued_messages'));
    assert.ok(queued >= 1_500, 'a vehicle parked for a month keeps its notices');
    const text = readRepoFile('infra/mosquitto/edge.conf');
    assert.match(
      text,
      new RegExp(`= ${queued.toLocaleString('en-US')} messages`),
      'the comment derives the figure',
    );
  });

  it('caps packets at the router policy default', () => {
    assert.equal(Number(one(edge, 'max_packet_size')), defaultPolicy().protocol.maxPacketSize);
  });

  it('lets the bridge keep its default in-flight window', () => {
    assert.ok(
      Number(one(edge, 'max_inflight_messages')) >=
        Number(settingDefault('bridge', 'BROKER_INFLIGHT')),
    );
  });

  it('has one plain listener, and admits only clients with a password, under an ACL', () => {
    assert.deepEqual(edge.get('listener'), ['1883 0.0.0.0']);
    assert.equal(one(edge, 'allow_anonymous'), 'false');
    assert.match(one(edge, 'password_file') ?? '', /^\/mosquitto\/secrets\//);
    assert.equal(one(edge, 'acl_file'), '/mosquitto/config/edge.acl');
  });

  it('names in its ACL the user names the apps present by default', () => {
    const acl = readRepoFile('infra/mosquitto/edge.acl');
    for (const [app, setting] of [
      ['bridge', 'BRIDGE_EDGE_USERNAME'],
      ['tracker', 'TRACKER_EDGE_USERNAME'],
    ] as const)
      assert.match(acl, new RegExp(`^user ${String(settingDefault(app, setting))}$`, 'm'));
    assert.equal(settingDefault('router', 'ROUTER_BROKER_USERNAME'), 'roadcast-router');
  });
});

describe('core broker configuration', () => {
  it('authenticates every client with a password file and an ACL', () => {
    assert.equal(one(core, 'allow_anonymous'), 'false');
    assert.match(one(core, 'password_file') ?? '', /^\/mosquitto\/secrets\//);
    assert.equal(one(core, 'acl_file'), '/mosquitto/config/core.acl');
    assert.equal(one(core, 'persistence'), 'true');
  });

  it('lets the bridge read the default ingest topic', () => {
    const acl = readRepoFile('infra/mosquitto/core.acl');
    const bridgeBlock = acl.split(/^user /m).find((b) => b.startsWith('roadcast-bridge')) ?? '';
    assert.match(
      bridgeBlock,
      new RegExp(`topic read ${String(settingDefault('bridge', 'INGEST_TOPIC'))}$`, 'm'),
    );
    assert.match(
      bridgeBlock,
      new RegExp(`topic write ${String(settingDefault('bridge', 'INGEST_REPLY_TOPIC'))}`, 'm'),
    );
  });
});

/** A production config running on a real Mosquitto, paths and the port rewritten for a test. */
interface RunningBroker {
  port: number;
  connect(clientId: string, auth?: { username: string; password?: string }): Promise<MqttClient>;
  stop(): Promise<void>;
}

function mosquittoBinary(): string {
  for (const candidate of ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto']) {
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      // Not installed there.
    }
  }
  return 'mosquitto';
}

async function runBroker(config: string, files: Record<string, string>): Promise<RunningBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'roadcast-deploy-mosquitto-'));
  const port = await freePort();
  const log = join(dir, 'mosquitto.log');
  const conf = readRepoFile(config)
    .replaceAll('/mosquitto/config/', `${dir}/`)
    .replaceAll('/mosquitto/secrets/', `${dir}/`)
    .replaceAll('/mosquitto/data/', `${dir}/`)
    .replace('listener 1883 0.0.0.0', `listener ${port} 127.0.0.1`)
    // Standard output is block-buffered into a pipe; a file shows the start-up line at once.
    .replace('log_dest stdout', `log_dest file ${log}`);
  for (const [name, text] of Object.entries(files))
    writeFileSync(join(dir, name), text, { mode: 0o600 });
  // Run as root, Mosquitto would switch to a `mosquitto` user that cannot read this folder.
  writeFileSync(join(dir, 'mosquitto.conf'), `${conf}\nuser ${userInfo().username}\n`);
  const broker: ChildProcess = spawn(mosquittoBinary(), ['-c', join(dir, 'mosquitto.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  broker.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const readLog = () => {
    try {
      return readFileSync(log, 'utf8');
    } catch {
      return '';
    }
  };
  const deadline = Date.now() + 10_000;
  while (!/mosquitto version \S+ running/.test(readLog())) {
    if (broker.exitCode !== null || Date.now() > deadline) {
      broker.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`${config} did not load:\n${stderr}${readLog()}`);
    }
    await sleep(20);
  }
  const clients: MqttClient[] = [];
  return {
    port,
    async connect(clientId, auth) {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        protocolVersion: 5,
        clientId,
        ...(auth ?? {}),
        reconnectPeriod: 0,
      });
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.endAsync(true)));
      if (broker.exitCode === null) {
        const exited = new Promise((resolve) => broker.once('exit', resolve));
        broker.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const received = (client: MqttClient) => {
  const topics: string[] = [];
  client.on('message', (topic) => topics.push(topic));
  return topics;
};

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition() && Date.now() < deadline) await sleep(20);
  // Anything that should not arrive has had the same time to arrive.
  await sleep(100);
}

// PUBACK 0x87 Not authorized.
const notAuthorized = { code: 0x87 };

const mosquittoPasswd = ['mosquitto_passwd', '/usr/bin/mosquitto_passwd'].find(
  (bin) => spawnSync(bin, ['-h']).error === undefined,
);

/** A Mosquitto password file for these users, made by mosquitto_passwd. */
function passwordFile(users: Array<[string, string]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'roadcast-deploy-passwd-'));
  const file = join(dir, 'passwd');
  for (const [i, [user, password]] of users.entries()) {
    const made = spawnSync(
      mosquittoPasswd as string,
      [...(i === 0 ? ['-c'] : []), '-b', file, user, password],
      { encoding: 'utf8' },
    );
    assert.equal(made.status, 0, made.stderr);
  }
  const text = readFileSync(file, 'utf8');
  rmSync(dir, { recursive: true, force: true });
  return text;
}

// The production edge config on a real Mosquitto with a password file made by mosquitto_passwd:
// it admits only the platform's identities, and its ACL confines each one, the router's
// vehicle sessions to their own vehicle.
describe(
  'edge broker authentication and ACL on a real broker',
  { timeout: 30_000, skip: mosquittoPasswd ? false : 'mosquitto_passwd is not installed' },
  () => {
    const VIN_A = 'WDB00000000000001';
    const VIN_B = 'WDB00000000000002';
    const secret = { router: 'router-secret', bridge: 'bridge-secret', tracker: 'tracker-secret' };
    let broker: RunningBroker;
    const as = (identity: keyof typeof secret, clientId: string) =>
      broker.connect(clientId, { username: `roadcast-${identity}`, password: secret[identity] });

    before(async () => {
      broker = await runBroker('infra/mosquitto/edge.conf', {
        'edge.acl': readRepoFile('infra/mosquitto/edge.acl'),
        'edge-passwd': passwordFile(
          Object.entries(secret).map(([identity, pw]) => [`roadcast-${identity}`, pw]),
        ),
      });
    });
    after(() => broker.stop());

    it('refuses clients without credentials or with a wrong password', async () => {
      // Mosquitto 2.0 answers 0x87 Not authorized; 0x86 Bad user name or password would do too.
      const refused = (err: unknown) => [0x86, 0x87].includes((err as { code?: number }).code ?? 0);
      await assert.rejects(broker.connect('anonymous'), refused);
      await assert.rejects(
        broker.connect(VIN_A, { username: 'roadcast-router', password: 'wrong' }),
        refused,
      );
      await assert.rejects(broker.connect(VIN_A, { username: VIN_A }), refused, 'a vehicle id');
    });

    it('announces the configured limits to MQTT 5 clients', async () => {
      const probe = mqtt.connect(`mqtt://127.0.0.1:${broker.port}`, {
        protocolVersion: 5,
        clientId: 'roadcast-probe',
        username: 'roadcast-tracker',
        password: secret.tracker,
        reconnectPeriod: 0,
      });
      const connack = await new Promise<IConnackPacket>((resolve, reject) => {
        probe.once('connect', resolve);
        probe.once('error', reject);
      }).finally(() => probe.end(true));
      assert.equal(connack.properties?.receiveMaximum, Number(one(edge, 'max_inflight_messages')));
      assert.equal(connack.properties?.maximumPacketSize, Number(one(edge, 'max_packet_size')));
    });

    it("delivers to a router session only its own vehicle's notices", async () => {
      const vehicle = await as('router', VIN_A);
      const topics = received(vehicle);
      await vehicle.subscribeAsync([`vehicles/${VIN_B}/#`, '#'], { qos: 1 });
      const bridge = await as('bridge', 'roadcast-bridge-test-edge-0');
      await bridge.publishAsync(noticeTopic(VIN_B), '{"other":true}', { qos: 1 });
      await bridge.publishAsync(noticeTopic(VIN_A), '{"own":true}', { qos: 1 });
      await waitFor(() => topics.includes(noticeTopic(VIN_A)));
      assert.deepEqual(topics, [noticeTopic(VIN_A)]);
    });

    it('takes acks and status from a router session for its own vehicle only, and hands them to the tracker', async () => {
      const tracker = await as('tracker', 'roadcast-tracker-0-edge-test');
      const topics = received(tracker);
      const filter = `$share/${String(settingDefault('tracker', 'TRACKER_SHARE_GROUP'))}/${ACK_TOPIC_FILTER}`;
      await tracker.subscribeAsync([filter, 'vehicles/+/status'], { qos: 1 });
      const vehicle = await as('router', VIN_B);
      await assert.rejects(
        vehicle.publishAsync(ackTopic(VIN_A), '{}', { qos: 1 }),
        notAuthorized,
        'an ack for another vehicle',
      );
      await assert.rejects(
        vehicle.publishAsync(noticeTopic(VIN_B), '{}', { qos: 1 }),
        notAuthorized,
        'a notice from a vehicle session',
      );
      await vehicle.publishAsync(ackTopic(VIN_B), '{}', { qos: 1 });
      await vehicle.publishAsync(statusTopic(VIN_B), '{}', { qos: 1 });
      await waitFor(() => topics.length >= 2);
      assert.deepEqual(topics.sort(), [ackTopic(VIN_B), statusTopic(VIN_B)]);
    });

    it('lets the bridge write notices only and the tracker read acks only', async () => {
      const bridge = await as('bridge', 'roadcast-bridge-test-edge-1');
      const atBridge = received(bridge);
      await bridge.subscribeAsync(['vehicles/#'], { qos: 1 });
      await assert.rejects(bridge.publishAsync(ackTopic(VIN_A), '{}', { qos: 1 }), notAuthorized);
      const tracker = await as('tracker', 'roadcast-tracker-1-edge-test');
      const atTracker = received(tracker);
      await tracker.subscribeAsync(ackTopic(VIN_A), { qos: 1 });
      await assert.rejects(
        tracker.publishAsync(noticeTopic(VIN_A), '{}', { qos: 1 }),
        notAuthorized,
      );
      const vehicle = await as('router', VIN_A);
      await vehicle.publishAsync(ackTopic(VIN_A), '{}', { qos: 1 });
      await waitFor(() => atTracker.length > 0);
      assert.deepEqual(atTracker, [ackTopic(VIN_A)]);
      assert.deepEqual(atBridge, [], 'the bridge reads nothing');
    });
  },
);

// The production core config on a real Mosquitto with a password file made by mosquitto_passwd:
// every client authenticates, the bridge reads requests, a backend system sends them and
// reads only the answers addressed to it.

describe(
  'core broker authentication and ACL on a real broker',
  {
    timeout: 30_000,
    skip: mosquittoPasswd ? false : 'mosquitto_passwd is not installed',
  },
  () => {
    const ingest = String(settingDefault('bridge', 'INGEST_TOPIC'));
    const replies = String(settingDefault('bridge', 'INGEST_REPLY_TOPIC'));
    let broker: RunningBroker;

    before(async () => {
      const passwd = passwordFile([
        ['roadcast-bridge', 'bridge-secret'],
        ['erp', 'erp-secret'],
      ]);
      broker = await runBroker('infra/mosquitto/core.conf', {
        'core.acl': readRepoFile('infra/mosquitto/core.acl'),
        'core-passwd': passwd,
      });
    });
    after(() => broker.stop());

    it('refuses clients without credentials or with a wrong password', async () => {
      await assert.rejects(broker.connect('anonymous'));
      await assert.rejects(broker.connect('erp-1', { username: 'erp', password: 'wrong' }));
    });

    it('carries a request from a backend system to the bridge and the answer back to that system only', async () => {
      const bridge = await broker.connect('roadcast-bridge-ingest', {
        username: 'roadcast-bridge',
        password: 'bridge-secret',
      });
      const atBridge = received(bridge);
      await bridge.subscribeAsync(ingest, { qos: 1 });
      const erp = await broker.connect('erp-1', { username: 'erp', password: 'erp-secret' });
      const atErp = received(erp);
      await erp.subscribeAsync([`${replies}/erp/#`, ingest], { qos: 1 });
      await erp.publishAsync(ingest, '{}', { qos: 1 });
      await bridge.publishAsync(`${replies}/erp/1`, '{}', { qos: 1 });
      await bridge.publishAsync(`${replies}/other/1`, '{}', { qos: 1 });
      await waitFor(() => atBridge.length > 0 && atErp.length > 0);
      assert.deepEqual(atBridge, [ingest]);
      assert.deepEqual(
        atErp,
        [`${replies}/erp/1`],
        'a backend system reads neither requests nor answers for others',
      );
      await assert.rejects(erp.publishAsync(`${replies}/erp/2`, '{}', { qos: 1 }), notAuthorized);
    });
  },
);
