export { bullPrefix, JOBS, jobPriority, QUEUES, redisKeys, type JobName } from './names.js';
export {
  CancelNoticesJob,
  FanoutJob,
  MaterializeCampaignJob,
  parseJobData,
  RepublishJob,
  StartCampaignJob,
} from './jobs.js';
export { cappedExponentialBackoff, NOTICE_JOB_RETRY, type BackoffOptions } from './backoff.js';
export {
  appendEvent,
  EVENT_STREAM_MAX_LENGTH,
  lastEventId,
  readEventBatch,
  readEventRange,
  readEvents,
  type EventBatch,
  type StoredEvent,
} from './events.js';
export {
  chunk,
  createPipelineQueues,
  enqueueCampaignStart,
  enqueueCancelNotices,
  enqueueFanout,
  enqueueMaterialization,
  enqueueRepublish,
  type CampaignJobData,
  type NoticeJobData,
  type PipelineQueues,
} from './queues.js';
export { bullConnection } from './connection.js';
export {
  PaceBuckets,
  type LeaseResult,
  type Reservation,
  type TakeResult,
} from './pace-buckets.js';
