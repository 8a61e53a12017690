import type { Page } from 'playwright-core';

/** A digest of the right shape; the update image itself is never fetched in tests. */
export const SHA = 'c0ffee'.repeat(10) + 'c0ff';

/** Fills the create-campaign form the way an operator would, by the fields' labels. */
export async function fillCampaignForm(
  p: Page,
  name: string,
  ids: string[],
  sha = SHA,
): Promise<void> {
  await p.getByLabel('Campaign name').fill(name);
  await p.getByLabel('Update id').fill('infotainment');
  await p.getByLabel('Version', { exact: true }).fill('2.0.0');
  await p.getByLabel('Image URL').fill('https://updates.example.com/infotainment-2.0.0.bin');
  await p.getByLabel('SHA-256').fill(sha);
  await p.getByLabel('Size (bytes)').fill('52428800');
  await p.getByLabel('Vehicle ids', { exact: true }).fill(ids.join('\n'));
  await p.getByLabel('Waves (cumulative %)').fill('50, 100');
  await p.getByLabel('Success threshold (%)').fill('90');
}
