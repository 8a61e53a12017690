import { PacketReaderError } from './packet-framer.js';

/** Errors of Roadcast's own MQTT client side (sessions and publishers), one entry each. */
export const MQTT_CLIENT_ERRORS = {
  ROADCAST_ERR_MQTT_CONNECT_REFUSED: 'the broker refused the connection',
  ROADCAST_ERR_MQTT_CONNECT_TIMEOUT: 'the broker did not answer CONNECT in time',
  ROADCAST_ERR_MQTT_PROTOCOL: 'the broker broke the MQTT protocol',
  ROADCAST_ERR_MQTT_KEEPALIVE: 'the broker stopped answering keepalive pings',
  ROADCAST_ERR_MQTT_CLOSED: 'the connection to the broker closed',
  ROADCAST_ERR_MQTT_INVALID_PUBLISH: 'the message cannot be sent as an MQTT PUBLISH',
} as const;
export type MqttClientErrorCode = keyof typeof MQTT_CLIENT_ERRORS;

export class MqttClientError extends Error {
  readonly code: MqttClientErrorCode;
  /** The MQTT reason code when the broker gave one (CONNACK, DISCONNECT). */
  readonly reasonCode: number | undefined;

  constructor(code: MqttClientErrorCode, detail?: string, reasonCode?: number) {
    super(detail ? `${MQTT_CLIENT_ERRORS[code]}: ${detail}` : MQTT_CLIENT_ERRORS[code]);
    this.name = 'MqttClientError';
    this.code = code;
    this.reasonCode = reasonCode;
  }
}

/** What the broker's bytes broke, as a coded error: framing, decoding or a packet too large. */
export function protocolError(err: unknown, maxPacketSize: number): MqttClientError {
  if (err instanceof MqttClientError) return err;
  if (err instanceof PacketReaderError && err.code === 'too-large')
    return new MqttClientError(
      'ROADCAST_ERR_MQTT_PROTOCOL',
      `packet of ${err.size} bytes over the ${maxPacketSize}-byte maximum`,
    );
  return new MqttClientError('ROADCAST_ERR_MQTT_PROTOCOL', (err as Error).message);
}
