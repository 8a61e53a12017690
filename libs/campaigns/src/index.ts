export {
  CampaignError,
  CampaignNotFound,
  CampaignStateRefused,
  IdempotencyMismatch,
  InvalidCampaignOptions,
  InvalidTimeZone,
  InvalidCursor,
  InvalidRollout,
  InvalidSchedule,
  UnknownWave,
  type CampaignErrorCode,
} from './errors.js';
export {
  DEFAULT_CAMPAIGN_LIFETIME_MS,
  planCampaign,
  type CampaignPlan,
  type PlannedWave,
} from './campaign-plan.js';
export { planOptions, toSettings, type OptionColumns } from './campaign-options.js';
export { targetCondition } from './target-sql.js';
export { materializeDeliveries, recordWaveSizes } from './materialize.js';
export {
  DEFAULT_CHUNK_SIZES,
  materializeCampaign,
  resumeMaterializations,
  type MaterializeHooks,
  type MaterializeResult,
} from './materialize-campaign.js';
export {
  createCampaign,
  DEFAULT_INLINE_LIMIT,
  type CreateMeta,
  type CreateResult,
} from './create-campaign.js';

// The lifecycle: every campaign, wave and delivery transition (docs/decisions/0340).
export { approveWave, startCampaign, startWave } from './lifecycle/start-campaign.js';
export { pauseCampaign, resumeCampaign } from './lifecycle/campaign-control.js';
export { cancelCampaign, type CancelOutcome } from './lifecycle/cancel-campaign.js';
export {
  completeCampaign,
  expireCampaigns,
  type ExpiredCampaign,
} from './lifecycle/end-campaign.js';
export { awaitApproval, closeWaves, finishWave } from './lifecycle/wave-control.js';
export { holdForApproval } from './lifecycle/hold-for-approval.js';
export { approveWaitingWave } from './lifecycle/wave-approval.js';
export {
  retryCampaign,
  retryDue,
  retryDueDeliveries,
  type AutoRetryCampaign,
} from './lifecycle/retry-campaign.js';
export {
  StretchCursors,
  type DeliveryWindow,
  type WindowResult,
} from './deliveries/stretch-cursors.js';
export { enqueuePendingDeliveries, type DeliveryRange } from './lifecycle/enqueue-pending.js';
export {
  DYNAMIC_JOIN_LIMIT,
  joinDynamicCampaigns,
  type DynamicJoin,
} from './lifecycle/join-dynamic.js';
export {
  recordPublishOutcomes,
  type PublishOutcomes,
} from './deliveries/record-publish-outcomes.js';
export { applyAcks, type AckReport, type AppliedAck } from './deliveries/apply-acks.js';
export { noteResend } from './deliveries/note-resend.js';
export {
  timeOutDeliveries,
  timeOutSilentDeliveries,
  type TimedOutDelivery,
} from './deliveries/time-out-deliveries.js';
export {
  retryDeliveries,
  type RetrySelection,
  type RetryResult,
} from './deliveries/retry-deliveries.js';
export { verifyBoot, type BootVerdict } from './deliveries/verify-boot.js';
export { decideBootsOf, decideDueBoots, type DecidedBoot } from './deliveries/decide-boots.js';
export {
  recordStatusReports,
  type RecordedStatus,
  type StatusReport,
} from './inventory/record-status.js';
export {
  decideRollout,
  type CampaignProgress,
  type RolloutDecision,
  type WaveProgress,
} from './rollout/decide-rollout.js';
export { loadRunningCampaigns } from './rollout/load-rollouts.js';
export { advanceRollouts, type RolloutAction } from './rollout/advance-rollouts.js';
export { sqlList } from './transitions/state-sql.js';

export { getCampaignDetail, listCampaigns, listDeliveries } from './campaign-read.js';
export { decodeCursor, encodeCursor } from './cursor.js';
export { zeroCounts } from './campaign-row.js';
export type { MaterializationOptions, PipelineDeps } from './pipeline-deps.js';

// Pacing: rate and ramp-up, maintenance windows (docs/decisions/0347, 0348).
export { allowedPerMinute, type RampProgress, type RateColumns } from './pacing/rate-ramp.js';
export {
  isKnownTimeZone,
  localMinuteOfWeek,
  windowVerdict,
  type WindowSpec,
  type WindowVerdict,
} from './pacing/maintenance-windows.js';
export { listRegions, regionTimeZones, setRegionTimeZone } from './pacing/regions.js';
// Predicted completion (docs/decisions/0354).
export {
  accumulate,
  COMPLETION_METHOD,
  estimateCompletion,
  harmonic,
  observeRates,
  SETTLE_MS,
  type CampaignObservation,
  type PredictedWave,
  type PreviousObservation,
  type WaveObservation,
} from './estimates/completion-model.js';
export { refreshCompletionEstimates } from './estimates/refresh-estimates.js';
export { readCompletionEstimate } from './estimates/read-estimate.js';
