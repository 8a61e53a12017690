import type { PipelineDeps } from '../pipeline-deps.js';
import { statusEvent } from './status-event.js';
import { awaitApproval } from './wave-control.js';

/**
 * Where the rollout would start a wave that requires approval, it holds it instead
 * (pending → awaiting_approval) and tells dashboards. True when this call held it.
 */
export async function holdForApproval(
  deps: PipelineDeps,
  campaignId: string,
  wave: number,
): Promise<boolean> {
  if (!(await awaitApproval(deps.pool, campaignId, wave))) return false;
  deps.logger?.info({ campaignId, wave }, 'wave awaits approval');
  await statusEvent(deps, campaignId, 'running', { wave, waveState: 'awaiting_approval' });
  return true;
}
