import type pg from 'pg';
import type { Logger } from 'pino';

/** Rows a campaign writes before the planner's row count of deliveries is first checked. */
export const DEFAULT_ANALYZE_AFTER_ROWS = 20_000;

/**
 * Keeps the planner's picture of `deliveries` in step with a large campaign being written.
 *
 * Statistics taken while the table was nearly empty (a new deployment, or autovacuum off or
 * not yet round) make Postgres plan every fan-out batch for a table of a few rows: it may
 * then walk a whole index instead of looking up a batch's ids, once per batch, for the
 * whole campaign. So once a campaign has written `firstCheck` rows, and again each time
 * that doubles, this compares the planner's row count with what the campaign alone has
 * written, and analyzes the table when the planner sees fewer. Where statistics are kept
 * current (autovacuum, or earlier campaigns), the check finds them so and costs one read.
 */
export class DeliveriesStatistics {
  private nextCheck: number;

  constructor(
    private readonly pool: pg.Pool,
    firstCheck = DEFAULT_ANALYZE_AFTER_ROWS,
    private readonly logger?: Logger,
  ) {
    this.nextCheck = Math.max(1, firstCheck);
  }

  /** After a chunk committed: `written` is what the campaign has written so far. */
  async noteWritten(written: number): Promise<void> {
    if (written < this.nextCheck) return;
    this.nextCheck = written * 2;
    try {
      const { rows } = await this.pool.query<{ rows: number }>(
        `SELECT greatest(reltuples, 0)::float8 AS rows FROM pg_class
         WHERE oid = 'deliveries'::regclass`,
      );
      const planned = rows[0]?.rows ?? 0;
      if (planned >= written) return;
      await this.pool.query('ANALYZE deliveries');
      this.logger?.info({ planned, written }, 'deliveries analyzed: the planner saw fewer rows');
    } catch (err) {
      // Statistics are an optimisation: a database role that may not analyze is no failure.
      this.logger?.warn({ err: (err as Error).message }, 'deliveries not analyzed');
    }
  }
}
