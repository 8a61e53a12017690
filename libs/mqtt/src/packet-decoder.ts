import * as mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { PacketReaderError, PacketType, type RawPacket } from './packet-framer.js';

export type DecodeVersion = 3 | 4 | 5;

// One parser per protocol version for the whole process: a framed packet is always whole,
// so each parse completes synchronously and leaves the parser ready for the next.
const parsers = new Map<DecodeVersion, ReturnType<typeof mqttPacket.parser>>();
// Where the parser's synchronous events leave their result.
const result: { packet: Packet | undefined; error: Error | undefined } = {
  packet: undefined,
  error: undefined,
};

function takeResult(): { packet: Packet | undefined; error: Error | undefined } {
  const taken = { packet: result.packet, error: result.error };
  result.packet = undefined;
  result.error = undefined;
  return taken;
}

function parserFor(version: DecodeVersion): ReturnType<typeof mqttPacket.parser> {
  let parser = parsers.get(version);
  if (!parser) {
    parser = mqttPacket.parser({ protocolVersion: version });
    parser.on('packet', (packet: Packet) => (result.packet = packet));
    parser.on('error', (err: Error) => (result.error ??= err));
    parsers.set(version, parser);
  }
  // Decoding a CONNECT replaces the settings with that packet; every decode starts afresh.
  (parser as unknown as { settings: object }).settings = { protocolVersion: version };
  return parser;
}

/**
 * Decodes one whole packet with mqtt-packet, for the packets the router must understand
 * (CONNECT, SUBSCRIBE, …). Throws PacketReaderError `malformed` for anything it refuses.
 */
export function decodePacket(raw: Buffer, protocolVersion: DecodeVersion): Packet {
  const parser = parserFor(protocolVersion);
  takeResult();
  parser.parse(raw);
  const { packet, error } = takeResult();
  if (error) throw new PacketReaderError('malformed', error.message);
  if (!packet) throw new PacketReaderError('malformed', 'incomplete packet');
  return packet;
}

/** What the relay needs of a PUBLISH: its topic and packet id, read without decoding the rest. */
export interface PublishHeader {
  topic: string;
  qos: 0 | 1 | 2;
  /** Absent for QoS 0. */
  messageId: number | undefined;
  /** 5.0: the packet carries properties (a topic alias among them, perhaps); decode it whole. */
  hasProperties: boolean;
}

function malformed(message: string): PacketReaderError {
  return new PacketReaderError('malformed', message);
}

/**
 * Reads a PUBLISH's topic name and packet id from its variable header. The topic is decoded
 * as mqtt-packet does (lenient UTF-8: invalid sequences become U+FFFD, which the topic
 * rules refuse), so both paths judge a topic alike.
 */
export function readPublishHeader(
  packet: RawPacket,
  protocolVersion: DecodeVersion,
): PublishHeader {
  const { raw } = packet;
  let at = packet.bodyOffset;
  if (at + 2 > raw.length) throw malformed('Cannot parse topic');
  const length = raw.readUInt16BE(at);
  at += 2;
  if (at + length > raw.length) throw malformed('Cannot parse topic');
  const topic = raw.toString('utf8', at, at + length);
  at += length;
  const qos = ((raw[0]! >> 1) & 0x03) as 0 | 1 | 2;
  let messageId: number | undefined;
  if (qos > 0) {
    if (at + 2 > raw.length) throw malformed('Cannot parse messageId');
    messageId = raw.readUInt16BE(at);
    at += 2;
  }
  // A properties length of 0 (one zero byte) is the common case and needs no decoding.
  const hasProperties = protocolVersion === 5 && at < raw.length && raw[at] !== 0;
  return { topic, qos, messageId, hasProperties };
}

/**
 * A PUBACK, PUBREC, PUBREL or PUBCOMP of the plain form: packet id only, or packet id and
 * reason code 0x00 (5.0). Anything longer carries a reason code or properties to check.
 */
export function isPlainAcknowledgement(packet: RawPacket): boolean {
  const remaining = packet.raw.length - packet.bodyOffset;
  return remaining === 2 || (remaining === 3 && packet.raw[packet.bodyOffset + 2] === 0);
}

/** The packet id of a packet that starts its variable header with one (SUBACK, PUBACK, …). */
export function packetIdOf(packet: RawPacket): number | undefined {
  const at = packet.bodyOffset;
  return at + 2 <= packet.raw.length ? packet.raw.readUInt16BE(at) : undefined;
}

/**
 * The protocol level a CONNECT declares, read from its first bytes (fixed header, protocol
 * name, level) before the rest has arrived, so a connection that will be refused anyway is
 * answered in its own version without buffering its CONNECT. `pending`: more bytes needed;
 * `invalid`: not the start of a CONNECT.
 */
export function connectProtocolLevel(prefix: Buffer): number | 'pending' | 'invalid' {
  if (prefix.length === 0) return 'pending';
  if (prefix[0]! >> 4 !== PacketType.connect || (prefix[0]! & 0x0f) !== 0) return 'invalid';
  let at = 1;
  for (; ; at++) {
    if (at >= prefix.length) return 'pending';
    if ((prefix[at]! & 0x80) === 0) break;
    if (at === 4) return 'invalid';
  }
  at += 1;
  if (at + 2 > prefix.length) return 'pending';
  const nameLength = prefix.readUInt16BE(at);
  if (nameLength !== 4 && nameLength !== 6) return 'invalid';
  at += 2;
  if (at + nameLength + 1 > prefix.length) return 'pending';
  const name = prefix.toString('latin1', at, at + nameLength);
  if (name !== 'MQTT' && name !== 'MQIsdp') return 'invalid';
  const level = prefix[at + nameLength]!;
  // Bridge mode sets the top bit of the level; the level itself is below it.
  return level & 0x7f;
}
