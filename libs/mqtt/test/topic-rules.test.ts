import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  filterCovered,
  isSharedSubscription,
  topicFilterProblem,
  topicMatches,
  topicNameProblem,
} from '../src/index.js';

describe('topic rules', () => {
  const names: Array<[string, ReturnType<typeof topicNameProblem>]> = [
    ['vehicles/WVWZZZ1JZXW000001/ota/acks', null],
    ['', 'empty'],
    ['vehicles/+/ota/acks', 'wildcard-in-name'],
    ['vehicles/#', 'wildcard-in-name'],
    ['vehicles/\uFFFD/status', 'invalid-utf8'],
    ['vehicles/\u0000/status', 'null-character'],
    ['x'.repeat(300), 'too-long'],
  ];
  for (const [topic, problem] of names) {
    it(`topic name ${JSON.stringify(topic.slice(0, 30))} -> ${problem ?? 'valid'}`, () => {
      assert.equal(topicNameProblem(topic, 256), problem);
    });
  }

  const filters: Array<[string, ReturnType<typeof topicFilterProblem>]> = [
    ['vehicles/V1/#', null],
    ['vehicles/+/ota/+', null],
    ['#', null],
    ['vehicles/V1#', 'misplaced-wildcard'],
    ['vehicles/#/ota', 'misplaced-wildcard'],
    ['vehicles/V+/ota', 'misplaced-wildcard'],
    ['', 'empty'],
  ];
  for (const [filter, problem] of filters) {
    it(`topic filter ${JSON.stringify(filter)} -> ${problem ?? 'valid'}`, () => {
      assert.equal(topicFilterProblem(filter), problem);
    });
  }

  const matches: Array<[string, string, boolean]> = [
    ['vehicles/V1/#', 'vehicles/V1/ota/notices', true],
    ['vehicles/V1/#', 'vehicles/V1', true],
    ['vehicles/+/status', 'vehicles/V1/status', true],
    ['vehicles/+/status', 'vehicles/V1/ota/status', false],
    ['vehicles/V1/ota/acks', 'vehicles/V1/ota/acks', true],
    ['vehicles/V1/ota/acks', 'vehicles/V2/ota/acks', false],
    ['#', '$SYS/broker/uptime', false],
  ];
  for (const [filter, topic, expected] of matches) {
    it(`${filter} ${expected ? 'matches' : 'does not match'} ${topic}`, () => {
      assert.equal(topicMatches(filter, topic), expected);
    });
  }

  const covered: Array<[string, string, boolean]> = [
    ['vehicles/V1/#', 'vehicles/V1/#', true],
    ['vehicles/V1/#', 'vehicles/V1/ota/+', true],
    ['vehicles/V1/#', 'vehicles/V1/ota/notices', true],
    ['vehicles/V1/#', 'vehicles/+/ota/notices', false],
    ['vehicles/V1/#', 'vehicles/#', false],
    ['vehicles/V1/#', '#', false],
    ['vehicles/V1/ota/notices', 'vehicles/V1/ota/#', false],
    ['vehicles/V1/+/notices', 'vehicles/V1/ota/notices', true],
    ['vehicles/V1/+/notices', 'vehicles/V1/#', false],
    ['vehicles/V1/ota', 'vehicles/V1/ota/notices', false],
    ['#', '$SYS/#', false],
  ];
  for (const [allowed, filter, expected] of covered) {
    it(`${allowed} ${expected ? 'covers' : 'does not cover'} ${filter}`, () => {
      assert.equal(filterCovered(allowed, filter), expected);
    });
  }

  it('recognises shared subscriptions', () => {
    assert.equal(isSharedSubscription('$share/tracker/vehicles/+/ota/acks'), true);
    assert.equal(isSharedSubscription('vehicles/$share/x'), false);
  });
});
