import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { join, resolve } from 'node:path';
import {
  ERROR_TABLE,
  RoadcastError,
  createError,
  httpStatusOf,
  isRoadcastError,
  mqttReasonOf,
  type ErrorEntry,
  type RoadcastErrorCode,
} from '../src/index.js';

// MQTT 5.0 section 2.4: the reason codes at or above 0x80 are failures.
const MQTT5_FAILURE_REASONS = new Set([
  0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
  0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
  0xa0, 0xa1, 0xa2,
]);

const entries = Object.entries(ERROR_TABLE) as Array<[RoadcastErrorCode, ErrorEntry]>;
const workspace = resolve(import.meta.dirname, '../../..');

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'generated') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (path.endsWith('.ts')) out.push(path);
  }
  return out;
}

test('every code is ROADCAST_ERR_ in capitals and appears once', () => {
  const source = readFileSync(join(import.meta.dirname, '../src/error-table.ts'), 'utf8');
  for (const [code] of entries) {
    assert.match(code, /^ROADCAST_ERR_[A-Z0-9_]+$/);
    // An object literal keeps the last of two equal keys silently; the source would show both.
    const written = source.match(new RegExp(`\\b${code}:`, 'g')) ?? [];
    assert.equal(written.length, 1, `${code} is written ${written.length} times`);
  }
});

test('every status is a client or server error HTTP knows; every reason an MQTT 5 failure', () => {
  for (const [code, entry] of entries) {
    assert.ok(entry.message.trim().length > 0, `${code} has a message`);
    if (entry.status !== undefined) {
      assert.ok(entry.status >= 400 && entry.status <= 599, `${code}: status ${entry.status}`);
      assert.ok(STATUS_CODES[entry.status], `${code}: ${entry.status} is an HTTP status`);
    }
    if (entry.reason !== undefined) {
      assert.ok(
        MQTT5_FAILURE_REASONS.has(entry.reason),
        `${code}: reason 0x${entry.reason.toString(16)}`,
      );
    }
    assert.equal(httpStatusOf(code), entry.status);
    assert.equal(mqttReasonOf(code), entry.reason);
  }
});

test('every ROADCAST_ERR_ code written in the libraries and apps is in the table', () => {
  const files = ['libs', 'apps'].flatMap((d) => sources(join(workspace, d)));
  const missing = new Map<string, string>();
  for (const file of files) {
    // Word boundaries on both sides: a prefix used to match a family (`ROADCAST_ERR_PKI_`) is
    // not a code.
    for (const [code] of readFileSync(file, 'utf8').matchAll(
      /\bROADCAST_ERR_[A-Z0-9_]*[A-Z0-9]\b/g,
    )) {
      if (!Object.hasOwn(ERROR_TABLE, code)) missing.set(code, file.slice(workspace.length + 1));
    }
  }
  assert.deepEqual(Object.fromEntries(missing), {}, 'codes used but not in the error table');
});

test('the codes the libraries raised before the table are all in it, with their statuses', () => {
  const expected: Record<string, number | undefined> = {
    // libs/campaigns
    ROADCAST_ERR_CAMPAIGN_NOT_FOUND: 404,
    ROADCAST_ERR_CAMPAIGN_STATE: 409,
    ROADCAST_ERR_IDEMPOTENCY_MISMATCH: 409,
    ROADCAST_ERR_INVALID_ROLLOUT: 400,
    ROADCAST_ERR_INVALID_SCHEDULE: 400,
    ROADCAST_ERR_INVALID_CURSOR: 400,
    ROADCAST_ERR_INVALID_OPTIONS: 400,
    ROADCAST_ERR_UNKNOWN_WAVE: 422,
    // libs/routing (the API answered these before the table)
    ROADCAST_ERR_NO_ACTIVE_POOL: 409,
    ROADCAST_ERR_UNKNOWN_VEHICLE: 404,
    ROADCAST_ERR_UNKNOWN_POOL: 404,
    ROADCAST_ERR_UNAVAILABLE: 503,
    // libs/pki, apps/bridge and libs/mqtt: never an HTTP answer
    ROADCAST_ERR_PKI_UNSUPPORTED_KEY: undefined,
    ROADCAST_ERR_PKI_MALFORMED: undefined,
    ROADCAST_ERR_PKI_INVALID_REQUEST: undefined,
    ROADCAST_ERR_PKI_KEY_MISMATCH: undefined,
    ROADCAST_ERR_BROKER_UNAVAILABLE: undefined,
    ROADCAST_ERR_PUBLISH_TIMEOUT: undefined,
    ROADCAST_ERR_PUBLISH_REFUSED: undefined,
    ROADCAST_ERR_NO_BROKER: undefined,
    ROADCAST_ERR_LINK_CLOSED: undefined,
    ROADCAST_ERR_MQTT_CONNECT_REFUSED: undefined,
    ROADCAST_ERR_MQTT_CONNECT_TIMEOUT: undefined,
    ROADCAST_ERR_MQTT_PROTOCOL: undefined,
    ROADCAST_ERR_MQTT_KEEPALIVE: undefined,
    ROADCAST_ERR_MQTT_CLOSED: undefined,
    ROADCAST_ERR_MQTT_INVALID_PUBLISH: undefined,
  };
  for (const [code, status] of Object.entries(expected)) {
    assert.ok(Object.hasOwn(ERROR_TABLE, code), `${code} is in the table`);
    assert.equal(httpStatusOf(code as RoadcastErrorCode), status, code);
  }
});

