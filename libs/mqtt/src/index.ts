export {
  PacketReader,
  PacketReaderError,
  remainingLengthBytes,
  type FramedPacket,
  type PacketReaderErrorCode,
  type PacketReaderOptions,
} from './packet-reader.js';
export {
  ConnackReturnCode,
  ReasonCode,
  SUBACK_FAILURE_V4,
  connackReturnCodeFor,
  type ReasonCodeName,
} from './reason-codes.js';
export {
  connackRefusal,
  disconnectWith,
  pubackWith,
  subackWith,
  type ProtocolVersion,
} from './replies.js';
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
  ISubscribePacket,
  IUnsubscribePacket,
  Packet,
} from 'mqtt-packet';
