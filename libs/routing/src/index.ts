export {
  rendezvousPick,
  rendezvousRank,
  rendezvousScore,
  unitHash,
  type Weighted,
} from './rendezvous.js';
export {
  EdgeTopology,
  type EdgeBrokerInfo,
  type EdgePoolInfo,
  type EdgeState,
} from './edge-topology.js';
export { chooseBroker, rankBrokers } from './choose-broker.js';
export {
  StickyAssignments,
  type RoutingFallback,
  type StickyAssignmentsOptions,
} from './sticky-assignments.js';
export { PresenceStore, type Presence, type PresenceStoreOptions } from './presence-store.js';
export { PresenceWriter, type PresenceWriterOptions } from './presence-writer.js';
export {
  NoActivePool,
  RoutingError,
  RoutingUnavailable,
  UnknownPool,
  UnknownVehicle,
  type RoutingErrorCode,
} from './routing-error.js';
