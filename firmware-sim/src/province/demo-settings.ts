import { z } from 'zod';
import { MAX_DEMO_COMMUNES } from './hau-giang.js';

/** What the demo reads from its environment beyond ports and directories. */
export interface DemoSettings {
  /** Communes of the province demo; null: the single commune, as `scripts/demo` always ran. */
  communes: number | null;
}

const communesSchema = z
  .string()
  .trim()
  .regex(/^\d+$/, 'must be a whole number')
  .transform(Number)
  .pipe(z.number().int().min(1, `must be from 1 to ${MAX_DEMO_COMMUNES}`).max(MAX_DEMO_COMMUNES, `must be from 1 to ${MAX_DEMO_COMMUNES}`));

const databaseSchema = z.enum(['sqlite', 'postgres'], { error: 'must be "sqlite" or "postgres"' });

/** sc-sim run by hand with SC_DEMO_DATABASE=postgres: scripts/demo starts the PostgreSQL and sets SC_DATABASE_URL. */
export const POSTGRES_NEEDS_URL =
  'SC_DEMO_DATABASE=postgres: SC_DATABASE_URL is not set. scripts/demo starts a PostgreSQL for the demo and sets it; running sc-sim directly, set SC_DATABASE_URL to an empty PostgreSQL database (postgres://user:password@host:port/database).';

/** Reads SC_DEMO_COMMUNES and SC_DEMO_DATABASE; throws an error naming the variable and what is wrong. */
export function demoSettings(env: Record<string, string | undefined>): DemoSettings {
  const communes = env.SC_DEMO_COMMUNES === undefined || env.SC_DEMO_COMMUNES === '' ? null : communesSchema.safeParse(env.SC_DEMO_COMMUNES);
  if (communes && !communes.success) throw new Error(`SC_DEMO_COMMUNES=${env.SC_DEMO_COMMUNES}: ${communes.error.issues[0]!.message} (the communes of the province demo)`);
  const database = databaseSchema.safeParse(env.SC_DEMO_DATABASE || 'sqlite');
  if (!database.success) throw new Error(`SC_DEMO_DATABASE=${env.SC_DEMO_DATABASE}: ${database.error.issues[0]!.message}`);
  // the cloud the demo starts reads SC_DATABASE_URL itself; without it, it would run on SQLite unnoticed
  if (database.data === 'postgres' && !env.SC_DATABASE_URL) throw new Error(POSTGRES_NEEDS_URL);
  return { communes: communes ? communes.data : null };
}
