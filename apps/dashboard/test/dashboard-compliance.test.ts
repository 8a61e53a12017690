/**
 * The compliance view in headless Chromium against the real platform: simulated cars report
 * their versions on their status topic; the campaign page shows how many targets run the
 * offered version, and the inventory page the fleet's versions per component.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Stack } from '@roadcast/local-stack';
import type { SimulatedFleet } from '@roadcast/vehicle-client';
import { launchBrowser, openPage, screenshot, type PageProblems } from './support/browser-page.js';
import { buildDashboard } from './support/dashboard-build.js';
import { startDashboardStack } from './support/stack-start.js';
import {
  adminGet,
  registerVehicles,
  simulatedFleet,
  vehicleIds,
} from './support/simulated-vehicles.js';

const INSTALLING = vehicleIds('CMPN', 4);
const REFUSING = vehicleIds('CMPX', 2);
const COMPONENT = 'gateway-ecu';

let stack: Stack;
let browser: Browser;
let page: Page;
let problems: PageProblems;
const fleets: SimulatedFleet[] = [];

async function createCampaign(): Promise<string> {
  const res = await fetch(`${stack.apiUrl}/v1/campaigns`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'Gateway 2.0',
      update: {
        id: COMPONENT,
        version: '2.0.0',
        url: 'https://updates.example.com/gateway-2.0.0.bin',
        sha256: createHash('sha256').update('gateway-2.0.0').digest('hex'),
        size: 1_000,
      },
      target: { vehicleIds: [...INSTALLING, ...REFUSING] },
      rollout: { waves: [{ percent: 100, successThreshold: 0.5, failureThreshold: 0.9 }] },
    }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { id: string }).id;
}

describe('compliance view in a browser', { timeout: 300_000 }, () => {
  before(async () => {
    await buildDashboard();
    stack = await startDashboardStack();
    await registerVehicles(stack, [...INSTALLING, ...REFUSING]);
    fleets.push(await simulatedFleet(stack, INSTALLING, { components: [COMPONENT] }));
    // These cars fail every install and keep reporting the version they run.
    fleets.push(await simulatedFleet(stack, REFUSING, { components: [COMPONENT], failureRate: 1 }));
    for (const fleet of fleets) await fleet.connect(undefined, 60_000);
    browser = await launchBrowser();
    ({ page, problems } = await openPage(browser));
  });

  after(async () => {
    await browser?.close();
    await Promise.all(fleets.map((f) => f.stop()));
    await stack?.stop();
  });

  it('shows the share of targets on the offered version and the versions they run', async () => {
    const id = await createCampaign();
    // The platform's own answer first: four of six run the new version once they rebooted.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const { body } = await adminGet<{ compliance: { onVersion: number } | null }>(
        stack,
        `/v1/inventory/components/${COMPONENT}?campaignId=${id}`,
      );
      if (body.compliance?.onVersion === INSTALLING.length) break;
      assert.ok(Date.now() < deadline, `compliance never reached 4: ${JSON.stringify(body)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }

    await page.goto(`${stack.apiUrl}/#/campaigns/${id}`);
    await page.getByLabel('API key').fill(stack.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Gateway 2.0', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Compliance' }).waitFor();
    const onTarget = page.getByRole('progressbar', { name: 'on target version 2.0.0' });
    await onTarget.waitFor();
    assert.equal(await onTarget.getAttribute('aria-valuenow'), '66.7');
    assert.equal(await onTarget.getAttribute('aria-valuetext'), '66.7% (4 of 6)');
    await page.getByText('4 of 6 targeted vehicles report running gateway-ecu 2.0.0').waitFor();
    const versions = page.getByRole('table', { name: `Versions of ${COMPONENT}` });
    await versions.getByRole('row', { name: /2\.0\.0\s*target\s*4/ }).waitFor();
    await versions.getByRole('row', { name: /1\.0\.0\s*2/ }).waitFor();
    await screenshot(page, 'campaign-compliance');

    await page.getByRole('link', { name: 'Inventory', exact: true }).click();
    await page.getByRole('heading', { name: 'Inventory', level: 1 }).waitFor();
    const card = page.getByRole('region', { name: `Component ${COMPONENT}` });
    await card.getByRole('heading', { name: `${COMPONENT} (6 vehicles)` }).waitFor();
    assert.equal(
      await card
        .getByRole('progressbar', { name: `${COMPONENT} 2.0.0` })
        .getAttribute('aria-valuenow'),
      '66.7',
    );
    await screenshot(page, 'fleet-inventory');
    assert.deepEqual(problems.errors, []);
  });
});
