import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpenLoopSchedule, scheduleShortfall } from '../src/load/open-loop-schedule.js';

// The timetable on a clock the test moves by hand.

describe('open-loop timetable', () => {
  it('makes requests due at a fixed rate whatever happened to earlier ones', () => {
    const s = new OpenLoopSchedule(500, 1_000);
    assert.equal(s.dueBy(999), 0);
    assert.equal(s.dueBy(1_000), 1);
    assert.equal(s.dueBy(1_999.9), 500);
    assert.equal(s.dueAt(250), 1_500);
    // Nothing is ever taken back: the count depends on the clock only.
    assert.equal(s.take(1_001).length, 1);
    assert.equal(s.take(1_999.9).length, 499);
    assert.equal(s.nextDueMs(), 2_000);
  });

  it('sends a backlog at once when the generator stalled, and records how late', () => {
    const s = new OpenLoopSchedule(100, 0, 10);
    assert.deepEqual(
      s.take(0).map((r) => r.index),
      [0],
    );
    // Stalled for 200 ms: requests 1..20 are due; those due within 10 ms of now are on time.
    const backlog = s.take(200);
    assert.equal(backlog.length, 20);
    assert.deepEqual(
      backlog.slice(0, 2).map((r) => r.dueMs),
      [10, 20],
    );
    const summary = s.summary(200);
    assert.equal(summary.sent, 21);
    assert.equal(summary.sentOnTime, 1 + 2);
    assert.equal(summary.maxLatenessMs, 190);
    assert.match(scheduleShortfall(summary) ?? '', /sent only 14\.3 % of 21 requests on time/);
  });

  it('scores a run that kept its timetable', () => {
    const s = new OpenLoopSchedule(1_000, 0, 10);
    for (let t = 0; t < 1_000; t += 5) s.take(t);
    const summary = s.summary(1_000);
    assert.equal(summary.sentOnTime, summary.sent);
    assert.equal(scheduleShortfall(summary), undefined);
    assert.ok(Math.abs(summary.achievedRate - 1_000) <= 5);
  });

  it('refuses a rate that is not positive', () => {
    assert.throws(() => new OpenLoopSchedule(0, 0), RangeError);
  });
});
