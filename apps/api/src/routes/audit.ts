import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AuditList, AuditQuery } from '@roadcast/contracts';
import { errorResponses } from '../errors.js';
import { listAuditEntries } from '../services/audit-log.js';

/** The audit log of mutating calls, for admins: filtered, newest first, a page at a time. */
const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/audit',
    {
      config: { minRole: 'admin' },
      schema: {
        tags: ['audit'],
        summary: 'Audit log entries, newest first',
        description:
          'Every mutating call: who (API key name and id), what (action), on which resource, ' +
          'when, with the request id. Filters combine; actor is a key id or a key name (every ' +
          'key of that name); resourceId needs resourceType; from is inclusive, to exclusive. ' +
          'nextCursor fetches the next page with the same filters.',
        querystring: AuditQuery,
        response: { 200: AuditList, ...errorResponses() },
      },
    },
    async (request) => listAuditEntries(app.deps.db.pool, request.query),
  );
};

export default auditRoutes;
