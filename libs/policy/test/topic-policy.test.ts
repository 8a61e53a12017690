import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TopicPolicy, defaultPolicy, type TopicDecision } from '../src/index.js';

const V = 'WVWZZZ1JZXW000001';
const policy = new TopicPolicy(defaultPolicy());

describe('TopicPolicy with the default vehicle role', () => {
  const publishes: Array<[string, TopicDecision]> = [
    [`vehicles/${V}/ota/acks`, 'allowed'],
    [`vehicles/${V}/status`, 'allowed'],
    [`vehicles/${V}/ota/notices`, 'not-authorized'],
    ['vehicles/WVWZZZ1JZXW000002/ota/acks', 'not-authorized'],
    [`vehicles/${V}/ota/+`, 'wildcard-in-name'],
    ['', 'empty'],
    [`vehicles/${V}/${'x'.repeat(300)}`, 'too-long'],
    ['$SYS/broker/uptime', 'not-authorized'],
  ];
  for (const [topic, decision] of publishes) {
    it(`PUBLISH ${topic.slice(0, 50)} -> ${decision}`, () =>
      assert.equal(policy.publish('vehicle', V, topic), decision));
  }

  const subscribes: Array<[string, TopicDecision]> = [
    [`vehicles/${V}/ota/notices`, 'allowed'],
    [`vehicles/${V}/#`, 'allowed'],
    [`vehicles/${V}/+/notices`, 'allowed'],
    ['vehicles/+/ota/notices', 'not-authorized'],
    ['vehicles/#', 'not-authorized'],
    ['#', 'not-authorized'],
    [`$share/g/vehicles/${V}/#`, 'shared-not-supported'],
    [`vehicles/${V}/ota#`, 'misplaced-wildcard'],
  ];
  for (const [filter, decision] of subscribes) {
    it(`SUBSCRIBE ${filter} -> ${decision}`, () =>
      assert.equal(policy.subscribe('vehicle', V, filter), decision));
  }

  it('gives nothing to an unknown role or an id that would widen a pattern', () => {
    assert.equal(policy.publish('diagnostics', V, `vehicles/${V}/status`), 'not-authorized');
    assert.equal(policy.subscribe('vehicle', '+', 'vehicles/+/#'), 'not-authorized');
    assert.equal(policy.subscribe('vehicle', 'a/b', 'vehicles/a/b/#'), 'not-authorized');
  });
});
