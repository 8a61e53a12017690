/**
 * Raw QoS 1 publishers in a process of their own, so their CPU per message is read like any
 * other process's: MQTT.js (the client the platform grew up with) and the pre-encoded writer
 * (the broker's ceiling). Started by `measureRawPublisher()`.
 */
import { measurePreencodedRate } from '../runner/preencoded-publish-rate.js';
import { measurePublishRate, type PublishRateOptions } from '../runner/qos1-publish-rate.js';
import { emit, serveWorker } from './worker-protocol.js';

export type RawPublisherKind = 'mqttjs' | 'preencoded';

export type RawPublishRequest = Omit<
  PublishRateOptions,
  'onProgress' | 'onMeasureStart' | 'onMeasureEnd'
> & { kind: RawPublisherKind };

serveWorker({
  measure: ({ kind, ...options }: RawPublishRequest) =>
    (kind === 'preencoded' ? measurePreencodedRate : measurePublishRate)({
      ...options,
      onMeasureStart: () => emit('measure-start'),
      onMeasureEnd: () => emit('measure-end'),
      onProgress: (elapsedMs, totalMs) => emit('progress', { elapsedMs, totalMs }),
    }),
});
