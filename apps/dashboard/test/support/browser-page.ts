import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const ARTIFACTS = resolve(import.meta.dirname, '../../../../test-artifacts/dashboard');

/** What the page wrote to its console as errors, and uncaught exceptions. */
export interface PageProblems {
  /** Script errors, CSP violations and other console errors. */
  errors: string[];
  /** Requests the browser reports as failed (answered 4xx/5xx or refused). */
  failedRequests: string[];
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page at laptop size that records its console errors. */
export async function openPage(
  browser: Browser,
  width = 1280,
  height = 800,
): Promise<{ page: Page; problems: PageProblems }> {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const problems: PageProblems = { errors: [], failedRequests: [] };
  page.on('pageerror', (err) => problems.errors.push(`uncaught: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    // Chromium logs every non-2xx answer as a console error; those are tracked separately.
    if (msg.text().startsWith('Failed to load resource'))
      problems.failedRequests.push(msg.location().url);
    else problems.errors.push(msg.text());
  });
  return { page, problems };
}

/** A file name from a test name. */
export const slug = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);

/** Saves a full-page screenshot under test-artifacts/dashboard/ and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** At 1,280 px nothing may need sideways scrolling; `what` names the page in the message. */
export async function assertNoSidewaysScroll(page: Page, what: string): Promise<void> {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  assert.ok(overflow <= 0, `${what}: the page is ${overflow}px wider than the window`);
}
