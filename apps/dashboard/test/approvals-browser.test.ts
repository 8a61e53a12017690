/**
 * Approval gates and the not-reached bucket in headless Chromium against the whole platform:
 * an operator creates a gated campaign through the form, watches the first wave advance with
 * parked cars (thresholds over the vehicles reached) and approves the second wave.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { CampaignDetail } from '@roadcast/contracts';
import type { Stack } from '@roadcast/local-stack';
import type { SimulatedFleet } from '@roadcast/vehicle-client';
import {
  assertNoSidewaysScroll,
  launchBrowser,
  openPage,
  screenshot,
  type PageProblems,
} from './support/browser-page.js';
import { fillCampaignForm } from './support/campaign-form-filler.js';
import { buildDashboard } from './support/dashboard-build.js';
import {
  adminGet,
  registerVehicles,
  simulatedFleet,
  vehicleIds,
} from './support/simulated-vehicles.js';
import { startDashboardStack } from './support/stack-start.js';

const ONLINE = vehicleIds('APRN', 8);
const PARKED = vehicleIds('APRP', 2);

let stack: Stack;
let browser: Browser;
let page: Page;
let problems: PageProblems;
let fleet: SimulatedFleet;

describe('approval gates in the dashboard', { timeout: 300_000 }, () => {
  before(async () => {
    await buildDashboard();
    stack = await startDashboardStack();
    await registerVehicles(stack, [...ONLINE, ...PARKED]);
    fleet = await simulatedFleet(stack, ONLINE);
    await fleet.connect(undefined, 60_000);
    browser = await launchBrowser();
    ({ page, problems } = await openPage(browser));
    await page.goto(stack.apiUrl);
    await page.getByLabel('API key').fill(stack.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Campaigns', level: 1 }).waitFor();
  });

  after(async () => {
    await browser?.close();
    await fleet?.stop();
    await stack?.stop();
  });

  it('shows a wave awaiting approval and starts it when Approve is confirmed', async () => {
    await page.getByRole('button', { name: 'New campaign' }).click();
    await fillCampaignForm(page, 'Gated gateway 4.0', [...ONLINE, ...PARKED]);
    await page.getByLabel('Waves needing approval').fill('2');
    await page.getByLabel('Thresholds judged over').selectOption('reached');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByRole('heading', { name: 'Gated gateway 4.0', level: 1 }).waitFor();
    const id = page.url().split('/').pop()!;

    // The first wave advances over the cars that answered; the second waits, live.
    await page.getByText('Awaiting approval').waitFor({ timeout: 90_000 });
    await page
      .getByRole('columnheader', { name: 'Installed of reached vs success threshold' })
      .waitFor();
    const held = (await adminGet<CampaignDetail>(stack, `/v1/campaigns/${id}`)).body;
    assert.equal(held.awaitingApproval, 1);
    assert.equal(held.waves[1]!.counts.pending, held.waves[1]!.size, 'nothing of wave 2 went out');
    for (const w of held.waves) {
      const silent = page.getByRole('progressbar', { name: `wave ${w.index + 1} not reached` });
      assert.match(
        (await silent.getAttribute('aria-valuetext')) ?? '',
        new RegExp(`^${w.notReached} \\(`),
        `wave ${w.index + 1} shows its not-reached bucket`,
      );
    }
    await screenshot(page, 'wave-awaiting-approval');
    await page.getByRole('link', { name: '← All campaigns' }).click();
    const card = page.locator(`article[data-campaign-id="${id}"]`);
    await card.getByText('Wave 2 awaits approval').waitFor();
    await card.getByRole('link', { name: 'Gated gateway 4.0' }).click();
    await page.getByRole('heading', { name: 'Gated gateway 4.0', level: 1 }).waitFor();
    // The wider wave table still fits a 1,280 px window.
    await assertNoSidewaysScroll(page, 'campaign with a gated wave');

    // Dismissing the confirmation approves nothing.
    await page.getByRole('button', { name: 'Approve wave 2' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Keep as is' }).click();
    assert.equal(
      (await adminGet<CampaignDetail>(stack, `/v1/campaigns/${id}`)).body.waves[1]!.state,
      'awaiting_approval',
    );

    await page.getByRole('button', { name: 'Approve wave 2' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Comment (optional)').fill('wave 1 healthy on the bench');
    await dialog.getByRole('button', { name: 'Approve wave 2' }).click();
    await page.getByText('Awaiting approval').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Approve wave 2' }).waitFor({ state: 'detached' });
    const approved = (await adminGet<CampaignDetail>(stack, `/v1/campaigns/${id}`)).body;
    assert.equal(approved.waves[1]!.state, 'running');
    assert.ok(approved.waves[1]!.approvedBy, 'who approved is recorded');
    assert.equal(approved.awaitingApproval, null);

    // The approved wave's online cars install; the parked ones stay in the silent bucket.
    await page.waitForFunction(
      () =>
        document
          .querySelector('[role="progressbar"][aria-label="installed"]')
          ?.getAttribute('aria-valuenow') === '80',
      undefined,
      { timeout: 90_000 },
    );
    await screenshot(page, 'wave-approved');
    assert.deepEqual(problems.errors, []);
  });
});
