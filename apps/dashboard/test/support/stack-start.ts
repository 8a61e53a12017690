import { startStack, type Stack, type StackOptions } from '@roadcast/local-stack';

/**
 * The platform for the browser tests. A machine busy with other builds can be slow to start
 * an app, so the apps get a generous health deadline rather than a second attempt.
 */
export function startDashboardStack(overrides: Partial<StackOptions> = {}): Promise<Stack> {
  return startStack({ label: 'dashboard', startTimeoutMs: 120_000, ...overrides });
}
