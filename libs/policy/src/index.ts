export {
  DEFAULT_ROLES,
  RolePolicy,
  RouterPolicyDocument,
  TopicPattern,
  type PolicyParseResult,
  type PolicyProblem,
  type RouterPolicy,
} from './policy-document.js';
export { defaultPolicy, parsePolicy } from './parse-policy.js';
export { NetworkList, normalizeAddress, parseCidr } from './network-list.js';
export { TokenBucket } from './token-bucket.js';
export { KeyedRateLimiter } from './keyed-rate-limiter.js';
export { AuthFailureBans, type BanSettings } from './auth-failure-bans.js';
export { ClientTopics, TopicPolicy, type TopicDecision } from './topic-policy.js';
