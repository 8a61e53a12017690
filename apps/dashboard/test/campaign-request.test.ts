import assert from 'node:assert/strict';
import { test } from 'node:test';
import { campaignRequest, type CampaignFormValues } from '../src/campaign-request.js';

const base: CampaignFormValues = {
  name: ' Brake ECU 2.1 ',
  updateId: 'brake-ecu',
  updateVersion: '2.1.0',
  updateUrl: 'https://updates.example.com/brake-ecu-2.1.0.bin',
  updateSha256: 'AB'.repeat(32),
  updateSize: '1048576',
  targetMode: 'ids',
  vehicleIds: 'VIN1, VIN2\nVIN3  ',
  model: 'ignored',
  region: '',
  softwareVersion: '',
  tags: '',
  waves: '',
  successPercent: '',
  failurePercent: '',
  priority: '',
  startAt: '',
  expiresAt: '',
};

test('ids target: listed ids, trimmed values, lower-case digest, no optional fields', () => {
  assert.deepEqual(campaignRequest(base), {
    name: 'Brake ECU 2.1',
    update: {
      id: 'brake-ecu',
      version: '2.1.0',
      url: 'https://updates.example.com/brake-ecu-2.1.0.bin',
      sha256: 'ab'.repeat(32),
      size: 1048576,
    },
    target: { vehicleIds: ['VIN1', 'VIN2', 'VIN3'] },
  });
});

test('filter target with waves, thresholds in percent, priority and times', () => {
  const req = campaignRequest({
    ...base,
    targetMode: 'filter',
    model: 'Model S',
    region: 'eu-west',
    tags: 'fleet-a beta',
    waves: '10, 50, 100',
    successPercent: '90',
    failurePercent: '2.5',
    priority: '7',
    startAt: '2030-01-02T03:04',
    expiresAt: '2030-02-02T03:04',
  });
  assert.deepEqual(req.target, {
    filter: { model: 'Model S', region: 'eu-west', tags: ['fleet-a', 'beta'] },
  });
  assert.deepEqual(
    req.rollout?.waves,
    [10, 50, 100].map((percent) => ({ percent, successThreshold: 0.9, failureThreshold: 0.025 })),
  );
  assert.equal(req.priority, 7);
  assert.equal(req.startAt, new Date('2030-01-02T03:04').toISOString());
  assert.equal(req.expiresAt, new Date('2030-02-02T03:04').toISOString());
});

test('text that is not a number is passed on so the API names the field', () => {
  const req = campaignRequest({ ...base, updateSize: 'big', waves: 'half, 100' });
  assert.equal(req.update.size as unknown, 'big');
  assert.equal(req.rollout?.waves[0]?.percent as unknown, 'half');
});
