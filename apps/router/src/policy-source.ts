import type { Db } from '@roadcast/db';
import type { Logger } from '@roadcast/observability';
import type { PolicyState } from './policy-state.js';
import type { RouterMetrics } from './metrics.js';

interface PolicyRow {
  version: number;
  document: unknown;
}

/**
 * Follows `router_policies`: the highest version is in force. One indexed query per poll
 * (primary key, newest first) keeps every router within a poll interval of a change.
 * A version that fails validation is logged and counted once, and the router keeps the
 * policy it had.
 */
export class PolicySource {
  private timer: NodeJS.Timeout | undefined;
  private seen = -1;
  private readonly db: Db;
  private readonly state: PolicyState;
  private readonly logger: Logger;
  private readonly metrics: RouterMetrics;

  constructor(options: { db: Db; state: PolicyState; logger: Logger; metrics: RouterMetrics }) {
    this.db = options.db;
    this.state = options.state;
    this.logger = options.logger;
    this.metrics = options.metrics;
  }

  /** Loads the newest version now; later calls apply only versions not seen yet. */
  async poll(): Promise<void> {
    const { rows } = await this.db.pool.query<PolicyRow>(
      'SELECT version, document FROM router_policies ORDER BY version DESC LIMIT 1',
    );
    const row = rows[0];
    if (!row || row.version === this.seen) return;
    this.seen = row.version;
    const result = this.state.apply(row.version, row.document);
    if (result.ok) {
      this.metrics.policyVersion.set(row.version);
      this.logger.info({ policyVersion: row.version }, 'policy applied');
    } else {
      this.metrics.policyRejected.inc();
      this.logger.error(
        { policyVersion: row.version, problems: result.problems },
        'policy rejected; keeping the one in force',
      );
    }
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.poll().catch((err: unknown) => this.logger.warn({ err }, 'policy poll failed'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
