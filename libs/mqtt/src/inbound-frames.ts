import { MqttClientError } from './client-errors.js';

/**
 * Called for each whole packet: its first byte, and where in `data` the packet starts
 * (`headerAt`), its body starts (`bodyAt`) and it ends (`end`).
 */
export type FrameHandler = (
  first: number,
  data: Buffer,
  headerAt: number,
  bodyAt: number,
  end: number,
) => void;

/**
 * Splits a byte stream into MQTT control packets by fixed header alone (section 2.1): a
 * packet is handed on once all of it has arrived, without copying when it arrived whole.
 * A packet whose header announces more than `maxPacketSize` bytes is refused before its
 * body is buffered, so a hostile peer cannot make the reader hold more than that.
 */
export class InboundFrames {
  private pending: Buffer | null = null;

  constructor(private readonly maxPacketSize: number) {}

  push(chunk: Buffer, onFrame: FrameHandler): void {
    const data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    const end = data.length;
    let at = 0;
    while (at < end) {
      // Remaining Length: a Variable Byte Integer of at most four bytes (section 1.5.5).
      let remaining = 0;
      let multiplier = 1;
      let headerEnd = at + 1;
      let complete = false;
      for (let i = 0; i < 4 && headerEnd < end; i += 1) {
        const byte = data[headerEnd++]!;
        remaining += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
        if (i === 3)
          throw new MqttClientError('ROADCAST_ERR_MQTT_PROTOCOL', 'malformed remaining length');
      }
      if (!complete) break;
      const size = headerEnd - at + remaining;
      if (size > this.maxPacketSize) {
        throw new MqttClientError(
          'ROADCAST_ERR_MQTT_PROTOCOL',
          `packet of ${size} bytes over the ${this.maxPacketSize} announced`,
        );
      }
      if (at + size > end) break;
      onFrame(data[at]!, data, at, headerEnd, at + size);
      at += size;
    }
    if (at < end) this.pending = data.subarray(at);
  }
}
