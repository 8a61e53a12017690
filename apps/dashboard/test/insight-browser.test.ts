/**
 * The dashboard's campaign-control views in headless Chromium against the whole platform:
 * timeout and retry options on the create form, the retry action, predicted completion with
 * how it was computed, and the audit log for admins.
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
import { fillCampaignForm } from './support/campaign-form-filler.js';
import { buildDashboard } from './support/dashboard-build.js';
import { startDashboardStack } from './support/stack-start.js';
import {
  adminGet,
  registerVehicles,
  simulatedFleet,
  vehicleIds,
} from './support/simulated-vehicles.js';

const ONLINE = vehicleIds('CTLN', 6);
const OFFLINE = vehicleIds('CTLF', 3);
const FAILING = vehicleIds('CTLX', 4);

let stack: Stack;
let browser: Browser;
let page: Page;
let problems: PageProblems;
let fleet: SimulatedFleet;
let failing: SimulatedFleet;
const shots: string[] = [];

interface Delivery {
  vehicleId: string;
  state: string;
  attempt: number;
}

describe('campaign control and audit in the dashboard', { timeout: 600_000 }, () => {
  before(async () => {
    await buildDashboard();
    stack = await startDashboardStack({
      label: 'dashboard-insight',
      // Estimates follow the counters within a second instead of the default half minute.
      env: { tracker: { TRACKER_ESTIMATE_INTERVAL_MS: '500' } },
    });
    await registerVehicles(stack, [...ONLINE, ...OFFLINE, ...FAILING]);
    fleet = await simulatedFleet(stack, ONLINE);
    failing = await simulatedFleet(stack, FAILING, { failureRate: 1, seed: 7 });
    await fleet.connect(undefined, 60_000);
    await failing.connect(undefined, 60_000);
    browser = await launchBrowser();
    ({ page, problems } = await openPage(browser));
    await page.goto(stack.apiUrl);
    await page.getByLabel('API key').fill(stack.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Campaigns', level: 1 }).waitFor();
  });

  afterEach(async (t) => {
    if (!page) return;
    shots.push(await screenshot(page, slug(`insight ${t.name}`)));
    await assertNoSidewaysScroll(page, t.name);
  });

  after(async () => {
    await browser?.close();
    await fleet?.stop();
    await failing?.stop();
    await stack?.stop();
    if (shots.length > 0) console.log(`screenshots:\n  ${shots.join('\n  ')}`);
  });

  it('creates a campaign with a timeout, automatic retry and cancel on threshold', async () => {
    await page.getByRole('button', { name: 'New campaign' }).click();
    await fillCampaignForm(page, 'Gateway 4.2', OFFLINE);
    await page.getByLabel('Waves (cumulative %)').fill('');
    await page.getByLabel('In-progress timeout (minutes)').fill('45');
    await page.getByLabel('Automatic retry: attempts in all').fill('3');
    await page.getByLabel('Retry backoff (seconds)').fill('120');
    await page.getByLabel('When the failure threshold is crossed').selectOption('cancel');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByRole('heading', { name: 'Gateway 4.2', level: 1 }).waitFor();
    await page
      .getByText(
        'timeout after 45 min of silence; retry up to 3 attempts, backoff 120 s; cancel on failure threshold',
      )
      .waitFor();
    const id = page.url().split('/').pop()!;
    const stored = await adminGet<{ options: Record<string, unknown> }>(
      stack,
      `/v1/campaigns/${id}`,
    );
    assert.equal(stored.body.options.inProgressTimeout, 2700);
    assert.deepEqual(stored.body.options.retry, {
      maxAttempts: 3,
      backoffSeconds: 120,
      on: ['failed', 'timed_out'],
    });
    assert.equal(stored.body.options.onFailureThreshold, 'cancel');

    // A retry policy of one attempt is refused by the API, by name, and nothing is created.
    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    await page.getByRole('button', { name: 'New campaign' }).click();
    await fillCampaignForm(page, 'Gateway refused', OFFLINE);
    await page.getByLabel('Automatic retry: attempts in all').fill('1');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByRole('alert').filter({ hasText: '/options/retry/maxAttempts' }).waitFor();
    assert.deepEqual(problems.errors, []);
  });

  it('retries failed deliveries after a confirmation and counts them again', async () => {
    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    await page.getByRole('button', { name: 'New campaign' }).click();
    await fillCampaignForm(page, 'Seat module 1.9', FAILING);
    // Every install fails; a failure threshold of 100% keeps the campaign from pausing.
    await page.getByLabel('Waves (cumulative %)').fill('100');
    await page.getByLabel('Failure threshold (%)').fill('100');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByRole('heading', { name: 'Seat module 1.9', level: 1 }).waitFor();
    await page.getByText(`${FAILING.length} failed, 0 timed out`).waitFor({ timeout: 120_000 });
    const id = page.url().split('/').pop()!;

    await page.getByRole('button', { name: 'Retry failed deliveries of Seat module 1.9' }).click();
    const dialog = page.getByRole('dialog');
    await dialog
      .getByText(`${FAILING.length} deliveries (${FAILING.length} failed, 0 timed out)`)
      .waitFor();
    // Dismissing changes nothing.
    await dialog.getByRole('button', { name: 'Keep as is' }).click();
    let deliveries = await adminGet<{ items: Delivery[] }>(stack, `/v1/campaigns/${id}/deliveries`);
    assert.ok(deliveries.body.items.every((d) => d.attempt === 1));

    await page.getByRole('button', { name: 'Retry failed deliveries of Seat module 1.9' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Retry deliveries' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${FAILING.length} deliveries of Seat module 1.9 retried` })
      .waitFor();
    deliveries = await adminGet<{ items: Delivery[] }>(stack, `/v1/campaigns/${id}/deliveries`);
    assert.equal(deliveries.body.items.length, FAILING.length);
    assert.ok(
      deliveries.body.items.every((d) => d.attempt === 2),
      'every delivery is on attempt 2',
    );
    // The vehicles fail the second attempt too, which the page follows live.
    await page.getByText(`${FAILING.length} failed, 0 timed out`).waitFor({ timeout: 120_000 });
    assert.deepEqual(problems.errors, []);
  });

  it('predicts the threshold of a campaign with parked vehicles and says why its end is not known yet', async () => {
    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    await page.getByRole('button', { name: 'New campaign' }).click();
    await fillCampaignForm(page, 'Telematics 7.0', [...ONLINE, ...OFFLINE]);
    await page.getByLabel('Waves (cumulative %)').fill('100');
    await page.getByLabel('Success threshold (%)').fill('60');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByRole('heading', { name: 'Telematics 7.0', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Predicted completion' }).waitFor();
    // Six installed, three parked: the threshold is reached; the parked cars have not come
    // back, so the end is not predicted, and the page says why.
    await page.waitForSelector(
      '[role="progressbar"][aria-label="installed"][aria-valuenow="66.6"]',
      {
        timeout: 120_000,
      },
    );
    const success = page.locator('[data-estimate="success"]');
    await page.waitForFunction(
      () =>
        !document
          .querySelector('[data-estimate="success"]')
          ?.textContent?.includes('not predicted'),
      undefined,
      { timeout: 60_000 },
    );
    assert.match((await success.textContent()) ?? '', /\(\d+ (s|min) ago\)|\(in \d+ s\)/);
    assert.equal(await page.locator('[data-estimate="complete"]').textContent(), 'not predicted');
    await page.getByText(/Why: wave 1: .*not been observed yet/).waitFor();

    const basis = page.locator('details.estimate-basis');
    assert.equal(await basis.getAttribute('open'), null, 'the explanation starts folded');
    await page.getByText('How is this computed?').click();
    await basis.getByText('reach-rate').waitFor();
    await basis.getByText('Install share').waitFor();
    await basis.getByRole('row').filter({ hasText: 'Still needed' }).waitFor();

    const id = page.url().split('/').pop()!;
    const api = await adminGet<{
      method: string;
      successAt: string | null;
      completeAt: string | null;
      reason: string | null;
    }>(stack, `/v1/campaigns/${id}/estimate`);
    assert.equal(api.body.method, 'reach-rate');
    assert.ok(api.body.successAt !== null);
    assert.equal(api.body.completeAt, null);
    assert.match(api.body.reason ?? '', /not been observed yet/);
    assert.deepEqual(problems.errors, []);
  });

  it('lists the audit log for admins, filters it and pages through it', async () => {
    // Enough audited calls for a second page of 50.
    for (let i = 0; i < 50; i += 1) await registerVehicles(stack, [ONLINE[i % ONLINE.length]!]);
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    const rows = page.locator('.audit-table tbody tr');
    await page.waitForFunction(
      () => document.querySelectorAll('.audit-table tbody tr').length === 50,
    );
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.waitForFunction(
      () => document.querySelectorAll('.audit-table tbody tr').length > 50,
    );
    const ids = await rows.locator('td:nth-child(6)').allTextContents();
    assert.equal(new Set(ids).size, ids.length, 'no entry is shown twice');

    await page.getByLabel('Action').fill('campaign.retry');
    await page.getByRole('button', { name: 'Show entries' }).click();
    await page.waitForFunction(
      () => document.querySelectorAll('.audit-table tbody tr').length === 1,
    );
    await rows.first().getByText('campaign.retry').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Next page' }).isHidden(), true);

    await page.getByLabel('Action').fill('');
    await page.getByLabel('Resource id').fill('some-id');
    await page.getByRole('button', { name: 'Show entries' }).click();
    await page.getByRole('alert').filter({ hasText: 'resourceId needs resourceType' }).waitFor();
    assert.deepEqual(problems.errors, []);
  });
});
