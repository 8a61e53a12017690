export {
  LegacyNotice,
  MAX_NOTICE_BATCH_SIZE,
  Notice,
  NoticeMessage,
  NoticeProof,
  NOTICE_TYPES,
  UpdateRef,
  type NoticeType,
} from './notice.js';
export {
  Ack,
  ACK_STATES,
  BOOT_HEALTH,
  VehicleStatus,
  type AckState,
  type BootHealth,
} from './ack.js';
export {
  ACK_TOPIC_FILTER,
  STATUS_TOPIC_FILTER,
  ackTopic,
  noticeTopic,
  statusTopic,
  vehicleIdOfTopic,
} from './topics.js';
export {
  DELIVERY_STATES,
  DELIVERY_STATE_RANK,
  FAILURE_DELIVERY_STATES,
  IN_PROGRESS_DELIVERY_STATES,
  MIN_REACHED_SHARE,
  NOT_REACHED_DELIVERY_STATES,
  OPEN_DELIVERY_STATES,
  REACHED_DELIVERY_STATES,
  SUCCESS_DELIVERY_STATES,
  TERMINAL_DELIVERY_STATES,
  TOLD_DELIVERY_STATES,
  UNACKNOWLEDGED_DELIVERY_STATES,
  isForwardTransition,
  isTerminalDeliveryState,
  type DeliveryStateName,
} from './delivery-state.js';
export {
  DEFAULT_RETRY_STATES,
  DELIVERY_OPERATIONS,
  RETRYABLE_DELIVERY_STATES,
  canTransition,
  sourcesOf,
  type DeliveryOperation,
  type DeliveryOperationName,
} from './delivery-transitions.js';
export {
  ACTIVE_CAMPAIGN_STATUSES,
  CAMPAIGN_OPERATIONS,
  CAMPAIGN_STATUSES,
  RETRY_CAMPAIGN_STATUSES,
  STARTED_WAVE_STATES,
  WAVE_OPERATIONS,
  WAVE_STATES,
  canChangeCampaign,
  canChangeWave,
  type CampaignOperationName,
  type CampaignStatusName,
  type StatusOperation,
  type WaveOperationName,
  type WaveStateName,
} from './campaign-lifecycle.js';
export {
  AutoRetryPolicy,
  CampaignOptions,
  CampaignSettings,
  FailureAction,
  HealthyBoot,
  MaintenanceWindow,
  RateLimit,
  RateRamp,
  RetryStateSchema,
  ThresholdBasis,
  type RetryStateName,
} from './campaign-options.js';
export { ISO_TIME_PATTERN, IsoTime, UUID_PATTERN, Uuid } from './primitives.js';
export {
  Campaign,
  CampaignCreateRequest,
  CampaignDetail,
  MaterializationProgress,
  CampaignList,
  CampaignListQuery,
  CampaignStatusSchema,
  CampaignTarget,
  Delivery,
  DeliveryCounts,
  DeliveryList,
  DeliveryListQuery,
  DeliveryStateSchema,
  MAX_TARGET_IDS,
  PauseRequest,
  RetryRequest,
  RetryResult,
  ReportedVersionFilter,
  Rollout,
  VEHICLE_ID_PATTERN,
  VehicleFilter,
  VehicleId,
  WaveApprovalRequest,
  WaveProgress,
  WaveSpec,
} from './campaign.js';
export { DEFAULT_INGEST_TOPIC, IngestCampaignRequest, IngestReply } from './ingest.js';
export { EVENT_TYPES, RoadcastEvent, type EventType } from './event.js';
export { ErrorBody } from './error.js';
export {
  MAX_VEHICLES_PER_REQUEST,
  OpenDelivery,
  PoolAssignmentRequest,
  Vehicle,
  VehicleBulkRequest,
  VehicleBulkResult,
  VehicleDetail,
  VehicleInput,
  VehicleList,
  VehicleListQuery,
  VehiclePresence,
} from './vehicle.js';
export {
  EdgeBroker,
  EdgeBrokerCreateRequest,
  EdgePool,
  EdgePoolCreateRequest,
  EdgePoolList,
  EdgeStateSchema,
  WeightChangeRequest,
} from './edge-pool.js';
export {
  API_ROLES,
  ApiKeyCreated,
  ApiKeyCreateRequest,
  ApiKeyInfo,
  ApiKeyList,
  ApiRoleSchema,
  type ApiRoleName,
} from './api-key.js';
export { PolicyHistory, PolicyReplaceRequest, PolicyVersion } from './router-policy.js';
export {
  ERROR_TABLE,
  RoadcastError,
  createError,
  httpStatusOf,
  isRoadcastError,
  mqttReasonOf,
  type ErrorEntry,
  type MqttErrorCode,
  type RoadcastErrorClass,
  type RoadcastErrorCode,
  type RoadcastErrorOptions,
  type TemplateArgs,
} from './roadcast-error.js';
export { Region, RegionId, RegionList, RegionUpdateRequest } from './region.js';
export { CompletionEstimate, EstimateBasis, WaveEstimate } from './completion-estimate.js';
export { AuditEntry, AuditList, AuditQuery } from './audit.js';
export {
  CampaignCompliance,
  ComponentId,
  ComponentInventory,
  ComponentInventoryQuery,
  ComponentList,
  ComponentParams,
  VehicleInventory,
} from './inventory.js';
