import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { campaignDetail, startE2e, type E2e } from './e2e-support.js';

const WORKSPACE = resolve(import.meta.dirname, '../../..');
let e2e: E2e;
let dir: string;

before(async () => {
  e2e = await startE2e('e2e-simulator');
  dir = await mkdtemp(join(tmpdir(), 'roadcast-e2e-simulator-'));
});

after(async () => {
  await e2e?.close();
  await rm(dir, { recursive: true, force: true });
});

test('npm run simulate registers its vehicles and creates a campaign through the API, and reports the platform’s counts', async () => {
  await writeFile(join(dir, 'admin-key'), `${e2e.stack.adminKey}\n`);
  // The stack's router trusts the test PKI; the simulator issues from its own development
  // PKI, so its vehicles talk to an edge broker directly: this test covers the API side.
  const { code, output } = await simulate(
    ['--vehicles', '5', '--first', '5000', '--register', '--campaign', '--duration', '8'],
    'state',
  );
  assert.equal(code, 0, output);
  assert.match(output, /registered 5 vehicles \(5 new, 0 updated\)/);
  const campaignId = /campaign ([0-9a-f-]{36}) created/.exec(output)?.[1];
  assert.ok(campaignId, output);
  assert.match(output, /\| campaign running: waiting \d+, working \d+, installed \d+/);
  const detail = await campaignDetail(e2e, campaignId);
  assert.equal(detail.total, 5);
  assert.deepEqual(detail.target.vehicleIds?.length, 5);
});

/**
 * Runs the simulator command against this platform, its vehicles on the first edge broker, with
 * state kept in `stateDir` under the test's folder; resolves with its exit code and output.
 */
async function simulate(
  args: string[],
  stateDir = 'rerun-state',
): Promise<{ code: number | null; output: string }> {
  const edge = [...e2e.stack.brokers.values()][0]!.broker.url;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'apps/simulator/src/main.ts', ...args],
    {
      cwd: WORKSPACE,
      env: {
        ...process.env,
        SIMULATOR_ROUTER_URL: edge,
        SIMULATOR_BROKER_PASSWORD_FILE: e2e.stack.brokerPasswordFiles.router,
        SIMULATOR_API_URL: e2e.stack.apiUrl,
        SIMULATOR_ADMIN_KEY_FILE: join(dir, 'admin-key'),
        SIMULATOR_PKI_DIR: join(dir, 'pki'),
        SIMULATOR_SIGNING_PUBLIC_KEY_FILE: e2e.stack.signing.publicKeyFile,
        SIMULATOR_SIGNING_KEY_ID: e2e.stack.signing.keyId,
        SIMULATOR_STATE_DIR: join(dir, stateDir),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  setTimeout(() => child.kill('SIGKILL'), 120_000).unref();
  const code = await new Promise<number | null>((resolveExit) =>
    child.on('exit', (c) => resolveExit(c)),
  );
  return { code, output };
}

test('a second simulator run offers a newer version, which the vehicles install rather than refuse', async () => {
  await writeFile(join(dir, 'admin-key'), `${e2e.stack.adminKey}\n`);
  const args = [
    '--vehicles',
    '4',
    '--first',
    '5100',
    '--register',
    '--campaign',
    '--tunnel-share',
    '0',
    '--install-ms',
    '50-150',
    '--duration',
    '15',
  ];
  // As above, the vehicles talk to one edge broker: those the platform routes there are told.
  const offered: string[] = [];
  const installed: number[] = [];
  for (const run of [1, 2]) {
    const { code, output } = await simulate(args);
    assert.equal(code, 0, output);
    const match = /campaign ([0-9a-f-]{36}) created, offering simulator-firmware (\S+);/.exec(
      output,
    );
    assert.ok(match, output);
    offered.push(match[2]!);
    const detail = await campaignDetail(e2e, match[1]!);
    assert.equal(detail.counts.rejected, 0, `run ${run}: ${JSON.stringify(detail.counts)}`);
    installed.push(detail.counts.installed);
  }
  assert.deepEqual(offered, ['2.0.0', '3.0.0']);
  assert.ok(installed[0]! > 0, 'some vehicles installed the first version');
  assert.equal(installed[1], installed[0], 'the same vehicles installed the next one');
});

test('a scenario creates the campaign it describes and says how to approve its gated wave', async () => {
  await writeFile(join(dir, 'admin-key'), `${e2e.stack.adminKey}\n`);
  const { code, output } = await simulate([
    '--scenario',
    'approval',
    '--vehicles',
    '4',
    '--first',
    '5200',
    '--tunnel-share',
    '0',
    '--install-ms',
    '50-150',
    '--duration',
    '6',
  ]);
  assert.equal(code, 0, output);
  assert.match(output, /registered 4 vehicles/);
  const campaignId = /campaign ([0-9a-f-]{36}) created/.exec(output)?.[1];
  assert.ok(campaignId, output);
  assert.ok(
    output.includes(`${e2e.stack.apiUrl}/v1/campaigns/${campaignId}/waves/1/approve`),
    output,
  );
  const detail = await campaignDetail(e2e, campaignId);
  assert.deepEqual(
    detail.waves.map((w) => [w.percent, w.requiresApproval]),
    [
      [10, false],
      [50, true],
      [100, false],
    ],
  );
});
