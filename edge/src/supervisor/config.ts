import { z } from 'zod';
import { describeIssues } from '@smart-commune/shared';
import { DEFAULT_EDGE_HOME } from './layout.js';

/** The supervisor's settings (environment; see the operations guide, "The supervisor protocol"). */
export const supervisorEnvSchema = z.object({
  SC_EDGE_HOME: z.string().min(1).default(DEFAULT_EDGE_HOME),
  /** How long a new version has to report healthy before the supervisor goes back. */
  SC_SUPERVISOR_HEALTH_TIMEOUT_S: z.coerce.number().int().min(1).max(3600).default(180),
  /** Exits of a version on trial that make a crash loop. */
  SC_SUPERVISOR_CRASH_LIMIT: z.coerce.number().int().min(1).max(20).default(3),
  /** Check every file's sha256 before starting a new version (slow on a small box; sizes and the signature are always checked). */
  SC_SUPERVISOR_VERIFY_HASHES: z.enum(['0', '1']).default('0'),
  /** Test only: the step at which the supervisor cuts the power of its process group (see power-cut.ts). */
  SC_SUPERVISOR_TEST_POWER_CUT_AT: z.string().max(64).optional(),
});

export interface SupervisorSettings {
  home: string;
  healthTimeoutMs: number;
  crashLimit: number;
  verifyHashes: boolean;
  powerCutAt?: string;
}

export class SupervisorConfigError extends Error {
  override name = 'SupervisorConfigError';
}

export function supervisorSettingsFromEnv(env: Record<string, string | undefined> = process.env, home?: string): SupervisorSettings {
  const parsed = supervisorEnvSchema.safeParse(env);
  if (!parsed.success) throw new SupervisorConfigError(`invalid supervisor setting: ${describeIssues(parsed.error)}`);
  const e = parsed.data;
  return {
    home: home ?? e.SC_EDGE_HOME,
    healthTimeoutMs: e.SC_SUPERVISOR_HEALTH_TIMEOUT_S * 1000,
    crashLimit: e.SC_SUPERVISOR_CRASH_LIMIT,
    verifyHashes: e.SC_SUPERVISOR_VERIFY_HASHES === '1',
    ...(e.SC_SUPERVISOR_TEST_POWER_CUT_AT ? { powerCutAt: e.SC_SUPERVISOR_TEST_POWER_CUT_AT } : {}),
  };
}
