import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { IngestReply } from '@roadcast/contracts';
import { CampaignError, createCampaign, type PipelineDeps } from '@roadcast/campaigns';
import type { BrokerCredentials } from '../broker-credentials.js';
import { parseIngestMessage } from './ingest-reply.js';

export interface CampaignIngestOptions {
  url: string;
  topic: string;
  /** Where answers go when a request names no reply topic. */
  defaultReplyTopic: string;
  clientId: string;
  /** The bridge's identity on the core broker; overrides credentials in the URL. */
  credentials?: BrokerCredentials;
  pipeline: PipelineDeps;
  logger: Logger;
  /** Session kept by the core broker while the bridge is away (seconds). */
  sessionExpirySeconds?: number;
}

export interface CampaignIngest {
  client: MqttClient;
  close(): Promise<void>;
}

/**
 * Consumes campaign requests from the core broker with a persistent QoS 1 subscription.
 * A request is acknowledged only after the campaign exists (or the request was answered as
 * invalid), so a crash in between makes the broker deliver it again, and the request id
 * makes that second delivery return the same campaign.
 */
export function startCampaignIngest(options: CampaignIngestOptions): CampaignIngest {
  const { logger } = options;
  let closed = false;
  const client = mqtt.connect(options.url, {
    protocolVersion: 5,
    clientId: options.clientId,
    ...options.credentials,
    clean: false,
    properties: { sessionExpiryInterval: options.sessionExpirySeconds ?? 7 * 24 * 3600 },
    reconnectPeriod: 1_000,
    connectTimeout: 5_000,
    resubscribe: true,
  });
  client.on('connect', (connack) => {
    logger.info(
      { topic: options.topic, sessionPresent: connack.sessionPresent },
      'ingest connected to core broker',
    );
    client.subscribe(options.topic, { qos: 1 }, (err) => {
      if (err)
        logger.error({ err: err.message, topic: options.topic }, 'ingest subscription failed');
    });
  });
  client.on('error', (err) => logger.warn({ err: err.message }, 'core broker connection error'));

  // The reply is queued, not awaited: its PUBACK arrives on this connection, whose packets
  // wait until the request being handled is acknowledged. MQTT.js re-sends it on reconnect.
  const reply = (topic: string, body: IngestReply, packet: IPublishPacket) => {
    const correlationData = packet.properties?.correlationData;
    client.publish(
      topic,
      JSON.stringify(body),
      {
        qos: 1,
        properties: {
          contentType: 'application/json',
          ...(correlationData ? { correlationData } : {}),
        },
      },
      (err) => {
        if (err)
          logger.warn(
            { err: err.message, requestId: body.requestId },
            'ingest reply not delivered',
          );
      },
    );
  };

  const handle = async (packet: IPublishPacket): Promise<void> => {
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const parsed = parseIngestMessage(payload);
    const responseTopic = packet.properties?.responseTopic;
    if (!parsed.ok) {
      const topic = parsed.replyTo ?? responseTopic ?? options.defaultReplyTopic;
      logger.warn(
        { requestId: parsed.reply.requestId, code: parsed.reply.code, replyTo: topic },
        'invalid campaign request',
      );
      reply(topic, parsed.reply, packet);
      return;
    }
    const { requestId, replyTo, ...request } = parsed.request;
    const topic = replyTo ?? responseTopic ?? options.defaultReplyTopic;
    let answer: IngestReply;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { campaign, replayed } = await createCampaign(options.pipeline, request, {
          createdBy: 'ingest',
          requestId,
          idempotencyKey: requestId,
        });
        logger.info({ requestId, campaignId: campaign.id, replayed }, 'campaign request accepted');
        answer = {
          ok: true,
          requestId,
          campaignId: campaign.id,
          status: campaign.status,
          total: campaign.total,
        };
        break;
      } catch (err) {
        if (err instanceof CampaignError) {
          logger.warn({ requestId, code: err.code }, 'campaign request refused');
          answer = { ok: false, requestId, code: err.code, message: err.message };
          break;
        }
        // Storage trouble: keep the request unacknowledged and try again.
        if (closed) throw err;
        logger.error(
          { requestId, attempt, err: (err as Error).message },
          'campaign request failed; retrying',
        );
        await sleep(Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)));
      }
    }
    reply(topic, answer, packet);
  };

  client.handleMessage = (packet, done) => {
    if (packet.topic !== options.topic && !topicMatches(options.topic, packet.topic)) {
      done();
      return;
    }
    handle(packet).then(
      () => done(),
      (err: unknown) => done(err as Error),
    );
  };

  return {
    client,
    async close() {
      closed = true;
      await client.endAsync().catch(() => undefined);
    },
  };
}

/** MQTT topic filter match with `+` and `#`. */
function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i += 1) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}
