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

/** Why the demo cannot run on PostgreSQL yet (the README says the same). */
export const POSTGRES_NOT_YET =
  'SC_DEMO_DATABASE=postgres: not yet. The control plane cannot start on PostgreSQL until every one of its stores is on the query layer (issue 10: the stores are being converted domain by domain); unset SC_DEMO_DATABASE to run the demo on SQLite.';

/** Reads SC_DEMO_COMMUNES and SC_DEMO_DATABASE; throws an error naming the variable and what is wrong. */
export function demoSettings(env: Record<string, string | undefined>): DemoSettings {
  const communes = env.SC_DEMO_COMMUNES === undefined || env.SC_DEMO_COMMUNES === '' ? null : communesSchema.safeParse(env.SC_DEMO_COMMUNES);
  if (communes && !communes.success) throw new Error(`SC_DEMO_COMMUNES=${env.SC_DEMO_COMMUNES}: ${communes.error.issues[0]!.message} (the communes of the province demo)`);
  const database = databaseSchema.safeParse(env.SC_DEMO_DATABASE || 'sqlite');
  if (!database.success) throw new Error(`SC_DEMO_DATABASE=${env.SC_DEMO_DATABASE}: ${database.error.issues[0]!.message}`);
  if (database.data === 'postgres') throw new Error(POSTGRES_NOT_YET);
  return { communes: communes ? communes.data : null };
}
