/**
 * The dashboard in headless Chromium against the whole platform running as real processes:
 * api (serving the built page), bridge, router, tracker and Mosquitto edge brokers, with
 * simulated vehicles acknowledging over mTLS through the router.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Stack } from '@roadcast/local-stack';
import type { SimulatedFleet } from '@roadcast/vehicle-client';
import {
  assertNoSidewaysScroll,
  launchBrowser,
  openPage,
  screenshot,
  slug,
  type PageProblems,
} from './support/browser-page.js';
import { fillCampaignForm, SHA } from './support/campaign-form-filler.js';
import { startDashboardStack } from './support/stack-start.js';
import { buildDashboard } from './support/dashboard-build.js';
import {
  adminGet,
  registerVehicles,
  simulatedFleet,
  vehicleIds,
} from './support/simulated-vehicles.js';

const ONLINE = vehicleIds('DSHN', 24);
const OFFLINE = vehicleIds('DSHF', 6);
const FAILING = vehicleIds('DSHX', 6);

let stack: Stack;
let browser: Browser;
let page: Page;
let problems: PageProblems;
let fleet: SimulatedFleet;
const shots: string[] = [];

describe('operator dashboard in a browser', { timeout: 300_000 }, () => {
  before(async () => {
    await buildDashboard();
    stack = await startDashboardStack();
    await registerVehicles(stack, [...ONLINE, ...OFFLINE, ...FAILING]);
    fleet = await simulatedFleet(stack, ONLINE);
    await fleet.connect(undefined, 60_000);
    browser = await launchBrowser();
    ({ page, problems } = await openPage(browser));
  });

  afterEach(async (t) => {
    if (!page) return;
    shots.push(await screenshot(page, slug(t.name)));
    await assertNoSidewaysScroll(page, t.name);
  });

  after(async () => {
    await browser?.close();
    await fleet?.stop();
    await stack?.stop();
    if (shots.length > 0) console.log(`screenshots:\n  ${shots.join('\n  ')}`);
  });

  it('serves the page at / beside the API without shadowing it', async () => {
    const page404 = await fetch(`${stack.apiUrl}/v1/no-such-thing`);
    assert.equal(page404.status, 404);
    assert.equal(((await page404.json()) as { code: string }).code, 'ROADCAST_ERR_NOT_FOUND');
    const deepLink = await fetch(`${stack.apiUrl}/campaigns/deep/link`);
    assert.equal(deepLink.status, 200);
    assert.match(deepLink.headers.get('content-type') ?? '', /text\/html/);
    assert.match(deepLink.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal((await fetch(`${stack.apiUrl}/healthz`)).status, 200);
    await page.goto(stack.apiUrl);
    await page.getByRole('heading', { name: 'Roadcast' }).waitFor();
  });

  it('signs in with an API key, refuses a wrong one and keeps the key for the tab', async () => {
    await page.goto(stack.apiUrl);
    await page.getByLabel('API key').fill('not-a-real-key-but-long-enough');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'the API key is not valid' }).waitFor();
    await page.getByLabel('API key').fill(stack.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Campaigns', level: 1 }).waitFor();
    await page.getByRole('status', { name: 'Live updates' }).filter({ hasText: 'Live' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Campaigns', level: 1 }).waitFor();
    assert.equal(
      await page.evaluate(() => sessionStorage.getItem('roadcast.apiKey')),
      stack.adminKey,
    );
    assert.deepEqual(problems.errors, []);
  });

  it('creates a campaign through the form and shows its progress reach 100% live', async () => {
    await page.getByRole('button', { name: 'New campaign' }).click();
    // A digest the API refuses: its message names the field, and nothing is created.
    await fillCampaignForm(page, 'Infotainment 2.0', ONLINE, 'not-a-digest');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByRole('alert').filter({ hasText: '/update/sha256' }).waitFor();
    shots.push(await screenshot(page, 'campaign-form-refused-by-the-api'));
    assert.equal(
      (await adminGet<{ items: unknown[] }>(stack, '/v1/campaigns')).body.items.length,
      0,
    );

    await page.getByLabel('SHA-256').fill(SHA);
    // A marker on the window proves that what follows arrives without a reload.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByRole('heading', { name: 'Infotainment 2.0', level: 1 }).waitFor();
    await page.waitForSelector(
      '[role="progressbar"][aria-label="installed"][aria-valuenow="100"]',
      { timeout: 120_000 },
    );
    await page.waitForSelector(
      '[role="progressbar"][aria-label="wave 2 installed"][aria-valuenow="100"]',
    );
    await page.getByText('completed', { exact: true }).first().waitFor({ timeout: 30_000 });
    assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 1);
    // The chart drew samples from the live stream, ending with every delivery installed.
    const chart = page.getByRole('img', { name: /Deliveries per state over time/ });
    assert.match(
      (await chart.getAttribute('aria-label')) ?? '',
      new RegExp(`latest: ${ONLINE.length} installed`),
    );
    assert.ok((await page.locator('path.series.state-installed').count()) === 1);
    // The deliveries table lists the vehicles with their broker.
    await page.getByRole('button', { name: `History of ${ONLINE[0]}` }).waitFor();
    await page.getByRole('button', { name: `History of ${ONLINE[0]}` }).click();
    await page.getByRole('heading', { name: `Vehicle ${ONLINE[0]}` }).waitFor();
    await page.getByText('In this campaign: installed').waitFor();
    assert.deepEqual(problems.errors, []);
  });

  it('shows why a campaign paused itself and groups its failures by reason', async () => {
    const failing = await simulatedFleet(stack, FAILING, { failureRate: 0.5, seed: 5 });
    try {
      await failing.connect(undefined, 60_000);
      const failures = FAILING.filter((id) => failing.expectedOutcome(id) === 'failed').length;
      assert.ok(failures > 0 && failures < FAILING.length, 'the seed gives a mix of outcomes');
      await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
      await page.getByRole('button', { name: 'New campaign' }).click();
      await fillCampaignForm(page, 'Seat controller 3.1', FAILING);
      await page.getByLabel('Waves (cumulative %)').fill('');
      await page.getByRole('button', { name: 'Create campaign' }).click();
      await page.getByRole('heading', { name: 'Seat controller 3.1', level: 1 }).waitFor();
      // The tracker pauses the campaign on its failure threshold and says why.
      await page.getByText(/Paused: failure threshold exceeded/).waitFor({ timeout: 90_000 });
      const row = page.getByRole('row', { name: /simulated install failure/ });
      await row
        .getByRole('cell', { name: String(failures), exact: true })
        .waitFor({ timeout: 30_000 });
      await page.getByLabel('State', { exact: true }).selectOption('failed');
      await page.getByText(`Page 1: ${failures} of ${failures} deliveries shown`).waitFor();
    } finally {
      await failing.stop();
    }
    assert.deepEqual(problems.errors, []);
  });

  it('pauses a running campaign with a reason and resumes it, each after confirmation', async () => {
    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    await page.getByRole('button', { name: 'New campaign' }).click();
    // Vehicles that are not connected keep the campaign running with parked deliveries.
    await fillCampaignForm(page, 'Parked telematics', OFFLINE);
    await page.getByLabel('Waves (cumulative %)').fill('');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByRole('heading', { name: 'Parked telematics', level: 1 }).waitFor();
    await page.waitForSelector('[role="progressbar"][aria-label="parked"][aria-valuenow="100"]', {
      timeout: 60_000,
    });

    await page.getByRole('button', { name: 'Pause Parked telematics' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason (optional)').fill('hold for the workshop recall');
    await dialog.getByRole('button', { name: 'Pause campaign' }).click();
    await page.getByText('Paused: hold for the workshop recall').waitFor();
    shots.push(await screenshot(page, 'campaign-paused-with-reason'));
    const id = page.url().split('/').pop()!;
    const paused = await adminGet<{ status: string; pausedReason: string }>(
      stack,
      `/v1/campaigns/${id}`,
    );
    assert.equal(paused.body.status, 'paused');
    assert.equal(paused.body.pausedReason, 'hold for the workshop recall');

    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    const card = page.locator(`article[data-campaign-id="${id}"]`);
    await card.getByText('Paused: hold for the workshop recall').waitFor();
    await card.getByRole('button', { name: 'Resume Parked telematics' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Resume campaign' }).click();
    await card.locator('.badge.status-running').waitFor();
    assert.equal(
      (await adminGet<{ status: string }>(stack, `/v1/campaigns/${id}`)).body.status,
      'running',
    );
    assert.deepEqual(problems.errors, []);
  });

  it('shows pools and brokers with connections and looks up a vehicle', async () => {
    await page.getByRole('link', { name: 'Fleet and edge' }).click();
    await page.getByRole('heading', { name: /pool-a/ }).waitFor();
    await page.getByRole('row', { name: /pool-b-1/ }).waitFor();
    // Presence is recorded per connection: the pools account for every connected car.
    await page.waitForFunction(
      (n) =>
        [...document.querySelectorAll('.pool dd:first-of-type')].reduce(
          (s, el) => s + Number(el.textContent?.replace(/\D/g, '') || 0),
          0,
        ) === n,
      ONLINE.length,
      { timeout: 30_000 },
    );
    await page.getByLabel('Vehicle id').fill(ONLINE[3]!);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByRole('heading', { name: `Vehicle ${ONLINE[3]}` }).waitFor();
    const card = page.getByLabel(`Vehicle ${ONLINE[3]}`);
    await card.getByText('connected', { exact: true }).waitFor();
    const detail = await adminGet<{ presence: { brokerId: string; poolId: string } }>(
      stack,
      `/v1/vehicles/${ONLINE[3]}`,
    );
    await card.getByText(detail.body.presence.brokerId, { exact: true }).waitFor();
    await page.getByLabel(`Assign ${ONLINE[3]} to a pool`).waitFor();

    await page.getByLabel('Vehicle id').fill('DSHZZ000000000000');
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByRole('alert').filter({ hasText: 'vehicle not found' }).waitFor();

    // An admin drains a broker and puts it back, each after confirmation.
    const broker = page.getByRole('row', { name: /pool-a-2/ });
    await page.getByRole('button', { name: 'Drain broker pool-a-2' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Drain broker' }).click();
    await broker.getByText('draining', { exact: true }).waitFor();
    const pools = await adminGet<{ items: Array<{ id: string; health: string }> }>(
      stack,
      '/v1/pools',
    );
    assert.equal(pools.body.items.find((p) => p.id === 'pool-a')?.health, 'degraded');
    await page.getByRole('button', { name: 'Undrain broker pool-a-2' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Undrain broker' }).click();
    await broker.getByText('active', { exact: true }).waitFor();
    assert.deepEqual(problems.errors, []);
  });

  it('refuses an invalid policy edit: the problem is shown and nothing is saved', async () => {
    await page.getByRole('link', { name: 'Router policy' }).click();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    const before = await adminGet<{ items: unknown[] }>(stack, '/v1/policy/history');
    const editor = page.getByLabel('Policy document (JSON)');
    await editor.fill('{ "network": ');
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByRole('alert').filter({ hasText: 'not valid JSON' }).waitFor();

    await editor.fill(
      JSON.stringify({ network: { connectsPerIp: { perSecond: -5, burst: 0 } } }, null, 2),
    );
    await page.getByLabel('Comment').fill('tighter connect limits');
    await page.getByRole('button', { name: 'Save policy' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'the policy document is not valid' });
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /connectsPerIp/);
    const afterwards = await adminGet<{ items: unknown[] }>(stack, '/v1/policy/history');
    assert.deepEqual(afterwards.body.items, before.body.items);
    assert.equal(
      (await adminGet(stack, '/v1/policy')).status,
      before.body.items.length === 0 ? 404 : 200,
    );
    assert.deepEqual(problems.errors, []);
  });

  it('shows when the stream is down and catches up after reconnecting', async () => {
    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    const card = page.locator('article.campaign').filter({ hasText: 'Parked telematics' });
    await card.waitFor();
    await stack.kill('api');
    await page
      .getByRole('status', { name: 'Live updates' })
      .filter({ hasText: 'Disconnected' })
      .waitFor({ timeout: 60_000 });
    shots.push(await screenshot(page, 'stream-disconnected'));
    // While the page cannot reach the API, the parked cars come online and install.
    const late = await simulatedFleet(stack, OFFLINE);
    try {
      await late.connect(undefined, 60_000);
      await stack.restart('api');
      await page
        .getByRole('status', { name: 'Live updates' })
        .filter({ hasText: 'Live' })
        .waitFor({ timeout: 60_000 });
      // The page must come to show what the API now reports, without a reload. The cars'
      // own pace is the platform's business; what matters here is that the page catches up.
      const meter = card.getByRole('progressbar', { name: 'Parked telematics installed' });
      const id = await card.getAttribute('data-campaign-id');
      const deadline = Date.now() + 90_000;
      let shown = '';
      let reported = 0;
      for (;;) {
        const detail = await adminGet<{ counts: { installed: number } }>(
          stack,
          `/v1/campaigns/${id}`,
        );
        reported = detail.body.counts.installed;
        shown = (await meter.getAttribute('aria-valuetext')) ?? '';
        if (reported > 0 && shown.startsWith(`${reported} of ${OFFLINE.length} installed`)) break;
        assert.ok(
          Date.now() < deadline,
          `page shows "${shown}", the API reports ${reported} installed`,
        );
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      await late.stop();
    }
    assert.deepEqual(problems.errors, []);
  });

  it('shows a campaign’s rate now, its ramp and its maintenance windows', async () => {
    const created = await fetch(`${stack.apiUrl}/v1/campaigns`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Paced at night',
        update: {
          id: 'telematics',
          version: '9.1.0',
          url: 'https://updates.example.com/telematics-9.1.0.bin',
          sha256: SHA,
          size: 2048,
        },
        target: { vehicleIds: FAILING.slice(0, 2) },
        options: {
          rate: { maxPerMinute: 600, ramp: { initialPerMinute: 60, factor: 2, stepSeconds: 900 } },
          maintenanceWindows: [
            { days: [1, 2, 3, 4, 5], start: '22:00', end: '05:00' },
            { days: [6, 7], start: '10:00', end: '12:00' },
          ],
        },
      }),
    });
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as { id: string };
    await page.goto(`${stack.apiUrl}/#/campaigns/${id}`);
    await page.getByRole('heading', { name: 'Paced at night', level: 1 }).waitFor();
    await page
      .getByText('60 notices/min now, at most 600; ramp from 60/min ×2 every 900 s')
      .waitFor();
    await page
      .getByText("Mon–Fri 22:00–05:00; Sat, Sun 10:00–12:00 (each vehicle's region time)")
      .waitFor();
    assert.deepEqual(problems.errors, []);
  });
});
