import { RoadcastError, type RoadcastErrorCode } from '@roadcast/contracts/errors';
import { PacketReaderError } from './packet-framer.js';

/** The codes of Roadcast's own MQTT client side (sessions and publishers), from the error table. */
export type MqttClientErrorCode = Extract<RoadcastErrorCode, `ROADCAST_ERR_MQTT_${string}`>;

export class MqttClientError extends RoadcastError<MqttClientErrorCode> {
  /** The MQTT reason code when the broker gave one (CONNACK, DISCONNECT). */
  readonly reasonCode: number | undefined;

  constructor(code: MqttClientErrorCode, detail?: string, reasonCode?: number) {
    super(code, undefined, { detail });
    this.name = 'MqttClientError';
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
