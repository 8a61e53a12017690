import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { dialBroker, encodePacket } from '@roadcast/mqtt';
import type { BrokerCredentials } from '@roadcast/testing';
import { connectPacket } from '../load/mqtt5-packets.js';
import type { PublishRateOptions, PublishRateResult } from './qos1-publish-rate.js';

/**
 * The broker's QoS 1 ceiling rather than a client's: every PUBLISH is encoded before the
 * measurement (one template per topic, packet id patched in), sent in batches on a raw socket,
 * and PUBACKs are only counted. What is left per message is a copy, a write and a few bytes
 * read, so the figure is what Mosquitto can acknowledge, not what MQTT.js can produce.
 */

const PUBACK = 4;
const CONNACK = 2;
/** PUBACK reason codes below 0x80 are successes; 0x10 is "no matching subscribers". */
const FAILURE = 0x80;

interface Template {
  bytes: Buffer;
  /** Offset of the two-byte packet id. */
  idAt: number;
}

function encodeTemplates(count: number, payload: Buffer): Template[] {
  return Array.from({ length: count }, (_, i) => {
    const topic = `vehicles/bench-${i}/ota/notices`;
    const bytes = encodePacket(
      {
        cmd: 'publish',
        topic,
        payload,
        qos: 1,
        dup: false,
        retain: false,
        messageId: 0x1234,
        properties: { messageExpiryInterval: 3600, userProperties: { noticeId: String(i) } },
      },
      5,
    );
    let header = 1;
    while ((bytes[header] as number) & 0x80) header += 1;
    // Fixed header, remaining length, topic length and topic; then the packet id.
    const idAt = header + 1 + 2 + Buffer.byteLength(topic);
    if (bytes.readUInt16BE(idAt) !== 0x1234) throw new Error('packet id not where expected');
    return { bytes, idAt };
  });
}

/** Reads whole MQTT frames from a byte stream and hands each frame's type and body on. */
class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer, frame: (type: number, body: Buffer) => void): void {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    for (;;) {
      if (buf.length - at < 2) break;
      let length = 0;
      let multiplier = 1;
      let i = at + 1;
      let complete = false;
      for (; i < buf.length && i < at + 5; i += 1) {
        const byte = buf[i] as number;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || buf.length < i + 1 + length) break;
      frame((buf[at] as number) >> 4, buf.subarray(i + 1, i + 1 + length));
      at = i + 1 + length;
    }
    buf = buf.subarray(at);
    this.pending = buf.length > 0 ? Buffer.from(buf) : Buffer.alloc(0);
  }
}

/** The session's opening is libs/mqtt's handshake; what is measured is the write loop below. */
async function openSession(
  url: string,
  clientId: string,
  login: BrokerCredentials,
): Promise<{ socket: Socket; receiveMaximum: number }> {
  const { socket, connack, framer, following } = await dialBroker({
    url,
    connect: connectPacket(clientId, { login }),
    protocolVersion: 5,
    timeoutMs: 10_000,
    maxPacketSize: 1024,
  });
  if (connack.reasonCode) {
    socket.destroy();
    throw new Error(`CONNACK reason 0x${connack.reasonCode.toString(16)}`);
  }
  // A clean session with nothing published yet has nothing behind its CONNACK.
  if (following.length > 0 || framer.pendingBytes > 0) {
    socket.destroy();
    throw new Error('the broker sent packets before any publish');
  }
  // Handed over paused: reading resumes once the measurement's reader is attached.
  return { socket, receiveMaximum: connack.properties?.receiveMaximum ?? 65_535 };
}

/** Same contract as `measurePublishRate()`, with the pre-encoded writer (no latencies). */
export async function measurePreencodedRate(
  options: PublishRateOptions,
): Promise<PublishRateResult> {
  const templates = encodeTemplates(options.topics ?? 1000, randomBytes(options.payloadBytes));
  const sessions = await Promise.all(
    Array.from({ length: options.clients }, (_, i) =>
      openSession(
        options.url,
        `bench-preencoded-${i}-${randomBytes(3).toString('hex')}`,
        options.credentials,
      ),
    ),
  );
  let phase: 'warmup' | 'measure' | 'stop' = 'warmup';
  let acknowledged = 0;
  let failure: Error | undefined;
  let sequence = 0;
  let packetId = 0;

  /** `count` PUBLISH packets in one buffer, one write. */
  const batch = (count: number): Buffer => {
    const parts: Template[] = [];
    let size = 0;
    for (let i = 0; i < count; i += 1) {
      const t = templates[sequence++ % templates.length] as Template;
      parts.push(t);
      size += t.bytes.length;
    }
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (const t of parts) {
      t.bytes.copy(out, at);
      packetId = packetId >= 65_535 ? 1 : packetId + 1;
      out.writeUInt16BE(packetId, at + t.idAt);
      at += t.bytes.length;
    }
    return out;
  };

  try {
    for (const { socket, receiveMaximum } of sessions) {
      const reader = new FrameReader();
      socket.on('error', (err) => (failure ??= err));
      socket.on(
        'close',
        () => (failure ??= phase === 'stop' ? undefined : new Error('broker closed')),
      );
      socket.on('data', (chunk: Buffer) => {
        let acks = 0;
        reader.push(chunk, (type, body) => {
          if (type === CONNACK) return;
          if (type !== PUBACK) {
            failure ??= new Error(`unexpected packet type ${type}`);
            return;
          }
          const reason = body.length > 2 ? (body[2] as number) : 0;
          if (reason >= FAILURE) failure ??= new Error(`PUBACK reason 0x${reason.toString(16)}`);
          acks += 1;
        });
        if (phase === 'measure') acknowledged += acks;
        if (acks > 0 && phase !== 'stop' && !failure) socket.write(batch(acks));
      });
      socket.resume();
      socket.write(batch(Math.min(options.window, receiveMaximum)));
    }
    await sleep(options.warmupMs);
    phase = 'measure';
    options.onMeasureStart?.();
    const start = performance.now();
    while (performance.now() - start < options.measureMs && !failure) {
      await sleep(Math.min(250, options.measureMs - (performance.now() - start)));
      options.onProgress?.(
        Math.min(options.measureMs, performance.now() - start),
        options.measureMs,
      );
    }
    const elapsedMs = performance.now() - start;
    const counted = acknowledged;
    phase = 'stop';
    options.onMeasureEnd?.();
    if (failure) throw failure;
    return {
      rate: (counted / elapsedMs) * 1000,
      acknowledged: counted,
      elapsedMs,
      latenciesMs: [],
    };
  } finally {
    phase = 'stop';
    for (const { socket } of sessions) socket.destroy();
  }
}
