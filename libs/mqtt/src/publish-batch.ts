import { MqttClientError } from './client-errors.js';

/** The MQTT 5 PUBLISH properties a publisher sets (section 3.3.2.3), named as MQTT.js names them. */
export interface PublishProperties {
  /** 0x01: true says the payload is UTF-8. */
  payloadFormatIndicator?: boolean;
  /** 0x02: seconds the broker keeps the message for a session that is away. */
  messageExpiryInterval?: number;
  /** 0x03 */
  contentType?: string;
  /** 0x26, one pair per entry. */
  userProperties?: Readonly<Record<string, string>>;
}

export interface Qos1Message {
  topic: string;
  payload: Buffer;
  properties?: PublishProperties | undefined;
}

/**
 * QoS 1 PUBLISH packets encoded back to back in one buffer, so a run of them goes to the
 * socket as one write. Packet identifiers are left zero and written when each packet is
 * sent, since they are only known then.
 */
export interface PublishBatch {
  readonly buffer: Buffer;
  readonly count: number;
  /** Where packet i starts; `starts[count]` is the end of the last one. */
  readonly starts: Uint32Array;
  /** Where packet i's two-byte packet identifier sits. */
  readonly packetIdAt: Uint32Array;
}

const PUBLISH_QOS1 = 0x32;
const MAX_REMAINING_LENGTH = 268_435_455;
const MAX_UTF8 = 65_535;
const PROPERTY = {
  payloadFormatIndicator: 0x01,
  messageExpiryInterval: 0x02,
  contentType: 0x03,
  userProperty: 0x26,
} as const;

/** Bytes of a Variable Byte Integer (section 1.5.5). */
function variableByteIntegerLength(value: number): number {
  if (value < 128) return 1;
  if (value < 16_384) return 2;
  if (value < 2_097_152) return 3;
  return 4;
}

function writeVariableByteInteger(buffer: Buffer, value: number, offset: number): number {
  let v = value;
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) byte |= 0x80;
    buffer[offset++] = byte;
  } while (v > 0);
  return offset;
}

function utf8Length(value: string, what: string): number {
  const n = Buffer.byteLength(value, 'utf8');
  if (n > MAX_UTF8)
    throw new MqttClientError('ROADCAST_ERR_MQTT_INVALID_PUBLISH', `${what} over 65535 bytes`);
  return n;
}

function propertiesLength(p: PublishProperties | undefined): number {
  if (!p) return 0;
  let n = 0;
  if (p.payloadFormatIndicator !== undefined) n += 2;
  if (p.messageExpiryInterval !== undefined) {
    const v = p.messageExpiryInterval;
    if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff)
      throw new MqttClientError('ROADCAST_ERR_MQTT_INVALID_PUBLISH', 'message expiry out of range');
    n += 5;
  }
  if (p.contentType !== undefined) n += 3 + utf8Length(p.contentType, 'content type');
  if (p.userProperties) {
    for (const key in p.userProperties)
      n +=
        5 + utf8Length(key, 'user property') + utf8Length(p.userProperties[key]!, 'user property');
  }
  return n;
}

function checkTopic(topic: string): number {
  // [MQTT-3.3.2-2] no wildcards in a topic name; [MQTT-4.7.3-1] at least one character.
  if (topic.length === 0 || topic.includes('+') || topic.includes('#') || topic.includes('\0'))
    throw new MqttClientError('ROADCAST_ERR_MQTT_INVALID_PUBLISH', `topic name "${topic}"`);
  return utf8Length(topic, 'topic name');
}

function writeString(buffer: Buffer, value: string, offset: number): number {
  const n = buffer.write(value, offset + 2, 'utf8');
  buffer.writeUInt16BE(n, offset);
  return offset + 2 + n;
}

function writeProperties(buffer: Buffer, p: PublishProperties, offset: number): number {
  let at = offset;
  if (p.payloadFormatIndicator !== undefined) {
    buffer[at++] = PROPERTY.payloadFormatIndicator;
    buffer[at++] = p.payloadFormatIndicator ? 1 : 0;
  }
  if (p.messageExpiryInterval !== undefined) {
    buffer[at++] = PROPERTY.messageExpiryInterval;
    buffer.writeUInt32BE(p.messageExpiryInterval, at);
    at += 4;
  }
  if (p.contentType !== undefined) {
    buffer[at++] = PROPERTY.contentType;
    at = writeString(buffer, p.contentType, at);
  }
  if (p.userProperties) {
    for (const key in p.userProperties) {
      buffer[at++] = PROPERTY.userProperty;
      at = writeString(buffer, key, at);
      at = writeString(buffer, p.userProperties[key]!, at);
    }
  }
  return at;
}

/**
 * Encodes MQTT 5 QoS 1 PUBLISH packets (no DUP, no RETAIN) straight into one buffer: sizes
 * first, then one allocation and one pass of writes, no intermediate packet objects.
 */
export function encodePublishBatch(messages: readonly Qos1Message[]): PublishBatch {
  const count = messages.length;
  const starts = new Uint32Array(count + 1);
  const packetIdAt = new Uint32Array(count);
  const remainingLengths = new Uint32Array(count);
  const propertyLengths = new Uint32Array(count);
  let total = 0;
  for (let i = 0; i < count; i += 1) {
    const m = messages[i]!;
    const props = propertiesLength(m.properties);
    const remaining =
      2 + checkTopic(m.topic) + 2 + variableByteIntegerLength(props) + props + m.payload.length;
    if (remaining > MAX_REMAINING_LENGTH)
      throw new MqttClientError('ROADCAST_ERR_MQTT_INVALID_PUBLISH', 'packet over 256 MiB');
    propertyLengths[i] = props;
    remainingLengths[i] = remaining;
    starts[i] = total;
    total += 1 + variableByteIntegerLength(remaining) + remaining;
  }
  starts[count] = total;
  const buffer = Buffer.allocUnsafe(total);
  for (let i = 0; i < count; i += 1) {
    const m = messages[i]!;
    let at = starts[i]!;
    buffer[at++] = PUBLISH_QOS1;
    at = writeVariableByteInteger(buffer, remainingLengths[i]!, at);
    at = writeString(buffer, m.topic, at);
    packetIdAt[i] = at;
    buffer[at++] = 0;
    buffer[at++] = 0;
    at = writeVariableByteInteger(buffer, propertyLengths[i]!, at);
    if (m.properties) at = writeProperties(buffer, m.properties, at);
    m.payload.copy(buffer, at);
  }
  return { buffer, count, starts, packetIdAt };
}
