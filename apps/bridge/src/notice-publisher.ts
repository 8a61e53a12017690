import type { Logger } from 'pino';
import type { NoticeType } from '@roadcast/contracts';
import {
  encodePublishBatch,
  MqttClientError,
  PUBLISH_TIMED_OUT,
  type PublishBatch,
} from '@roadcast/mqtt';
import type { SigningKey } from '@roadcast/signing';
import type { EdgeBrokerInfo } from '@roadcast/routing';
import { NO_MATCHING_SUBSCRIBERS } from './broker-link.js';
import type { BrokerLinks } from './broker-links.js';
import type { BrokerResolver } from './broker-resolver.js';
import type { BridgeMetrics } from './bridge-metrics.js';
import type { DeliveryToPublish } from './delivery-store.js';
import { buildNoticeBatch, type OutgoingNotice } from './notice-factory.js';
import { PublishReport } from './publish-report.js';
import { publishFailure } from './bridge-errors.js';

export interface NoticePublisherOptions {
  resolver: BrokerResolver;
  links: BrokerLinks;
  key: SigningKey;
  metrics: BridgeMetrics;
  logger: Logger;
  /** How long a publish waits for a link that is still connecting. */
  connectWaitMs: number;
}

/** Publishes refused by the broker (reason ≥ 0x80) are the notice's problem, not the broker's. */
const REFUSED = 0x80;

/**
 * Publishes one notice per delivery to each vehicle's edge broker. Deliveries are split by
 * broker and every broker's share runs on its own, as one pre-encoded batch, so a broker
 * that is down or slow fails only its own share (quickly, once its circuit is open) while
 * the others complete.
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
    const report = new PublishReport(deliveries);
    if (deliveries.length === 0) return report;
    const brokers = await this.options.resolver.resolve(deliveries);
    const groups = new Map<string, { broker: EdgeBrokerInfo; indexes: number[] }>();
    for (let i = 0; i < deliveries.length; i += 1) {
      const broker = brokers[i];
      if (!broker) {
        report.fail(i, undefined, publishFailure('ROADCAST_ERR_NO_BROKER'));
        continue;
      }
      const group = groups.get(broker.id);
      if (group) group.indexes.push(i);
      else groups.set(broker.id, { broker, indexes: [i] });
    }
    await Promise.all(
      [...groups.values()].map((g) =>
        this.publishToBroker(g.broker, g.indexes, deliveries, type, report),
      ),
    );
    const m = this.options.metrics.notices;
    if (report.published) m.inc({ type, result: 'published' }, report.published);
    if (report.parked) m.inc({ type, result: 'parked' }, report.parked);
    if (report.failed) m.inc({ type, result: 'failed' }, report.failed);
    return report;
  }

  private async publishToBroker(
    broker: EdgeBrokerInfo,
    indexes: number[],
    all: readonly DeliveryToPublish[],
    type: NoticeType,
    report: PublishReport,
  ): Promise<void> {
    const { link, breaker } = this.options.links.get(broker);
    const failAll = (error: string) => {
      for (const i of indexes) report.fail(i, broker.id, error);
    };
    if (!breaker.tryAcquire())
      return failAll(publishFailure('ROADCAST_ERR_BROKER_UNAVAILABLE', 'circuit open'));
    if (!(await link.waitConnected(this.options.connectWaitMs))) {
      breaker.failure();
      this.options.logger.warn(
        { brokerId: broker.id, deliveries: indexes.length },
        'edge broker unavailable',
      );
      return failAll(publishFailure('ROADCAST_ERR_BROKER_UNAVAILABLE', 'not connected'));
    }
    const notices = await buildNoticeBatch(
      indexes.map((i) => all[i]!),
      type,
      this.options.key,
    );
    const { batch, sendable } = encodeNotices(notices, indexes, broker.id, report);
    const codes = await link.publish(batch);
    let brokerFailed = false;
    for (let k = 0; k < codes.length; k += 1) {
      const code = codes[k]!;
      const i = sendable[k]!;
      if (code >= 0 && code < REFUSED) {
        report.accept(i, code === NO_MATCHING_SUBSCRIBERS ? 'parked' : 'published', broker.id);
      } else if (code >= REFUSED) {
        report.fail(
          i,
          broker.id,
          publishFailure('ROADCAST_ERR_PUBLISH_REFUSED', `reason 0x${code.toString(16)}`),
        );
      } else {
        brokerFailed = true;
        report.fail(
          i,
          broker.id,
          code === PUBLISH_TIMED_OUT
            ? publishFailure('ROADCAST_ERR_PUBLISH_TIMEOUT', broker.id)
            : publishFailure('ROADCAST_ERR_LINK_CLOSED', broker.id),
        );
      }
    }
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

/**
 * The notices as one batch of PUBLISH packets. A notice that cannot be a PUBLISH at all (a
 * vehicle id that makes an invalid topic) is refused on its own, and the rest still go.
 */
function encodeNotices(
  notices: readonly OutgoingNotice[],
  indexes: readonly number[],
  brokerId: string,
  report: PublishReport,
): { batch: PublishBatch; sendable: readonly number[] } {
  try {
    return { batch: encodePublishBatch(notices), sendable: indexes };
  } catch (err) {
    if (!(err instanceof MqttClientError)) throw err;
  }
  const good: OutgoingNotice[] = [];
  const sendable: number[] = [];
  notices.forEach((notice, k) => {
    try {
      encodePublishBatch([notice]);
      good.push(notice);
      sendable.push(indexes[k]!);
    } catch (err) {
      report.fail(
        indexes[k]!,
        brokerId,
        publishFailure('ROADCAST_ERR_PUBLISH_REFUSED', (err as Error).message),
      );
    }
  });
  return { batch: encodePublishBatch(good), sendable };
}
