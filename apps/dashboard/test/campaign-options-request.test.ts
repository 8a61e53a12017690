import assert from 'node:assert/strict';
import { test } from 'node:test';
import { campaignRequest, type CampaignFormValues } from '../src/campaign-request.js';

const base: CampaignFormValues = {
  name: 'Head unit',
  updateId: 'head-unit',
  updateVersion: '2.0.0',
  updateUrl: 'https://updates.example.com/h.bin',
  updateSha256: 'a'.repeat(64),
  updateSize: '1024',
  targetMode: 'ids',
  vehicleIds: 'V1',
  model: '',
  region: '',
  softwareVersion: '',
  tags: '',
  waves: '',
  successPercent: '',
  failurePercent: '',
  priority: '',
  startAt: '',
  expiresAt: '',
  timeoutMinutes: '',
  retryMaxAttempts: '',
  retryBackoffSeconds: '',
  onFailureThreshold: 'pause',
};

test('without timeout or retry fields the request carries no options', () => {
  assert.equal('options' in campaignRequest(base), false);
});

test('timeout minutes become seconds; retry and cancel-on-threshold become options', () => {
  const request = campaignRequest({
    ...base,
    timeoutMinutes: '30',
    retryMaxAttempts: '3',
    retryBackoffSeconds: '600',
    onFailureThreshold: 'cancel',
  });
  assert.deepEqual(request.options, {
    inProgressTimeout: 1800,
    retry: { maxAttempts: 3, backoffSeconds: 600 },
    onFailureThreshold: 'cancel',
  });
});

test('a backoff without attempts is passed on for the API to refuse by name', () => {
  const request = campaignRequest({ ...base, retryBackoffSeconds: '60', timeoutMinutes: 'soon' });
  assert.deepEqual(request.options, {
    inProgressTimeout: 'soon',
    retry: { maxAttempts: '', backoffSeconds: 60 },
  });
});

test('timeout and retry options sit beside the threshold basis', () => {
  const request = campaignRequest({ ...base, thresholdBasis: 'reached', timeoutMinutes: '1' });
  assert.deepEqual(request.options, { thresholdBasis: 'reached', inProgressTimeout: 60 });
});
