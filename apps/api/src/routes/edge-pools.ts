import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  EdgeBrokerCreateRequest,
  EdgePool,
  EdgePoolCreateRequest,
  EdgePoolList,
  WeightChangeRequest,
} from '@roadcast/contracts';
import { errorResponses } from '../errors.js';
import { EdgeStore } from '../services/edge-store.js';

const tags = ['edge pools'];
const PoolParams = Type.Object({ poolId: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' }) });
const BrokerParams = Type.Object({ brokerId: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' }) });

/**
 * Edge pools and brokers: health and connections, creation, weights, drain and undrain.
 * Changes need Redis (connection counts in the answer, announcements to routers), so during
 * a Redis outage they are 503 before anything is stored.
 */
const edgePoolRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const store = new EdgeStore(
    app.deps.db.pool,
    app.deps.redis,
    app.deps.prefix,
    app.deps.presence,
    app.deps.health,
  );

  app.get(
    '/v1/pools',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags,
        summary: 'Edge pools with broker health and connection counts',
        response: { 200: EdgePoolList, ...errorResponses() },
      },
    },
    async () => ({ items: await store.list() }),
  );

  app.get(
    '/v1/pools/:poolId',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags,
        summary: 'One edge pool',
        params: PoolParams,
        response: { 200: EdgePool, ...errorResponses(404) },
      },
    },
    async (request) => store.get(request.params.poolId),
  );

  app.post(
    '/v1/pools',
    {
      config: { minRole: 'admin', requires: ['redis'] },
      schema: {
        tags,
        summary: 'Create an edge pool',
        body: EdgePoolCreateRequest,
        response: { 201: EdgePool, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const { id, name, weight } = request.body;
      await store.createPool(id, name, weight ?? 100);
      await request.audit({
        action: 'pool.create',
        targetType: 'pool',
        targetId: id,
        details: { name, weight },
      });
      return reply.status(201).send(await store.get(id));
    },
  );

  app.post(
    '/v1/pools/:poolId/brokers',
    {
      config: { minRole: 'admin', requires: ['redis'] },
      schema: {
        tags,
        summary: 'Add an edge broker to a pool',
        params: PoolParams,
        body: EdgeBrokerCreateRequest,
        response: { 201: EdgePool, ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      const { id, url, weight } = request.body;
      await store.addBroker(request.params.poolId, id, url, weight ?? 100);
      await request.audit({
        action: 'broker.create',
        targetType: 'broker',
        targetId: id,
        details: { poolId: request.params.poolId },
      });
      return reply.status(201).send(await store.get(request.params.poolId));
    },
  );

  const change = (kind: 'pool' | 'broker', what: 'weight' | 'drain' | 'undrain') => {
    const path = kind === 'pool' ? '/v1/pools/:poolId' : '/v1/brokers/:brokerId';
    const url = what === 'weight' ? `${path}/weight` : `${path}/${what}`;
    app.post(
      url,
      {
        config: { minRole: 'admin', requires: ['redis'] },
        schema: {
          tags,
          summary:
            what === 'weight'
              ? `Change a ${kind}'s weight`
              : what === 'drain'
                ? `Drain a ${kind}: vehicles move elsewhere`
                : `Put a drained ${kind} back in service`,
          params: kind === 'pool' ? PoolParams : BrokerParams,
          ...(what === 'weight' ? { body: WeightChangeRequest } : {}),
          response: { 200: EdgePool, ...errorResponses(404) },
        },
      },
      async (request) => {
        const params = request.params as { poolId?: string; brokerId?: string };
        const id = (kind === 'pool' ? params.poolId : params.brokerId)!;
        const update =
          what === 'weight'
            ? { weight: (request.body as { weight: number }).weight }
            : { state: what === 'drain' ? ('draining' as const) : ('active' as const) };
        const poolId = await store.update(kind, id, update);
        await request.audit({
          action: `${kind}.${what}`,
          targetType: kind,
          targetId: id,
          details: update,
        });
        return store.get(poolId);
      },
    );
  };
  for (const kind of ['pool', 'broker'] as const)
    for (const what of ['weight', 'drain', 'undrain'] as const) change(kind, what);
};

export default edgePoolRoutes;
