import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  ApiKeyCreated,
  ApiKeyCreateRequest,
  ApiKeyInfo,
  ApiKeyList,
  Uuid,
} from '@roadcast/contracts';
import { ApiError, errorResponses } from '../errors.js';

const tags = ['api keys'];

/** API keys: create (the secret is shown once), list, revoke. */
const apiKeyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/api-keys',
    {
      config: { minRole: 'admin' },
      schema: {
        tags,
        summary: 'Create an API key',
        body: ApiKeyCreateRequest,
        response: { 201: ApiKeyCreated, ...errorResponses() },
      },
    },
    async (request, reply) => {
      const created = await app.apiKeys.create(
        request.body.name,
        request.body.role,
        request.principal!.name,
      );
      await request.audit({
        action: 'api-key.create',
        targetType: 'api-key',
        targetId: created.id,
        details: { name: created.name, role: created.role },
      });
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/v1/api-keys',
    {
      config: { minRole: 'admin' },
      schema: {
        tags,
        summary: 'List API keys (never their secrets)',
        response: { 200: ApiKeyList, ...errorResponses() },
      },
    },
    async () => ({ items: await app.apiKeys.list() }),
  );

  app.delete(
    '/v1/api-keys/:id',
    {
      config: { minRole: 'admin' },
      schema: {
        tags,
        summary: 'Revoke an API key',
        params: Type.Object({ id: Uuid() }),
        response: { 200: ApiKeyInfo, ...errorResponses(404) },
      },
    },
    async (request) => {
      const revoked = await app.apiKeys.revoke(request.params.id);
      if (!revoked) throw new ApiError('ROADCAST_ERR_API_KEY_NOT_FOUND', 'API key not found');
      await request.audit({
        action: 'api-key.revoke',
        targetType: 'api-key',
        targetId: revoked.id,
      });
      return revoked;
    },
  );
};

export default apiKeyRoutes;
