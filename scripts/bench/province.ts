/**
 * Province benchmark (issue 10). Two parts:
 * - the fan-out on a real cloud process: one province programme and one province alert to every box
 *   of N communes (scripts/bench/lib/province-plan.ts);
 * - measures under data: the same province seeded in a migrated SQLite file and a migrated PostgreSQL
 *   database (started here), each measure filled in both. Then a real cloud starts on each filled
 *   database (the SQLite file as its SC_DATA_DIR's cloud.db; PostgreSQL through SC_DATABASE_URL), the
 *   fixture's commune police officers and operators sign in, and each measure is timed as the console
 *   asks for it: HTTP GETs over real TCP on a kept-alive connection (`queue_p50_ms_<db>`,
 *   `queue_p99_ms_<db>`, `calendar_p50_ms_<db>`, `calendar_p99_ms_<db>`: the issue's figures), and
 *   through the store call those routes make, on the cloud's own connection (`queue_store_p50_ms_<db>`
 *   … `calendar_store_p99_ms_<db>`: the database's part of that time).
 * Ends with one `RESULT {json}` line.
 *
 *   scripts/bench/province [--communes N] [--incidents N] [--playback N] [--samples N] [--skip-plan]
 *
 * A short trial of the measures alone: --skip-plan --incidents 10000 --playback 10000 --samples 50.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCloudDatabase } from '../../cloud/src/db/database.js';
import { migrateQueryDatabase, postgresQueryDatabase, sqliteQueryDatabase, type QueryDatabase } from '../../cloud/src/db/query/index.js';
import { startPostgres } from '../../test-support/postgres.js';
import { percentile, round } from './lib/fleet/common.js';
import { seedProvinceFixture, type ProvinceFixture } from './lib/province-fixture.js';
import { measureProvincePlan } from './lib/province-plan.js';
import { calendarHttpLatencies, calendarLatencies, DEFAULT_PLAYBACK_ROWS, fillPlayback } from './lib/province-calendar.js';
import { signIn, startBenchCloud, type BenchCloud } from './lib/province-http.js';
import { fillIncidents, queueHttpLatencies, queueLatencies } from './lib/province-queue.js';

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
 * What is measured under data, each filled into and timed on both databases: a commune police
 * officer's queue (province-queue.ts) and a commune operator's week calendar (province-calendar.ts).
 * The keys are `<name>_p50_ms_<database>`/`<name>_p99_ms_<database>` for the HTTP requests (the
 * figures an officer or operator waits for) and `<name>_store_p50_ms_<database>`/… for the store call.
 */
interface Measure {
  name: string;
  fill(q: QueryDatabase, fixture: ProvinceFixture): Promise<void>;
  /** The store call the route makes, timed on the cloud's own database connection. */
  latencies(q: QueryDatabase, fixture: ProvinceFixture, samples: number): Promise<number[]>;
  /** The route the console calls, timed over HTTP as the fixture's signed-in people (`tokens` by user id). */
  httpLatencies(cloud: BenchCloud, tokens: Map<string, string>, fixture: ProvinceFixture, samples: number): Promise<number[]>;
}
const NOW = Date.now();
const measures: Measure[] = [
  {
    name: 'queue',
    fill: (q, f) => fillIncidents(q, f, incidents, NOW),
    latencies: (q, f, n) => queueLatencies(q, f, n, NOW),
    httpLatencies: (c, t, f, n) => queueHttpLatencies(c, t, f, n, NOW),
  },
  { name: 'calendar', fill: async (q, f) => void (await fillPlayback(q, f, playback)), latencies: calendarLatencies, httpLatencies: calendarHttpLatencies },
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

/** p50 and p99 of `times` into `figures` under `<key>_p50_ms_<database>`/`<key>_p99_ms_<database>`, and a line saying them. */
function record(figures: Record<string, number | null>, key: string, database: string, times: number[]): void {
  figures[`${key}_p50_ms_${database}`] = round(percentile(times, 50), 2);
  figures[`${key}_p99_ms_${database}`] = round(percentile(times, 99), 2);
  console.log(`${database}: ${key} p50 ${figures[`${key}_p50_ms_${database}`]} ms, p99 ${figures[`${key}_p99_ms_${database}`]} ms, max ${round(Math.max(...times), 2)} ms (${times.length} calls)`);
}

/**
 * Seeds and fills `q` (then closes it), starts a real cloud on the same database (`startCloudOn`),
 * signs the fixture's commune people in and times every measure over HTTP and through its store.
 */
async function underData(name: 'sqlite' | 'postgres', q: QueryDatabase, startCloudOn: () => Promise<BenchCloud>, figures: Record<string, number | null>): Promise<void> {
  let fixture: ProvinceFixture;
  try {
    fixture = await seedProvinceFixture(q, { communes, now: NOW });
    for (const m of measures) {
      const started = performance.now();
      await m.fill(q, fixture);
      await settle(q);
      console.log(`${name}: ${m.name} filled in ${round((performance.now() - started) / 1000)} s`);
    }
  } finally {
    // the cloud opens the database itself: the filling connection is done
    await q.close();
  }
  const started = performance.now();
  const bench = await startCloudOn();
  try {
    console.log(`${name}: cloud started in ${round((performance.now() - started) / 1000)} s at ${bench.cloud.httpUrl}`);
    const tokens = await signIn(bench.cloud, [...fixture.police, ...fixture.operators]);
    for (const m of measures) {
      record(figures, m.name, name, await m.httpLatencies(bench, tokens, fixture, samples));
      record(figures, `${m.name}_store`, name, await m.latencies(bench.cloud.query, fixture, samples));
    }
  } finally {
    await bench.close();
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
    // the cloud finds the filled file where it keeps its own: <SC_DATA_DIR>/cloud.db
    const sqliteDir = join(dir, 'sqlite');
    mkdirSync(sqliteDir);
    await underData('sqlite', sqliteQueryDatabase(openCloudDatabase(join(sqliteDir, 'cloud.db'))), () => startBenchCloud(sqliteDir), figures);
    const pg = await startPostgres();
    try {
      const url = await pg.createDatabase();
      const postgres = postgresQueryDatabase(url);
      try {
        await migrateQueryDatabase(postgres);
      } catch (err) {
        await postgres.close();
        throw err;
      }
      const postgresDir = join(dir, 'postgres');
      mkdirSync(postgresDir);
      await underData('postgres', postgres, () => startBenchCloud(postgresDir, url), figures);
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
