/** Errors of the bridge's publishing path, coded like every Roadcast error. */
export const BRIDGE_ERRORS = {
  ROADCAST_ERR_BROKER_UNAVAILABLE: 'the edge broker is not connected or its circuit is open',
  ROADCAST_ERR_PUBLISH_TIMEOUT: 'the edge broker did not acknowledge in time',
  ROADCAST_ERR_PUBLISH_REFUSED: 'the edge broker refused the notice',
  ROADCAST_ERR_NO_BROKER: 'no active edge broker for the vehicle',
  ROADCAST_ERR_LINK_CLOSED: 'the connection closed before the broker acknowledged',
} as const;
export type BridgeErrorCode = keyof typeof BRIDGE_ERRORS;

export class BridgeError extends Error {
  readonly code: BridgeErrorCode;
  /** The MQTT reason code when the broker answered with one. */
  readonly reasonCode: number | undefined;

  constructor(code: BridgeErrorCode, detail?: string, reasonCode?: number) {
    super(detail ? `${BRIDGE_ERRORS[code]}: ${detail}` : BRIDGE_ERRORS[code]);
    this.name = 'BridgeError';
    this.code = code;
    this.reasonCode = reasonCode;
  }
}
