import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { encodePacket } from '@roadcast/mqtt';
import { getTestPki } from '@roadcast/testing';
import { startRouterHarness, type RouterHarness } from './support/router-harness.js';
import { RawVehicle, connectPacket } from './support/vehicle.js';

const VIN = 'WVWZZZ1JZXW001201';
const OTHER = 'WVWZZZ1JZXW001299';

const logBytes = (lines: Array<Record<string, unknown>>) =>
  lines.reduce((sum, line) => sum + JSON.stringify(line).length + 1, 0);

const refusals = async (h: RouterHarness, reason: string) =>
  (await h.ctx.metrics.refusals.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

describe('router refusal logs', () => {
  let h: RouterHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('logs a flood of refused PUBLISHes from one vehicle once, and counts every one', async () => {
    h = await startRouterHarness({
      brokers: 1,
      // The flood is about log volume, not the message rate.
      policy: { throttling: { messages: { upstream: { perSecond: 0 } } } },
    });
    const raw = await RawVehicle.open(h.tlsPort, getTestPki().vehicle(VIN), 5);
    raw.sendPacket(connectPacket(VIN, 5, { clean: true, properties: {} }));
    assert.equal((await raw.next('connack'))?.cmd, 'connack');
    const before = logBytes(h.logs);
    const publish = encodePacket(
      {
        cmd: 'publish',
        topic: `vehicles/${OTHER}/ota/acks`,
        payload: Buffer.alloc(20, 0x7b),
        qos: 0,
        retain: false,
        dup: false,
      },
      5,
    );
    const count = 20_000;
    const flood = Buffer.concat(Array.from({ length: count }, () => publish));
    raw.send(flood);
    for (let i = 0; i < 250 && (await refusals(h, 'publish-not-authorized')) < count; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(await refusals(h, 'publish-not-authorized'), count);
    const lines = h.logs.filter((l) => l.refusal === 'publish-not-authorized');
    assert.equal(lines.length, 1);
    const written = logBytes(h.logs) - before;
    assert.ok(
      written < 2_048,
      `${flood.length} bytes of refused PUBLISHes wrote ${written} bytes of log`,
    );
    // Closing says how many were held back.
    raw.close();
    for (let i = 0; i < 100 && !h.logs.some((l) => l.msg === 'closed' && l.vehicleId === VIN); i++)
      await new Promise((r) => setTimeout(r, 20));
    const closed = h.logs.find((l) => l.msg === 'closed' && l.vehicleId === VIN);
    assert.deepEqual(closed?.suppressedRefusals, { 'publish-not-authorized': count - 1 });
  });

  it('bounds the router: 1,000 connections each refused once write the budget and a summary', async () => {
    h = await startRouterHarness({
      brokers: 1,
      policy: {
        network: { authFailureBan: { banSeconds: 0 } },
        logging: { refusalIntervalMs: 1_000, refusalLinesPerInterval: 20 },
      },
    });
    const before = logBytes(h.logs);
    // The plain listener trusts the client id; one that is no vehicle id is refused.
    const bad = encodePacket(connectPacket('not-a-vin', 4), 4);
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          const socket = netConnect({ host: '127.0.0.1', port: h!.plainPort });
          socket.on('error', () => undefined);
          await once(socket, 'connect');
          socket.write(bad);
          socket.resume();
          await once(socket, 'close');
        }),
      );
    }
    assert.equal(await refusals(h, 'bad-vehicle-id'), 1_000);
    // The summary of the interval still running is written now rather than when it ends.
    h.router.registry.log.flush();
    const lines = h.logs.filter((l) => l.refusal === 'bad-vehicle-id');
    const seconds =
      1 + (Date.parse(String(lines.at(-1)?.time)) - Date.parse(String(lines[0]?.time))) / 1_000;
    assert.ok(
      lines.length <= 20 * Math.ceil(seconds),
      `${lines.length} refusal lines in ${seconds} s`,
    );
    const summaries = h.logs.filter(
      (l) => l.msg === 'log lines held back' && l.reason === 'bad-vehicle-id',
    );
    const held = summaries.reduce((sum, l) => sum + (l.suppressed as number), 0);
    assert.equal(held + lines.length, 1_000, `${held} held back, ${lines.length} written`);
    const written = logBytes(h.logs) - before;
    assert.ok(written < 24 * 1_024, `1,000 refusals wrote ${written} bytes of log`);
    const suppressed = (await h.ctx.metrics.logSuppressed.get()).values.find(
      (v) => v.labels.reason === 'bad-vehicle-id',
    );
    assert.ok((suppressed?.value ?? 0) >= held);
  });
});
