import { randomUUID, sign } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { MosquittoBroker } from '@roadcast/testing';
import {
  ackTopic,
  noticeTopic,
  type Ack,
  type LegacyNotice,
  type Notice,
  type NoticeProof,
} from '@roadcast/contracts';
import {
  canonicalize,
  generateSigningKeyPair,
  loadSigningKey,
  signNoticeBatch,
  type SigningKey,
} from '@roadcast/signing';

/** A signing key and the trusted-key map a vehicle would be configured with. */
export function testSigner(keyId = 'test-key'): {
  key: SigningKey;
  publicKeyPem: string;
  trustedKeys: Map<string, string>;
} {
  const pair = generateSigningKeyPair(keyId);
  return {
    key: loadSigningKey(pair.privateKeyPem, keyId),
    publicKeyPem: pair.publicKeyPem,
    trustedKeys: new Map([[keyId, pair.publicKeyPem]]),
  };
}

/** A notice and the payload the platform sends for it. */
export type TestNotice = Notice & { payload: Buffer };

export function noticeFor(vehicleId: string, overrides: Partial<Notice> = {}): Notice {
  const now = Date.now();
  return {
    noticeId: randomUUID(),
    campaignId: randomUUID(),
    vehicleId,
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
  };
}

/** Signs notices as one batch, as the bridge does for the vehicles of one broker. */
export function signBatch(key: SigningKey, notices: Notice[]): TestNotice[] {
  const payloads = signNoticeBatch(notices, key);
  return notices.map((n, i) => ({ ...n, payload: payloads[i]! }));
}

/** A notice for one vehicle, signed as a batch of one. */
export function makeNotice(
  key: SigningKey,
  vehicleId: string,
  overrides: Partial<Notice> = {},
): TestNotice {
  return signBatch(key, [noticeFor(vehicleId, overrides)])[0]!;
}

/** A notice of the legacy per-notice format (no vehicle id), as platforms sent before batches. */
export function makeLegacyNotice(
  key: SigningKey,
  overrides: Partial<LegacyNotice> = {},
): LegacyNotice {
  const { vehicleId: _vehicleId, ...content } = noticeFor('unused');
  const unsigned = { ...content, keyId: key.keyId, ...overrides };
  const signature = sign(null, Buffer.from(canonicalize(unsigned)), key.privateKey);
  return { ...unsigned, signature: signature.toString('base64url') };
}

/** The notice with its payload rewritten as text, e.g. to change a signed field. */
export function withPayload(notice: TestNotice, change: (payload: string) => string): TestNotice {
  return { ...notice, payload: Buffer.from(change(notice.payload.toString('utf8'))) };
}

/** The notice with its proof replaced, laid out as the platform lays it out. */
export function withProof(
  notice: TestNotice,
  change: (proof: NoticeProof) => Record<string, unknown>,
): TestNotice {
  return withPayload(notice, (text) => {
    const at = text.indexOf(',"proof":');
    const proof = JSON.parse(text.slice(at + ',"proof":'.length, -1)) as NoticeProof;
    return `${text.slice(0, at)},"proof":${canonicalize(change(proof))}}`;
  });
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

  async publish(
    vehicleId: string,
    payload: TestNotice | LegacyNotice | Buffer | string,
  ): Promise<void> {
    const body =
      typeof payload === 'string' || Buffer.isBuffer(payload)
        ? payload
        : 'payload' in payload
          ? payload.payload
          : JSON.stringify(payload);
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
