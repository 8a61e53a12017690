import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PolicyHistory, PolicyReplaceRequest, PolicyVersion } from '@roadcast/contracts';
import { parsePolicy } from '@roadcast/policy';
import { appendEvent, redisKeys } from '@roadcast/queue';
import { ApiError, errorResponses } from '../errors.js';

const tags = ['router policy'];

interface PolicyRow {
  version: number;
  document: Record<string, unknown>;
  comment: string | null;
  createdBy: string;
  createdAt: Date;
}

const COLUMNS = 'version, document, comment, created_by AS "createdBy", created_at AS "createdAt"';
const toVersion = (r: PolicyRow) => ({ ...r, createdAt: r.createdAt.toISOString() });

/** Router policy: the version in force, replacing it (validated), and its history. */
const routerPolicyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, redis, prefix, health } = app.deps;

  app.get(
    '/v1/policy',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags,
        summary: 'The router policy in force',
        response: { 200: PolicyVersion, ...errorResponses(404) },
      },
    },
    async () => {
      const { rows } = await db.pool.query<PolicyRow>(
        `SELECT ${COLUMNS} FROM router_policies ORDER BY version DESC LIMIT 1`,
      );
      if (!rows[0])
        throw new ApiError(
          'ROADCAST_ERR_NOT_FOUND',
          'no router policy has been stored; routers use the defaults',
        );
      return toVersion(rows[0]);
    },
  );

  app.put(
    '/v1/policy',
    {
      config: { minRole: 'admin' },
      schema: {
        tags,
        summary: 'Replace the router policy; routers apply it within seconds',
        body: PolicyReplaceRequest,
        response: { 201: PolicyVersion, ...errorResponses() },
      },
    },
    async (request, reply) => {
      const parsed = parsePolicy(request.body.document);
      if (!parsed.ok)
        throw new ApiError(
          'ROADCAST_ERR_INVALID_POLICY',
          'the policy document is not valid',
          parsed.problems.slice(0, 50),
        );
      const actor = request.principal!.name;
      const { rows } = await db.pool.query<PolicyRow>(
        `INSERT INTO router_policies (document, comment, created_by) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
        [JSON.stringify(parsed.policy), request.body.comment ?? null, actor],
      );
      const stored = rows[0]!;
      await request.audit({
        action: 'policy.replace',
        targetType: 'policy',
        targetId: String(stored.version),
        details: { comment: stored.comment },
      });
      // Routers also poll for new versions: without Redis the change arrives a little later.
      await redis
        .publish(redisKeys.policyChanged(prefix), String(stored.version))
        .catch((err: unknown) => health.bestEffortFailed(err, 'policy change not announced'));
      await appendEvent(redis, prefix, {
        type: 'policy.changed',
        at: new Date().toISOString(),
        data: { version: stored.version },
      }).catch((err: unknown) => health.bestEffortFailed(err, 'event not recorded'));
      return reply.status(201).send(toVersion(stored));
    },
  );

  app.get(
    '/v1/policy/history',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags,
        summary: 'Every stored policy version, newest first',
        response: { 200: PolicyHistory, ...errorResponses() },
      },
    },
    async () => {
      const { rows } = await db.pool.query<Omit<PolicyRow, 'document'>>(
        `SELECT version, comment, created_by AS "createdBy", created_at AS "createdAt" FROM router_policies ORDER BY version DESC LIMIT 500`,
      );
      return { items: rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })) };
    },
  );
};

export default routerPolicyRoutes;
