import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TopicPolicy, defaultPolicy, parsePolicy, type TopicDecision } from '../src/index.js';

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

describe('TopicPolicy without per-client state', () => {
  const custom = parsePolicy({
    protocol: {
      roles: {
        service: {
          publish: ['fleet/{vehicleId}/x/{vehicleId}', 'svc/{vehicleId}/+/log', 'plain/topic'],
          subscribe: ['fleet/{vehicleId}/#'],
        },
      },
    },
  });
  assert.ok(custom.ok);
  const topics = new TopicPolicy(custom.policy);
  const cases = [
    `fleet/${V}/x/${V}`,
    `fleet/${V}/x/WVWZZZ1JZXW000002`,
    `fleet/${V}/x/${V}/more`,
    `fleet/${V}/x/`,
    `svc/${V}/a/log`,
    `svc/${V}/a/b/log`,
    'plain/topic',
    'plain/topic/',
    'plain',
  ];
  for (const topic of cases) {
    it(`decides ${topic} as the compiled client allowlist does`, () =>
      assert.equal(
        topics.publish('service', V, topic),
        topics.forClient('service', V).publish(topic),
      ));
  }
  it('allows the literal with the id filled in twice, and only that', () => {
    assert.equal(topics.publish('service', V, `fleet/${V}/x/${V}`), 'allowed');
    assert.equal(topics.publish('service', V, `fleet/${V}/x/${V}x`), 'not-authorized');
  });
});
