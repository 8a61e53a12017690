import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { noticeTopic } from '@roadcast/contracts';
import { devVehicleId } from '@roadcast/pki';
import { generateSigningKeyPair, loadSigningKey, signNotice } from '@roadcast/signing';
import { platformPasswordFile, startMosquitto } from '@roadcast/testing';

const WORKSPACE = resolve(import.meta.dirname, '../../..');

test('the simulate command runs a fleet with tunnels, installs what it is told and prints a summary', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roadcast-simulator-'));
  const broker = await startMosquitto();
  const pair = generateSigningKeyPair('sim-test');
  await writeFile(join(dir, 'sim-test.pub'), pair.publicKeyPem);
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
    const now = Date.now();
    const notice = signNotice(
      {
        noticeId: randomUUID(),
        campaignId: randomUUID(),
        type: 'update',
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
      },
      loadSigningKey(pair.privateKeyPem, 'sim-test'),
    );
    for (let i = 0; i < 2; i += 1) {
      await platform.publishAsync(noticeTopic(devVehicleId(1)), JSON.stringify(notice), { qos: 1 });
    }
    await platform.endAsync();

    assert.equal(await exited, 0, output);
    assert.match(output, /stopped \(done\)/);
    assert.match(output, /told 1 {2}installed 1/);
    assert.match(output, /vehicles whose software saw a notice more than once: 0/);
  } finally {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
