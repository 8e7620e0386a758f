import { z } from 'zod';
import { formatReport, migrateData, MigrateDataError } from './migrate-data.js';

export const MIGRATE_DATA_HELP = [
  'Usage: sc-cloud migrate-data --from sqlite:PATH --to postgres://USER:PASSWORD@HOST:PORT/DATABASE [--force]',
  '',
  'Chép cơ sở dữ liệu SQLite của xã sang PostgreSQL / copies a commune SQLite database into PostgreSQL:',
  'migrates the target to the same schema version, copies every table in batches in one transaction,',
  'then prints row counts and a checksum per table on both sides. Stop sc-cloud first.',
  '  --force   replace the contents of a target that already has rows (refused otherwise)',
  'Exit: 0 copied and identical, 1 refused or different, 2 usage.',
].join('\n');

const requestSchema = z.object({
  from: z
    .string()
    .regex(/^sqlite:.+/, 'must be sqlite:PATH (the cloud database file, e.g. sqlite:.data/cloud/cloud.db)')
    .transform((s) => s.slice('sqlite:'.length)),
  to: z.string().regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// address (postgres://user:password@host:port/database)'),
  force: z.boolean(),
});

export type MigrateDataRequest = z.infer<typeof requestSchema>;

/** Reads `--from X --to Y [--force]`, or names what is wrong. */
export function parseMigrateDataArgs(args: readonly string[]): MigrateDataRequest | { error: string } {
  const found: Record<string, string | boolean> = { force: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--force') found.force = true;
    else if (arg === '--from' || arg === '--to') {
      const value = args[++i];
      if (value === undefined) return { error: `${arg} needs a value\n\n${MIGRATE_DATA_HELP}` };
      found[arg.slice(2)] = value;
    } else return { error: `unknown argument ${JSON.stringify(arg)}\n\n${MIGRATE_DATA_HELP}` };
  }
  const parsed = requestSchema.safeParse(found);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { error: `--${issue.path.join('.')}: ${issue.code === 'invalid_type' ? 'is required' : issue.message}\n\n${MIGRATE_DATA_HELP}` };
  }
  return parsed.data;
}

/** Runs the copy and prints its report; returns the exit code. */
export async function runMigrateData(request: MigrateDataRequest, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  try {
    const reports = await migrateData({ from: request.from, to: request.to, force: request.force, progress: out });
    const { text, ok } = formatReport(reports);
    out(text);
    out(ok ? 'every table copied: same rows and checksums on both sides' : 'some tables DIFFER: see above');
    return ok ? 0 : 1;
  } catch (e) {
    err(e instanceof MigrateDataError ? `migrate-data refused: ${e.message}` : `migrate-data failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
