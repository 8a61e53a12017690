import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { StatusReport } from '@roadcast/campaigns';
import { VehicleStatus, vehicleIdOfTopic } from '@roadcast/contracts';

// Compiled once: every status report of the fleet passes through this check.
const StatusCheck = TypeCompiler.Compile(VehicleStatus);

export type StatusParse =
  { ok: true; report: StatusReport } | { ok: false; problem: 'topic' | 'json' | 'schema' };

/** Whether a message came on a `vehicles/{id}/status` topic (the rest are acks). */
export function isStatusTopic(topic: string): boolean {
  return topic.endsWith('/status');
}

/** A status report the tracker can store: the vehicle id comes from the topic, never the payload. */
export function parseStatus(topic: string, payload: Buffer): StatusParse {
  const vehicleId = vehicleIdOfTopic(topic);
  if (!vehicleId || topic !== `vehicles/${vehicleId}/status`)
    return { ok: false, problem: 'topic' };
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, problem: 'json' };
  }
  if (!StatusCheck.Check(body)) return { ok: false, problem: 'schema' };
  return {
    ok: true,
    report: {
      vehicleId,
      reportedAt: body.at,
      softwareVersion: body.softwareVersion ?? null,
      components: body.components ?? [],
      bootHealth: body.boot?.health ?? null,
      bootedAt: body.boot?.bootedAt ?? null,
    },
  };
}
