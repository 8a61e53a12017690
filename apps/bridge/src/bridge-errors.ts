import type { RoadcastErrorCode } from '@roadcast/contracts';

/** Why the bridge could not publish a delivery; each code's meaning is in the error table. */
export type PublishFailureCode = Extract<
  RoadcastErrorCode,
  | 'ROADCAST_ERR_NO_BROKER'
  | 'ROADCAST_ERR_BROKER_UNAVAILABLE'
  | 'ROADCAST_ERR_PUBLISH_TIMEOUT'
  | 'ROADCAST_ERR_PUBLISH_REFUSED'
  | 'ROADCAST_ERR_LINK_CLOSED'
>;

/** What a delivery's last error records: the code, then what failed where there is more to say. */
export function publishFailure(code: PublishFailureCode, detail?: string): string {
  return detail ? `${code}: ${detail}` : code;
}
