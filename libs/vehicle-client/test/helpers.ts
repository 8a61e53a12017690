import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { ackTopic, noticeTopic, type Ack, type Notice } from '@roadcast/contracts';
import type { MosquittoBroker } from '@roadcast/testing';
import {
  generateSigningKeyPair,
  loadSigningKey,
  signNotice,
  type SigningKey,
} from '@roadcast/signing';

/** A signing key and the trusted-key map a vehicle would be configured with. */
export function testSigner(keyId = 'test-key'): {
  key: SigningKey;
  trustedKeys: Map<string, string>;
} {
  const pair = generateSigningKeyPair(keyId);
  return {
    key: loadSigningKey(pair.privateKeyPem, keyId),
    trustedKeys: new Map([[keyId, pair.publicKeyPem]]),
  };
}

export function makeNotice(
  key: SigningKey,
  overrides: Partial<Omit<Notice, 'signature' | 'keyId'>> = {},
): Notice {
  const now = Date.now();
  return signNotice(
    {
      noticeId: randomUUID(),
      campaignId: randomUUID(),
      type: 'update',
      update: {
        id: 'infotainment',
        version: '2.0.0',
        url: 'https://updates.example.com/infotainment-2.0.0.bin',
        sha256: 'a'.repeat(64),
        size: 1024,
      },
      priority: 0,
      issuedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 3_600_000).toISOString(),
      ...overrides,
    },
    key,
  );
}

/** The platform side of one broker: publishes notices and collects acks per vehicle. */
export class PlatformSide {
  readonly acks: Array<{ vehicleId: string; ack: Ack }> = [];
  private constructor(readonly client: MqttClient) {}

  /** Connects as a test observer: it publishes notices and reads acks, bridge and tracker in one. */
  static async connect(broker: MosquittoBroker): Promise<PlatformSide> {
    const client = await mqtt.connectAsync(broker.url, {
      ...broker.credentials('observer'),
      clientId: `platform-${randomUUID()}`,
      protocolVersion: 5,
      reconnectPeriod: 200,
    });
    const side = new PlatformSide(client);
    client.on('message', (topic, payload) => {
      side.acks.push({
        vehicleId: topic.split('/')[1] ?? '',
        ack: JSON.parse(payload.toString()) as Ack,
      });
    });
    await client.subscribeAsync(ackTopic('+'), { qos: 1 });
    return side;
  }

  async publish(vehicleId: string, payload: Notice | string): Promise<void> {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    await this.client.publishAsync(noticeTopic(vehicleId), body, { qos: 1 });
  }

  acksOf(noticeId: string): Ack[] {
    return this.acks.filter((a) => a.ack.noticeId === noticeId).map((a) => a.ack);
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}

/** Polls until the check passes or the deadline ends, then fails with the message. */
export async function eventually(
  check: () => boolean,
  message: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
