/**
 * Child side of `startAndCloseInChild`: loads an app's settings from the environment, starts
 * the app through its composition root, waits for ready(), closes it and prints the outcome.
 * It never calls process.exit: the parent judges whether anything left open keeps it alive.
 */
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import * as config from '@roadcast/config';
import type { TObject } from '@sinclair/typebox';

const [modulePath, exportName, settingsName, readyTimeout] = process.argv.slice(2);
const schema = (config as unknown as Record<string, TObject>)[settingsName!];
if (!modulePath || !exportName || !schema) throw new Error('usage: <module> <export> <Settings>');
const settings = config.loadConfig(schema, { env: process.env });
const module = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
const start = module[exportName] as (
  settings: unknown,
  deps: object,
) => Promise<{ ready(): Promise<boolean>; close(): Promise<void> }>;

const running = await start(settings, {});
const deadline = Date.now() + Number(readyTimeout ?? 20_000);
let ready = false;
while (!ready && Date.now() < deadline) {
  ready = await running.ready().catch(() => false);
  if (!ready) await sleep(100);
}
// A stop signal comes after start-up has settled, not in the middle of it.
if (ready) await sleep(1_000);
await running.close();
process.stdout.write(`root-lifecycle ${JSON.stringify({ ready })}\n`);
// Names what still holds the process, should anything; unref'd so it holds nothing itself.
setTimeout(() => {
  process.stderr.write(`still open: ${process.getActiveResourcesInfo().join(', ')}\n`);
}, 2_000).unref();
