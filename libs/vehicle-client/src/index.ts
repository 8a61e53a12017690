export {
  VehicleClient,
  type CancelledUpdate,
  type RejectedNotice,
  type VehicleClientEvents,
  type VehicleClientOptions,
} from './vehicle-client.js';
export { MemoryNoticeStore, type NoticeRecord, type NoticeStore } from './notice-store.js';
export { FileNoticeStore } from './file-notice-store.js';
export {
  checkNotice,
  type NoticeCheck,
  type NoticeCheckOptions,
  type RejectReason,
} from './notice-check.js';
export { compareVersions } from './version-order.js';
export { ReconnectBackoff, type BackoffOptions } from './reconnect-backoff.js';
export {
  SimulatedFleet,
  type FleetStats,
  type SimulatedFleetOptions,
  type SimulatedVehicleIdentity,
  type TunnelModel,
} from './simulation/simulated-fleet.js';
export {
  SimulatedVehicle,
  type VehicleBehaviour,
  type VehicleOutcome,
} from './simulation/simulated-vehicle.js';
export { between, seededRandom } from './simulation/seeded-random.js';
