import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allowedPerMinute, isKnownTimeZone, windowVerdict, type WindowSpec } from '../src/index.js';

const noRamp = {
  ratePerMinute: 600,
  rampInitialPerMinute: null,
  rampFactor: null,
  rampStepS: null,
  rampStepSuccesses: null,
};

test('without a rate the campaign is unlimited; without a ramp it runs at its maximum', () => {
  assert.equal(
    allowedPerMinute({ ...noRamp, ratePerMinute: null }, { startedAt: null, installed: 0 }),
    null,
  );
  assert.equal(allowedPerMinute(noRamp, { startedAt: null, installed: 0 }), 600);
});

test('a time ramp multiplies the rate at every step since the first wave started, up to the maximum', () => {
  const rate = { ...noRamp, rampInitialPerMinute: 60, rampFactor: 2, rampStepS: 30 };
  const startedAt = new Date('2026-01-05T10:00:00Z');
  const at = (s: number) => startedAt.getTime() + s * 1000;
  assert.equal(allowedPerMinute(rate, { startedAt: null, installed: 0 }, at(500)), 60);
  assert.equal(allowedPerMinute(rate, { startedAt, installed: 0 }, at(29)), 60);
  assert.equal(allowedPerMinute(rate, { startedAt, installed: 0 }, at(30)), 120);
  assert.equal(allowedPerMinute(rate, { startedAt, installed: 0 }, at(95)), 480);
  assert.equal(allowedPerMinute(rate, { startedAt, installed: 0 }, at(120)), 600);
  assert.equal(allowedPerMinute(rate, { startedAt, installed: 0 }, at(86_400 * 365)), 600);
});

test('a success ramp steps with installed deliveries', () => {
  const rate = { ...noRamp, rampInitialPerMinute: 10, rampFactor: 3, rampStepSuccesses: 5 };
  const started = { startedAt: new Date(0) };
  assert.equal(allowedPerMinute(rate, { ...started, installed: 4 }), 10);
  assert.equal(allowedPerMinute(rate, { ...started, installed: 5 }), 30);
  assert.equal(allowedPerMinute(rate, { ...started, installed: 14 }), 90);
  assert.equal(allowedPerMinute(rate, { ...started, installed: 1_000_000 }), 600);
});

// 2026-01-05 is a Monday.
const weekdayNights: WindowSpec[] = [
  { days: [1, 2, 3, 4, 5], startMinute: 22 * 60, endMinute: 5 * 60 },
];

test('no windows means always open', () => {
  assert.deepEqual(windowVerdict([], 'UTC', new Date()), { open: true });
});

test('a window is read in the local time of the region', () => {
  // 21:30 UTC Monday is 22:30 in Berlin (CET): inside; 21:30 in UTC: outside.
  const at = new Date('2026-01-05T21:30:00Z');
  assert.deepEqual(windowVerdict(weekdayNights, 'Europe/Berlin', at), { open: true });
  const utc = windowVerdict(weekdayNights, 'UTC', at);
  assert.deepEqual(utc, { open: false, opensAt: new Date('2026-01-05T22:00:00Z') });
  // New York (EST, UTC-5): 16:30 local, opens at 22:00 local = 03:00 UTC next day.
  assert.deepEqual(windowVerdict(weekdayNights, 'America/New_York', at), {
    open: false,
    opensAt: new Date('2026-01-06T03:00:00Z'),
  });
});

test('an end before the start closes on the next day, also after the last listed day', () => {
  // Saturday 04:59 UTC: Friday night's window is still open.
  assert.deepEqual(windowVerdict(weekdayNights, 'UTC', new Date('2026-01-10T04:59:59Z')), {
    open: true,
  });
  // Saturday 05:00: closed until Monday 22:00.
  assert.deepEqual(windowVerdict(weekdayNights, 'UTC', new Date('2026-01-10T05:00:00Z')), {
    open: false,
    opensAt: new Date('2026-01-12T22:00:00Z'),
  });
  // Sunday night wraps into Monday morning across the end of the week.
  const sundayNight: WindowSpec[] = [{ days: [7], startMinute: 23 * 60, endMinute: 60 }];
  assert.deepEqual(windowVerdict(sundayNight, 'UTC', new Date('2026-01-12T00:30:00Z')), {
    open: true,
  });
});

test('the next opening holds across a daylight-saving change', () => {
  // Berlin moves from CET to CEST on Sunday 2026-03-29 at 02:00 local.
  const mondays: WindowSpec[] = [{ days: [1], startMinute: 3 * 60, endMinute: 4 * 60 }];
  const verdict = windowVerdict(mondays, 'Europe/Berlin', new Date('2026-03-28T12:00:00Z'));
  // Monday 03:00 CEST is 01:00 UTC.
  assert.deepEqual(verdict, { open: false, opensAt: new Date('2026-03-30T01:00:00Z') });
});

test('only IANA time zones Intl knows are accepted', () => {
  assert.equal(isKnownTimeZone('Europe/Berlin'), true);
  assert.equal(isKnownTimeZone('UTC'), true);
  assert.equal(isKnownTimeZone('Mars/Olympus_Mons'), false);
  assert.equal(isKnownTimeZone(''), false);
});
