import assert from 'node:assert/strict';
import { test } from 'node:test';
import { campaignRequest, type CampaignFormValues } from '../src/campaign-request.js';

const base: CampaignFormValues = {
  name: 'Gated',
  updateId: 'brake-ecu',
  updateVersion: '2.1.0',
  updateUrl: 'https://updates.example.com/brake-ecu-2.1.0.bin',
  updateSha256: 'ab'.repeat(32),
  updateSize: '1048576',
  targetMode: 'ids',
  vehicleIds: 'VIN1',
  model: '',
  region: '',
  softwareVersion: '',
  tags: '',
  waves: '10, 50, 100',
  successPercent: '',
  failurePercent: '',
  priority: '',
  startAt: '',
  expiresAt: '',
};

test('the waves named as needing approval require it, the others do not', () => {
  const req = campaignRequest({ ...base, approvalWaves: '2, 3' });
  assert.deepEqual(req.rollout?.waves, [
    { percent: 10 },
    { percent: 50, requiresApproval: true },
    { percent: 100, requiresApproval: true },
  ]);
  assert.equal(req.options, undefined, 'the default basis is not sent');
});

test('a single gated wave is spelled out, and the reached basis is sent as an option', () => {
  const req = campaignRequest({
    ...base,
    waves: '',
    approvalWaves: '1',
    thresholdBasis: 'reached',
  });
  assert.deepEqual(req.rollout?.waves, [{ percent: 100, requiresApproval: true }]);
  assert.deepEqual(req.options, { thresholdBasis: 'reached' });
});
