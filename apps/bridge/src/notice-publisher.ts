import type { Logger } from 'pino';
import type { NoticeType } from '@roadcast/contracts';
import type { SigningKey } from '@roadcast/signing';
import type { EdgeBrokerInfo } from '@roadcast/routing';
import { NO_MATCHING_SUBSCRIBERS } from './broker-link.js';
import type { BrokerLinks } from './broker-links.js';
import type { BrokerResolver } from './broker-resolver.js';
import { BridgeError } from './bridge-errors.js';
import type { BridgeMetrics } from './bridge-metrics.js';
import type { DeliveryToPublish, PublishOutcome } from './delivery-store.js';
import { buildNoticeBatch } from './notice-factory.js';

export interface PublishFailure {
  id: number;
  brokerId: string | undefined;
  error: string;
}

export interface PublishReport {
  outcomes: PublishOutcome[];
  failures: PublishFailure[];
}

export interface NoticePublisherOptions {
  resolver: BrokerResolver;
  links: BrokerLinks;
  key: SigningKey;
  metrics: BridgeMetrics;
  logger: Logger;
  /** How long a publish waits for a link that is still connecting. */
  connectWaitMs: number;
}

/**
 * Publishes one notice per delivery to each vehicle's edge broker. Deliveries are split by
 * broker and every broker's share runs on its own, so a broker that is down or slow fails
 * only its own share (quickly, once its circuit is open) while the others complete.
 */
export class NoticePublisher {
  private readonly options: NoticePublisherOptions;

  constructor(options: NoticePublisherOptions) {
    this.options = options;
  }

  async publish(
    deliveries: readonly DeliveryToPublish[],
    type: NoticeType,
  ): Promise<PublishReport> {
    const report: PublishReport = { outcomes: [], failures: [] };
    if (deliveries.length === 0) return report;
    const brokers = await this.options.resolver.resolve(deliveries.map((d) => d.vehicleId));
    const groups = new Map<string, { broker: EdgeBrokerInfo; deliveries: DeliveryToPublish[] }>();
    for (const d of deliveries) {
      const broker = brokers.get(d.vehicleId);
      if (!broker) {
        report.failures.push({ id: d.id, brokerId: undefined, error: 'ROADCAST_ERR_NO_BROKER' });
        continue;
      }
      const group = groups.get(broker.id) ?? { broker, deliveries: [] };
      group.deliveries.push(d);
      groups.set(broker.id, group);
    }
    await Promise.all(
      [...groups.values()].map((g) => this.publishToBroker(g.broker, g.deliveries, type, report)),
    );
    const m = this.options.metrics.notices;
    const published = report.outcomes.filter((o) => o.state === 'published').length;
    if (published) m.inc({ type, result: 'published' }, published);
    if (report.outcomes.length - published)
      m.inc({ type, result: 'parked' }, report.outcomes.length - published);
    if (report.failures.length) m.inc({ type, result: 'failed' }, report.failures.length);
    return report;
  }

  private async publishToBroker(
    broker: EdgeBrokerInfo,
    deliveries: readonly DeliveryToPublish[],
    type: NoticeType,
    report: PublishReport,
  ): Promise<void> {
    const { link, breaker } = this.options.links.get(broker);
    const failAll = (error: string) => {
      for (const d of deliveries) report.failures.push({ id: d.id, brokerId: broker.id, error });
    };
    if (!breaker.tryAcquire()) return failAll('ROADCAST_ERR_BROKER_UNAVAILABLE: circuit open');
    if (!(await link.waitConnected(this.options.connectWaitMs))) {
      breaker.failure();
      this.options.logger.warn(
        { brokerId: broker.id, deliveries: deliveries.length },
        'edge broker unavailable',
      );
      return failAll('ROADCAST_ERR_BROKER_UNAVAILABLE: not connected');
    }
    const notices = await buildNoticeBatch(deliveries, type, this.options.key);
    let brokerFailed = false;
    await Promise.all(
      notices.map(async (notice) => {
        const d = notice.delivery;
        try {
          const stopTimer = this.options.metrics.puback.startTimer({ broker: broker.id });
          const reason = await link.publish(notice.topic, notice.payload, notice.properties);
          stopTimer();
          report.outcomes.push({
            id: d.id,
            state: reason === NO_MATCHING_SUBSCRIBERS ? 'parked' : 'published',
            brokerId: broker.id,
          });
        } catch (err) {
          const code = err instanceof BridgeError ? err.code : 'ROADCAST_ERR_PUBLISH_FAILED';
          if (!(err instanceof BridgeError) || err.code !== 'ROADCAST_ERR_PUBLISH_REFUSED')
            brokerFailed = true;
          report.failures.push({
            id: d.id,
            brokerId: broker.id,
            error: `${code}: ${(err as Error).message}`,
          });
        }
      }),
    );
    if (brokerFailed) {
      breaker.failure();
      this.options.logger.warn(
        { brokerId: broker.id, state: breaker.state },
        'edge broker publish failures',
      );
    } else {
      breaker.success();
    }
  }
}
