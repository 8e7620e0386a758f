/**
 * Runs the calendar part of the province benchmark alone (province-calendar.ts), on a fresh SQLite
 * file and a throw-away PostgreSQL (test-support/postgres.ts), both removed at the end: seeds N
 * communes of 9 hamlets with a box each, fills proof of play, and measures a commune operator's week
 * calendar. scripts/bench/province runs it with the rest of the province's figures.
 *
 *   node --import tsx scripts/bench/lib/province-calendar-trial.ts [--communes 50] [--rows 1000000] [--samples 300]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCloudDatabase } from '../../../cloud/src/db/database.js';
import { migrateQueryDatabase, postgresQueryDatabase, sqliteQueryDatabase, type QueryDatabase } from '../../../cloud/src/db/query/index.js';
import { startPostgres } from '../../../test-support/postgres.js';
import { percentile, round } from './fleet/common.js';
import { calendarLatencies, fillPlayback, type ProvinceFixture } from './province-calendar.js';

function arg(name: string, fallback: number, max: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`--${name} must be a whole number from 1 to ${max}`);
  return value;
}

function fixtureOf(communes: number): ProvinceFixture {
  const fixture: ProvinceFixture = { communes: [], hamlets: [], edges: [] };
  for (let c = 0; c < communes; c++) {
    const commune = `bench-${String(c).padStart(3, '0')}`;
    fixture.communes.push(commune);
    for (let h = 1; h <= 9; h++) {
      const hamlet = `${commune}-${h}`;
      fixture.hamlets.push({ code: hamlet, commune });
      fixture.edges.push({ id: `edg_${hamlet}`, hamlet, commune });
    }
  }
  return fixture;
}

async function seed(q: QueryDatabase, fixture: ProvinceFixture): Promise<void> {
  const now = Date.now();
  await q.db.insertInto('communes').values(fixture.communes.map((code, i) => ({ code, name: `Xã thử ${i}`, district: 'Huyện thử', province: 'Tỉnh thử', created_at: now }))).execute();
  await q.db.insertInto('hamlets').values(fixture.hamlets.map((h, i) => ({ code: h.code, commune_code: h.commune, name: `Ấp ${(i % 9) + 1}`, position: i % 9 }))).execute();
  await q.db.insertInto('edges').values(fixture.edges.map((e) => ({ id: e.id, name: `Tủ ${e.hamlet}`, hamlet_code: e.hamlet, status: 'active', created_at: now, updated_at: now }))).execute();
}

async function measure(name: string, q: QueryDatabase, fixture: ProvinceFixture, rows: number, samples: number) {
  await seed(q, fixture);
  const filled = await fillPlayback(q, fixture, rows);
  console.log(`${name}: filled ${filled.playback} proof-of-play rows, ${filled.occurrences} given occurrences, ${filled.schedules} schedules in ${round(filled.ms / 1000)} s`);
  const ms = await calendarLatencies(q, fixture, samples);
  const figures = { p50: round(percentile(ms, 50), 2), p99: round(percentile(ms, 99), 2), max: round(Math.max(...ms), 2) };
  console.log(`${name}: week calendar of a commune operator, ${samples} calls: p50 ${figures.p50} ms, p99 ${figures.p99} ms, max ${figures.max} ms`);
  return figures;
}

async function main(): Promise<void> {
  const communes = arg('communes', 50, 1000);
  const rows = arg('rows', 1_000_000, 5_000_000);
  const samples = arg('samples', 300, 10_000);
  const fixture = fixtureOf(communes);

  const dir = mkdtempSync(join(tmpdir(), 'sc-bench-calendar-'));
  const sqlite = sqliteQueryDatabase(openCloudDatabase(join(dir, 'cloud.db')));
  let sqliteFigures;
  try {
    sqliteFigures = await measure('sqlite', sqlite, fixture, rows, samples);
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const cluster = await startPostgres();
  let postgresFigures;
  try {
    const postgres = postgresQueryDatabase(await cluster.createDatabase(), { max: 4 });
    try {
      await migrateQueryDatabase(postgres);
      postgresFigures = await measure('postgres', postgres, fixture, rows, samples);
    } finally {
      await postgres.close();
    }
  } finally {
    cluster.stop();
  }
  console.log(
    `RESULT ${JSON.stringify({ communes, edges: fixture.edges.length, playback_rows: rows, calendar_p50_ms_sqlite: sqliteFigures.p50, calendar_p99_ms_sqlite: sqliteFigures.p99, calendar_p50_ms_postgres: postgresFigures.p50, calendar_p99_ms_postgres: postgresFigures.p99 })}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
