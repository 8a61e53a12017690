/** The API's resources, typed from the shared contracts (types only: nothing is bundled). */
export type {
  Campaign,
  CampaignCreateRequest,
  CampaignDetail,
  CampaignList,
  CompletionEstimate,
  AuditEntry,
  AuditList,
  Delivery,
  DeliveryList,
  EdgePool,
  EdgeBroker,
  PolicyVersion,
  VehicleDetail,
  WaveProgress,
} from '@roadcast/contracts';
export type { ComponentInventory, ComponentList, VehicleInventory } from '@roadcast/contracts';