test('createError fills the template in order and carries code, status and reason', () => {
  const UnknownWave = createError('ROADCAST_ERR_UNKNOWN_WAVE');
  const err = new UnknownWave(2, 5);
  assert.equal(UnknownWave.code, 'ROADCAST_ERR_UNKNOWN_WAVE');
  assert.equal(err.code, 'ROADCAST_ERR_UNKNOWN_WAVE');
  assert.equal(err.message, 'the campaign has 2 wave(s); wave 5 does not exist');
  assert.equal(err.statusCode, 422);
  assert.equal(err.mqttReason, undefined);
  assert.ok(err instanceof RoadcastError && err instanceof Error);

  const NoActivePool = createError('ROADCAST_ERR_NO_ACTIVE_POOL');
  const cause = new Error('inner');
  const pool = new NoActivePool({ detail: 'pool p1 drained', cause });
  assert.equal(pool.message, 'no active edge pool: pool p1 drained');
  assert.equal(pool.cause, cause);
  assert.equal(pool.mqttReason, 0x88);
});

test('createError with a family base: instanceof the family, the family name, the code fixed', () => {
  class FamilyError extends RoadcastError<
    'ROADCAST_ERR_PKI_MALFORMED' | 'ROADCAST_ERR_PKI_KEY_MISMATCH'
  > {
    constructor(
      ...args: ConstructorParameters<typeof RoadcastError<'ROADCAST_ERR_PKI_MALFORMED'>>
    ) {
      super(...args);
      this.name = 'FamilyError';
    }
  }
  const Malformed = createError('ROADCAST_ERR_PKI_MALFORMED', FamilyError);
  const err = new Malformed('no CERTIFICATE in PEM input');
  assert.ok(err instanceof FamilyError);
  assert.equal(err.name, 'FamilyError');
  assert.equal(err.code, 'ROADCAST_ERR_PKI_MALFORMED');
  assert.equal(err.message, 'no CERTIFICATE in PEM input');
  assert.equal(err.statusCode, undefined);
});

test('isRoadcastError narrows by code and refuses look-alikes', () => {
  const Refused = createError('ROADCAST_ERR_CAMPAIGN_STATE');
  const err: unknown = new Refused('a completed campaign cannot be paused');
  assert.equal(isRoadcastError(err), true);
  assert.equal(isRoadcastError(err, 'ROADCAST_ERR_CAMPAIGN_STATE'), true);
  assert.equal(isRoadcastError(err, 'ROADCAST_ERR_CAMPAIGN_NOT_FOUND'), false);
  if (isRoadcastError(err, 'ROADCAST_ERR_CAMPAIGN_STATE')) {
    const code: 'ROADCAST_ERR_CAMPAIGN_STATE' = err.code;
    assert.equal(code, 'ROADCAST_ERR_CAMPAIGN_STATE');
  }
  // The same code on an error that is not from the table is only a string.
  const lookalike = Object.assign(new Error('campaign not found'), {
    code: 'ROADCAST_ERR_CAMPAIGN_NOT_FOUND',
    statusCode: 404,
  });
  assert.equal(isRoadcastError(lookalike), false);
  assert.equal(isRoadcastError({ code: 'ROADCAST_ERR_CAMPAIGN_NOT_FOUND' }), false);
  assert.equal(isRoadcastError(null), false);
  assert.equal(isRoadcastError('ROADCAST_ERR_CAMPAIGN_NOT_FOUND'), false);
});
