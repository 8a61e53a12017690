import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { AckReport } from '@roadcast/campaigns';
import { Ack, vehicleIdOfTopic } from '@roadcast/contracts';

/** An ack the tracker can apply: the vehicle id comes from the topic, never from the payload. */
export type ParsedAck = AckReport;

// Compiled once: every ack of the fleet passes through this check.
const AckCheck = TypeCompiler.Compile(Ack);

export type AckParse =
  { ok: true; ack: ParsedAck } | { ok: false; problem: 'topic' | 'json' | 'schema' };

export function parseAck(topic: string, payload: Buffer): AckParse {
  const vehicleId = vehicleIdOfTopic(topic);
  if (!vehicleId || !topic.endsWith('/ota/acks')) return { ok: false, problem: 'topic' };
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, problem: 'json' };
  }
  if (!AckCheck.Check(body)) return { ok: false, problem: 'schema' };
  return {
    ok: true,
    ack: {
      vehicleId,
      noticeId: body.noticeId.toLowerCase(),
      state: body.state,
      reason: body.reason ?? null,
    },
  };
}
