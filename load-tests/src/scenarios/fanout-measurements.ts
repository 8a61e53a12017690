import type { Measurement } from '../scenario.js';
import type { CampaignMilestones } from './fanout-rig.js';

/** The fleet size the campaign targets are stated for. */
export const CAMPAIGN_TARGET_VEHICLES = 1_000_000;

/**
 * The times of one campaign as measurements: answered, first notice, every delivery written,
 * every delivery recorded. At a million vehicles they carry the product targets; at other
 * sizes they are figures on a curve. Helper module: it exports no scenario.
 */
export function campaignMeasurements(
  vehicles: number,
  milestones: CampaignMilestones,
  answeredMs: number,
): Measurement[] {
  const atTarget = vehicles >= CAMPAIGN_TARGET_VEHICLES;
  const goal = (id: string, threshold: number): Partial<Measurement> =>
    atTarget
      ? { target: `<= ${threshold} s`, goal: { compare: '<=', threshold }, targetId: id }
      : {};
  return [
    {
      name: 'create request answered',
      value: answeredMs / 1000,
      unit: 's',
      ...goal('campaign-create', 1),
    },
    {
      name: 'first notice recorded, from the request',
      value: milestones.firstNoticeMs / 1000,
      unit: 's',
      ...goal('campaign-first-notice', 5),
    },
    {
      name: 'every delivery written, from the request',
      value: milestones.materializedMs / 1000,
      unit: 's',
    },
    {
      name: 'fan-out time, request to last delivery recorded',
      value: milestones.allRecordedMs / 1000,
      unit: 's',
      ...goal('campaign-complete', 180),
    },
  ];
}
