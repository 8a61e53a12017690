import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID, sign } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { noticeTopic } from '@roadcast/contracts';
import { devVehicleId } from '@roadcast/pki';
import {
  canonicalize,
  generateSigningKeyPair,
  loadSigningKey,
  signNoticeBatch,
} from '@roadcast/signing';
import { platformPasswordFile, startMosquitto } from '@roadcast/testing';

const WORKSPACE = resolve(import.meta.dirname, '../../..');

test('the simulate command runs a fleet with tunnels, installs what it is told and prints a summary', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roadcast-simulator-'));
  const broker = await startMosquitto();
  // Mid-rotation: the fleet trusts the old key (legacy format allowed) and the next one.
  const pair = generateSigningKeyPair('sim-test');
  const next = generateSigningKeyPair('sim-next');
  await writeFile(join(dir, 'sim-test.pub'), pair.publicKeyPem);
  await writeFile(join(dir, 'sim-next.pub'), next.publicKeyPem);
  try {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'apps/simulator/src/main.ts',
        '--vehicles',
        '6',
        '--duration',
        '6',
        '--tunnel-share',
        '0.5',
        '--offline-ms',
        '200-600',
        '--online-ms',
        '300-900',
        '--install-ms',
        '50-150',
      ],
      {
        cwd: WORKSPACE,
        env: {
          ...process.env,
          SIMULATOR_ROUTER_URL: broker.url,
          // Straight to the broker, the vehicles log in as the router would.
          SIMULATOR_BROKER_PASSWORD_FILE: platformPasswordFile('router'),
          SIMULATOR_PKI_DIR: join(dir, 'pki'),
          SIMULATOR_SIGNING_PUBLIC_KEY_FILE: join(dir, 'sim-test.pub'),
          SIMULATOR_SIGNING_KEY_ID: 'sim-test',
          SIMULATOR_SIGNING_PUBLIC_KEYS: `sim-next=${join(dir, 'sim-next.pub')}`,
          SIMULATOR_LEGACY_KEY_IDS: 'sim-test',
          SIMULATOR_STATE_DIR: join(dir, 'state'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolveExit) =>
      child.on('exit', (code) => resolveExit(code)),
    );

    // Once the fleet is up, the platform side tells one vehicle about an update, twice.
    const deadline = Date.now() + 60_000;
    while (!output.includes('connecting') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 2_000));
    const platform = await mqtt.connectAsync(broker.url, {
      clientId: `p-${randomUUID()}`,
      protocolVersion: 5,
      ...broker.credentials('bridge'),
    });
    // Three vehicles are told about an update, twice each: by the old key, by the next key,
    // and in the legacy per-notice format by the old key.
    const now = Date.now();
    const notice = (vehicle: number) => ({
      noticeId: randomUUID(),
      campaignId: randomUUID(),
      vehicleId: devVehicleId(vehicle),
      type: 'update' as const,
      update: {
        id: 'fw',
        version: '2.0.0',
        url: 'https://updates.example.com/fw.bin',
        sha256: 'c'.repeat(64),
        size: 1,
      },
      priority: 0,
      issuedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 600_000).toISOString(),
    });
    const oldKey = loadSigningKey(pair.privateKeyPem, 'sim-test');
    const { vehicleId: _vehicleId, ...legacy } = { ...notice(3), keyId: 'sim-test' };
    const payloads: Array<[number, Buffer]> = [
      [1, signNoticeBatch([notice(1)], oldKey)[0]!],
      [2, signNoticeBatch([notice(2)], loadSigningKey(next.privateKeyPem, 'sim-next'))[0]!],
      [
        3,
        Buffer.from(
          JSON.stringify({
            ...legacy,
            signature: sign(null, Buffer.from(canonicalize(legacy)), oldKey.privateKey).toString(
              'base64url',
            ),
          }),
        ),
      ],
    ];
    for (const [vehicle, payload] of payloads) {
      for (let i = 0; i < 2; i += 1) {
        await platform.publishAsync(noticeTopic(devVehicleId(vehicle)), payload, { qos: 1 });
      }
    }
    await platform.endAsync();

    assert.equal(await exited, 0, output);
    assert.match(output, /stopped \(done\)/);
    assert.match(output, /told 3 {2}installed 3/);
    assert.match(output, /vehicles whose software saw a notice more than once: 0/);
  } finally {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
