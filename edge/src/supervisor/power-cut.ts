import type { Logger } from '@smart-commune/shared/runtime';

/**
 * Steps where a test can cut the power (SC_SUPERVISOR_TEST_POWER_CUT_AT): power-cut.test.ts cuts at
 * each one and checks that the next start runs a version that worked, which is what writing every
 * decision to state.json before acting on it promises.
 */
export const POWER_CUT_POINTS = [
  'request-seen',
  'trial-recorded',
  'trial-started',
  'healthy-seen',
  'committed',
  'failure-recorded',
  'rolled-back',
] as const;
export type PowerCutPoint = (typeof POWER_CUT_POINTS)[number];

/** Test only: at the configured step, kills the supervisor and its daemon at once, as a power cut would. */
export function cutPowerAt(point: PowerCutPoint, configured: string | undefined, log: Logger): void {
  if (configured !== point) return;
  log.warn({ point }, 'test: cutting the power');
  try {
    process.kill(-process.pid, 'SIGKILL'); // the whole process group, daemon included, as a power cut would
  } catch {
    // not a group leader
  }
  process.kill(process.pid, 'SIGKILL');
}
