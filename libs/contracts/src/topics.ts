/** Vehicle-side MQTT topics. Vehicle ids never contain `/`, `+` or `#`. */
export const noticeTopic = (vehicleId: string): string => `vehicles/${vehicleId}/ota/notices`;
export const ackTopic = (vehicleId: string): string => `vehicles/${vehicleId}/ota/acks`;
export const statusTopic = (vehicleId: string): string => `vehicles/${vehicleId}/status`;

/** Subscription filters the platform uses to collect every vehicle's acks and status. */
export const ACK_TOPIC_FILTER = 'vehicles/+/ota/acks';
export const STATUS_TOPIC_FILTER = 'vehicles/+/status';

/** The vehicle id of a `vehicles/{id}/…` topic, or undefined for any other topic. */
export function vehicleIdOfTopic(topic: string): string | undefined {
  const parts = topic.split('/');
  if (parts.length < 3 || parts[0] !== 'vehicles' || !parts[1]) return undefined;
  return parts[1];
}
