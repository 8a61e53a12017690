import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { CampaignNotFound, UnknownWave } from '@roadcast/campaigns';
import { createError, httpStatusOf } from '@roadcast/contracts';
import { createLogger } from '@roadcast/observability';
import { NoActivePool, RoutingUnavailable } from '@roadcast/routing';
import type { ApiDeps } from '../src/api-deps.js';
import deps from '../src/plugins/deps.js';
import errorHandler from '../src/plugins/error-handler.js';
import { DependencyHealth } from '../src/services/dependency-health.js';
import { startApiFixture, vehicles, type ApiFixture } from './api-fixture.js';

const PkiMalformed = createError('ROADCAST_ERR_PKI_MALFORMED');

// What each route throws: library errors, one without an HTTP status, and a look-alike that
// only carries a code string.
const THROWN: Record<string, () => Error> = {
  '/campaign-missing': () => new CampaignNotFound(),
  '/unknown-wave': () => new UnknownWave(2, 5),
  '/no-active-pool': () => new NoActivePool(),
  '/routing-unavailable': () => new RoutingUnavailable('presence timed out'),
  '/pki': () => new PkiMalformed('no CERTIFICATE in PEM input'),
  '/lookalike': () =>
    Object.assign(new Error('campaign not found'), { code: 'ROADCAST_ERR_CAMPAIGN_NOT_FOUND' }),
};

let bare: FastifyInstance;
let health: DependencyHealth;
let f: ApiFixture;

before(async () => {
  health = new DependencyHealth({
    probes: { database: async () => undefined, redis: async () => undefined },
    logger: createLogger({ service: 'api', level: 'silent' }),
    registry: new Registry(),
    retryAfterSeconds: 7,
  });
  bare = Fastify({ logger: false });
  await bare.register(deps, { deps: { health } as unknown as ApiDeps });
  await bare.register(errorHandler);
  for (const [url, error] of Object.entries(THROWN)) {
    bare.get(url, async () => {
      throw error();
    });
  }
  await bare.ready();
  f = await startApiFixture('api-error-mapping');
});

after(async () => {
  await bare?.close();
  health?.close();
  await f?.close();
});

test('a library error is answered with the status the error table gives its code, and its message', async () => {
  const cases = [
    ['/campaign-missing', 'ROADCAST_ERR_CAMPAIGN_NOT_FOUND', 404, 'campaign not found'],
    [
      '/unknown-wave',
      'ROADCAST_ERR_UNKNOWN_WAVE',
      422,
      'the campaign has 2 wave(s); wave 5 does not exist',
    ],
    ['/no-active-pool', 'ROADCAST_ERR_NO_ACTIVE_POOL', 409, 'no active edge pool'],
    ['/routing-unavailable', 'ROADCAST_ERR_UNAVAILABLE', 503, 'presence timed out'],
  ] as const;
  for (const [url, code, status, message] of cases) {
    const res = await bare.inject({ method: 'GET', url });
    assert.equal(httpStatusOf(code), status, `${code} in the table`);
    assert.equal(res.statusCode, status, `${url}: ${res.body}`);
    const { requestId, ...body } = res.json() as Record<string, unknown>;
    assert.deepEqual(body, { code, message }, url);
    assert.equal(typeof requestId, 'string', url);
  }
});

test('a coded error without an HTTP status, and a look-alike code string, are a plain 500', async () => {
  for (const url of ['/pki', '/lookalike']) {
    const res = await bare.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 500, `${url}: ${res.body}`);
    assert.equal(res.json().code, 'ROADCAST_ERR_INTERNAL', url);
    assert.equal(res.json().message, 'internal error', url);
    assert.doesNotMatch(res.body, /PEM|campaign not found/, `${url}: nothing internal`);
  }
});

test('an unknown pool from the routing library is a 404 with its code, through the real API', async () => {
  const [vehicle] = vehicles(1, 'mapping');
  const stored = await f.call(f.keys.operator, {
    method: 'POST',
    url: '/v1/vehicles',
    payload: { vehicles: [vehicle] },
  });
  assert.equal(stored.statusCode, 200, stored.body);
  const res = await f.call(f.keys.operator, {
    method: 'PUT',
    url: `/v1/vehicles/${vehicle!.id}/pool`,
    payload: { poolId: 'no-such-pool', mode: 'pin' },
  });
  assert.equal(res.statusCode, 404, res.body);
  assert.equal(res.json().code, 'ROADCAST_ERR_UNKNOWN_POOL');
  assert.equal(res.json().message, 'unknown edge pool "no-such-pool"');
});
