/**
 * Province benchmark (issue 10). Two parts:
 * - the fan-out on a real cloud process: one province programme and one province alert to every box
 *   of N communes (scripts/bench/lib/province-plan.ts);
 * - measures under data: the same province seeded in a migrated SQLite file and a migrated PostgreSQL
 *   database (started here), each measure filled in both, then timed through the converted stores.
 * Ends with one `RESULT {json}` line.
 *
 *   scripts/bench/province [--communes N] [--incidents N] [--playback N] [--samples N] [--skip-plan]
 *
 * A short trial of the measures alone: --skip-plan --incidents 10000 --playback 10000 --samples 50.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCloudDatabase } from '../../cloud/src/db/database.js';
import { migrateQueryDatabase, postgresQueryDatabase, sqliteQueryDatabase, type QueryDatabase } from '../../cloud/src/db/query/index.js';
import { startPostgres } from '../../test-support/postgres.js';
import { percentile, round } from './lib/fleet/common.js';
import { seedProvinceFixture, type ProvinceFixture } from './lib/province-fixture.js';
import { measureProvincePlan } from './lib/province-plan.js';
import { calendarLatencies, DEFAULT_PLAYBACK_ROWS, fillPlayback } from './lib/province-calendar.js';
import { fillIncidents, queueLatencies } from './lib/province-queue.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

const communes = arg('communes', 50);
const incidents = arg('incidents', 1_000_000);
const playback = arg('playback', DEFAULT_PLAYBACK_ROWS);
const samples = arg('samples', 400);
const skipPlan = process.argv.includes('--skip-plan');

/**
 * What is measured under data, each filled into and timed on both databases (the keys are
 * `<name>_p50_ms_<database>` and `<name>_p99_ms_<database>`): a commune police officer's queue
 * (province-queue.ts) and a commune operator's week calendar (province-calendar.ts).
 */
interface Measure {
  name: string;
  fill(q: QueryDatabase, fixture: ProvinceFixture): Promise<void>;
  latencies(q: QueryDatabase, fixture: ProvinceFixture, samples: number): Promise<number[]>;
}
const NOW = Date.now();
const measures: Measure[] = [
  { name: 'queue', fill: (q, f) => fillIncidents(q, f, incidents, NOW), latencies: (q, f, n) => queueLatencies(q, f, n, NOW) },
  { name: 'calendar', fill: async (q, f) => void (await fillPlayback(q, f, playback)), latencies: calendarLatencies },
];

/** The planners' statistics after a bulk fill, as a running database keeps them (autovacuum, ANALYZE). */
async function settle(q: QueryDatabase): Promise<void> {
  if (q.dialect === 'postgres') {
    const { sql } = await import('kysely');
    await sql`VACUUM ANALYZE`.execute(q.db);
  } else {
    const { sql } = await import('kysely');
    await sql`ANALYZE`.execute(q.db);
  }
}

async function underData(name: 'sqlite' | 'postgres', q: QueryDatabase, figures: Record<string, number | null>): Promise<void> {
  const fixture = await seedProvinceFixture(q, { communes, now: NOW });
  for (const m of measures) {
    const started = performance.now();
    await m.fill(q, fixture);
    await settle(q);
    console.log(`${name}: ${m.name} filled in ${round((performance.now() - started) / 1000)} s`);
    const times = await m.latencies(q, fixture, samples);
    figures[`${m.name}_p50_ms_${name}`] = round(percentile(times, 50), 2);
    figures[`${m.name}_p99_ms_${name}`] = round(percentile(times, 99), 2);
    console.log(`${name}: ${m.name} p50 ${figures[`${m.name}_p50_ms_${name}`]} ms, p99 ${figures[`${m.name}_p99_ms_${name}`]} ms, max ${round(Math.max(...times), 2)} ms (${times.length} calls)`);
  }
}

async function main(): Promise<void> {
  const figures: Record<string, number | null> = {};
  if (!skipPlan) {
    const plan = await measureProvincePlan({ communes, alert: true });
    Object.assign(figures, { communes: plan.communes, edges: plan.edges, plan_p50_ms: plan.plan_p50_ms, plan_p99_ms: plan.plan_p99_ms, alert_p99_ms: plan.alert_p99_ms ?? null });
  } else {
    Object.assign(figures, { communes, edges: communes * 9 });
  }
  console.log(`under data: ${communes} communes, ${incidents} incidents, ${playback} proof-of-play rows, ${samples} calls per measure and database`);

  const dir = mkdtempSync(join(tmpdir(), 'sc-bench-province-'));
  try {
    const sqlite = sqliteQueryDatabase(openCloudDatabase(join(dir, 'cloud.db')));
    try {
      await underData('sqlite', sqlite, figures);
    } finally {
      await sqlite.close();
    }
    const pg = await startPostgres();
    try {
      const postgres = postgresQueryDatabase(await pg.createDatabase());
      try {
        await migrateQueryDatabase(postgres);
        await underData('postgres', postgres, figures);
      } finally {
        await postgres.close();
      }
    } finally {
      pg.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  figures.incidents = incidents;
  figures.playback_rows = playback;
  console.log(`RESULT ${JSON.stringify(figures)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
