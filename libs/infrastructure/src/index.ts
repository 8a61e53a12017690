export { ChangeAnnouncements } from './change-announcements.js';
export {
  createSharedInfrastructure,
  DEFAULT_TOPOLOGY_REFRESH_MS,
  redisReady,
  type SharedInfrastructure,
  type SharedInfrastructureOptions,
} from './shared-infrastructure.js';
