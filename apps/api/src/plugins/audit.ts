import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';

export interface AuditRecord {
  action: string;
  targetType: string;
  targetId?: string | null;
  details?: Record<string, unknown>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Writes who did what to which target, with this request's id. */
    audit(record: AuditRecord): Promise<void>;
  }
}

/** The audit log of mutating calls: actor, action, target, time and request id. */
export default fp(
  async (app) => {
    app.decorateRequest('audit', async function (this: FastifyRequest, record: AuditRecord) {
      const actor = this.principal
        ? `${this.principal.name} (${this.principal.keyId})`
        : 'anonymous';
      await app.deps.db.pool.query(
        `INSERT INTO audit_log (actor, action, target_type, target_id, request_id, details)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          actor,
          record.action,
          record.targetType,
          record.targetId ?? null,
          String(this.id),
          record.details ? JSON.stringify(record.details) : null,
        ],
      );
    });
  },
  { name: 'roadcast-audit', dependencies: ['roadcast-deps'] },
);
