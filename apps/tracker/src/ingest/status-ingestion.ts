import type pg from 'pg';
import {
  decideBootsOf,
  recordStatusReports,
  type DecidedBoot,
  type RecordedStatus,
  type StatusReport,
} from '@roadcast/campaigns';
import type { Logger } from '@roadcast/observability';
import type { TrackerMetrics } from '../tracker-metrics.js';
import { AckBatcher } from './ack-batcher.js';
import type { IncomingAck } from './edge-ack-connection.js';
import { parseStatus } from './parse-status.js';
import { StatusRejections } from './status-rejections.js';

export interface StatusIngestionOptions {
  pool: pg.Pool;
  batchSize: number;
  flushIntervalMs: number;
  metrics: TrackerMetrics;
  logger: Logger;
  /** Campaigns whose counts a batch changed (healthy-boot verdicts), for progress events. */
  onChanged(campaignIds: Iterable<string>): void;
}

interface StatusBatchResult {
  recorded: RecordedStatus;
  boots: DecidedBoot[];
}

/**
 * The inventory's intake: status reports from every edge broker, validated, stored in batches
 * (each released to the broker only once committed), and then the verifying deliveries of the
 * vehicles that reported are judged (healthy boot, docs/decisions/0352). A failed batch is
 * retried as a whole: storing is idempotent, and a verdict is taken once (verifyBoot's guard).
 */
export class StatusIngestion {
  private readonly batcher: AckBatcher<StatusReport, StatusBatchResult>;
  private readonly rejections: StatusRejections;

  constructor(private readonly options: StatusIngestionOptions) {
    const { metrics, logger, pool } = options;
    this.rejections = new StatusRejections({ logger, ignored: metrics.statusIgnored });
    this.batcher = new AckBatcher<StatusReport, StatusBatchResult>({
      batchSize: options.batchSize,
      flushIntervalMs: options.flushIntervalMs,
      logger,
      itemName: 'status report',
      apply: async (reports) => {
        const recorded = await recordStatusReports(pool, reports);
        return { recorded, boots: await decideBootsOf(pool, recorded.stored) };
      },
      onApplied: ({ recorded, boots }, _size, reports) => {
        metrics.statusStored.inc(recorded.stored.length);
        this.rejections.unstored(reports, recorded.known, recorded.stored);
        this.reportBoots(boots);
      },
    });
  }

  /** One message from a `vehicles/{id}/status` topic. */
  add(incoming: IncomingAck): void {
    this.options.metrics.statusReceived.inc();
    const parsed = parseStatus(incoming.topic, incoming.payload);
    if (!parsed.ok) {
      this.rejections.invalid(parsed.problem, incoming.topic, incoming.brokerId);
      incoming.release();
      return;
    }
    this.batcher.add({ ack: parsed.report, release: incoming.release });
  }

  /** Counts and logs verdicts, and tells progress which campaigns changed. */
  reportBoots(boots: readonly DecidedBoot[]): void {
    if (boots.length === 0) return;
    for (const boot of boots) {
      this.options.metrics.bootsDecided.inc({ outcome: boot.outcome });
      if (boot.outcome === 'failed')
        this.options.logger.info(
          { vehicleId: boot.vehicleId, campaignId: boot.campaignId, reason: boot.reason },
          'healthy boot not confirmed',
        );
    }
    this.options.onChanged(new Set(boots.map((b) => b.campaignId)));
  }

  async close(): Promise<void> {
    await this.batcher.close();
    this.rejections.close();
  }
}
