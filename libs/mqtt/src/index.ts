export { PacketReader, type FramedPacket, type PacketReaderOptions } from './packet-reader.js';
export {
  PACKET_TYPE_NAMES,
  PacketFramer,
  PacketReaderError,
  PacketType,
  remainingLengthBytes,
  type FrameHandler,
  type PacketReaderErrorCode,
  type PacketTypeName,
  type RawPacket,
} from './packet-framer.js';
export {
  connectProtocolLevel,
  decodePacket,
  isPlainAcknowledgement,
  packetIdOf,
  readPublishHeader,
  type DecodeVersion,
  type PublishHeader,
} from './packet-decoder.js';
export { MqttClientError, type MqttClientErrorCode } from './client-errors.js';
export { dialBroker, type BrokerHandshake, type DialBrokerOptions } from './broker-dial.js';
export { MqttSession, type MqttSessionHandlers } from './mqtt-session.js';
export type { ConnackInfo, MqttSessionOptions } from './session-handshake.js';
export {
  encodePublishBatch,
  type PublishBatch,
  type PublishProperties,
  type Qos1Message,
} from './publish-batch.js';
export {
  PUBLISH_LOST,
  PUBLISH_TIMED_OUT,
  Qos1Publisher,
  type Qos1PublisherOptions,
} from './qos1-publisher.js';
export {
  ConnackReturnCode,
  ReasonCode,
  SUBACK_FAILURE_V4,
  connackReturnCodeFor,
  type ReasonCodeName,
} from './reason-codes.js';
export { encodePacket, type ProtocolVersion } from './packet-encoder.js';
export { connackRefusal, disconnectWith, pubackWith, subackWith } from './replies.js';
export {
  filterCovered,
  isSharedSubscription,
  topicFilterProblem,
  topicMatches,
  topicNameProblem,
  type TopicProblem,
} from './topic-rules.js';
export type {
  IConnackPacket,
  IConnectPacket,
  IDisconnectPacket,
  IPublishPacket,
  ISubackPacket,
  ISubscribePacket,
  IUnsubscribePacket,
  Packet,
} from 'mqtt-packet';
