import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, TEST_TONE_SCHEDULE_ID, topics, type PlaybackEvent } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { acquirePostgres, releasePostgres } from '../../../../test-support/databases.js';
import { claimTestEdge } from '../../../../test-support/edge.js';
import type { PostgresCluster } from '../../../../test-support/postgres.js';
import { waitFor } from '../../../../test-support/wait.js';
import { parseCloudArgs } from '../../cli-usage.js';
import { incidentEvent } from '../../incidents/testing/incident-kit.js';
import { insertBulletin } from '../../radio/testing/radio-test-kit.js';
import { postgresQueryDatabase } from './connect.js';
import { compareDatabases, formatReport, migrateData, MigrateDataError } from './migrate-data.js';
import { runMigrateData } from './migrate-data-cli.js';

let pg: PostgresCluster;
let test: TestCloud;
let file: string;

/**
 * A commune database made by a real cloud run: boxes claimed through the API, their plans,
 * bulletins and a schedule, incidents and proof of play sent over MQTT by the boxes, people, audit.
 */
async function filledByACloudRun(): Promise<string> {
  test = await startTestCloud();
  const operator = await test.api('POST', '/api/v1/users', { username: 'can-bo', displayName: 'Cán bộ', role: 'operator', password: 'mat-khau-dai-1', mustChangePassword: false });
  expect(operator.status, JSON.stringify(operator.body)).toBe(201);
  const bulletin = await insertBulletin(test.cloud.query, { title: 'Tiêm phòng dại', seconds: 2, text: 'Bà con đưa chó đi tiêm phòng.' });
  const schedule = await test.api('POST', '/api/v1/schedules', { title: 'Tiêm phòng dại', source: { kind: 'bulletin', bulletinId: bulletin.id }, startsLocal: '2030-01-02T05:30', rrule: 'FREQ=DAILY', targets: { hamlets: ['ap-1', 'ap-2'] } });
  expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);
  for (const hamlet of ['ap-1', 'ap-2']) {
    const { edgeId, password } = await claimTestEdge(test, hamlet);
    await waitFor(() => test.cloud.fleet.documents.get(edgeId, 'schedule'), `first plan of ${edgeId}`);
    const box = await connectAsync(test.cloud.mqttUrl, { protocolVersion: 4, clientId: edgeId, username: edgeId, password, reconnectPeriod: 0 });
    for (let i = 0; i < 3; i++) {
      const eventId = newId('evt', 16);
      await box.publishAsync(topics.event(edgeId, 'incident'), JSON.stringify({ eventId, ts: Date.now(), body: incidentEvent() }), { qos: 1 });
      await waitFor(() => test.cloud.query.db.selectFrom('incident_events').select('event_id').where('event_id', '=', eventId).executeTakeFirst(), `incident ${eventId}`);
      const played = newId('evt', 16);
      const tone: PlaybackEvent = { occurrenceId: `${TEST_TONE_SCHEDULE_ID}:${i}`, scheduleId: TEST_TONE_SCHEDULE_ID, bulletinId: null, plannedStartAt: Date.now(), state: 'completed', actualStartAt: Date.now(), durationMs: 3000, reason: null, zones: null };
      await box.publishAsync(topics.event(edgeId, 'playback'), JSON.stringify({ eventId: played, ts: Date.now(), body: tone }), { qos: 1 });
      await waitFor(() => test.cloud.query.db.selectFrom('playback').select('event_id').where('event_id', '=', played).executeTakeFirst(), `playback ${played}`);
    }
    await box.endAsync();
  }
  await test.stop({ keepData: true });
  const file = join(test.dataDir, 'cloud.db');
  // an alert that replaces one stored after it (CAP updates may arrive out of order): the copy must not depend on row order
  const db = new Database(file);
  const alert = db.prepare(
    `INSERT INTO alerts (id, version, title, text, severity, origin, bulletin_id, priority, volume, starts_at, expires_at, targets, status, created_at, replaces)
     VALUES (?, 1, 'Lũ', 'Nước lên', 'severe', 'json', ?, 'emergency', 90, 1, 2, '{"hamlets":["ap-1"]}', ?, 1, ?)`,
  );
  db.transaction(() => {
    db.pragma('defer_foreign_keys = ON');
    alert.run('al-new', bulletin.id, 'active', 'al-old');
    alert.run('al-old', bulletin.id, 'cancelled', null);
  })();
  db.close();
  return file;
}

beforeAll(async () => {
  [pg, file] = await Promise.all([acquirePostgres(), filledByACloudRun()]);
}, 120_000);
afterAll(async () => {
  await releasePostgres();
  await test?.stop();
});

const rowsOf = (reports: { table: string; sourceRows: number }[], table: string) => reports.find((r) => r.table === table)!.sourceRows;

describe('sc-cloud migrate-data', () => {
  it('copies every table of a database a cloud run filled, with the same row counts and checksums on both sides', async () => {
    const to = await pg.createDatabase();
    const progress: string[] = [];
    // one row per batch: the copy pages through every table, and alerts.replaces points to a row of a later batch
    const reports = await migrateData({ from: file, to, batchRows: 1, progress: (line) => progress.push(line) });
    const tables = (new Database(file, { readonly: true }).prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[]);
    expect(reports.map((r) => r.table).sort()).toEqual(tables.sort());
    for (const r of reports) expect({ table: r.table, rows: r.targetRows, sum: r.targetChecksum }).toEqual({ table: r.table, rows: r.sourceRows, sum: r.sourceChecksum });
    for (const table of ['alerts', 'edges', 'documents', 'incidents', 'incident_events', 'edge_events', 'playback', 'bulletins', 'schedules', 'users', 'audit_log', 'hamlets', 'communes']) {
      expect(rowsOf(reports, table), table).toBeGreaterThan(0);
    }
    expect(formatReport(reports).ok).toBe(true);
    expect(progress).toContain(`copied incidents: ${rowsOf(reports, 'incidents')} rows`);

    const target = postgresQueryDatabase(to);
    expect(await target.db.selectFrom('alerts').select(['id', 'replaces']).orderBy('id').execute()).toEqual([
      { id: 'al-new', replaces: 'al-old' },
      { id: 'al-old', replaces: null },
    ]);
    // the identity continues after SQLite's last audit id, and the audit log stays append-only
    const next = await target.db.insertInto('audit_log').values({ at: Date.now(), actor: 'x', action: 'after-copy' }).returning('id').executeTakeFirstOrThrow();
    const lastSqlite = new Database(file, { readonly: true }).prepare('SELECT max(id) FROM audit_log').pluck().get() as number;
    expect(next.id).toBeGreaterThan(lastSqlite);
    await expect(target.db.deleteFrom('audit_log').execute()).rejects.toThrow(/append-only/);
    await target.close();
  });

  it('refuses a target that has rows unless forced, then replaces its contents', async () => {
    const to = await pg.createDatabase();
    await migrateData({ from: file, to });
    await expect(migrateData({ from: file, to })).rejects.toThrow(MigrateDataError);
    await expect(migrateData({ from: file, to })).rejects.toThrow(/not empty \(rows in communes, .*--force/);
    const again = await migrateData({ from: file, to, force: true });
    expect(formatReport(again).ok).toBe(true);
    const target = postgresQueryDatabase(to);
    const count = await sql<{ n: number }>`SELECT count(*) AS n FROM edges`.execute(target.db);
    expect(count.rows[0]!.n).toBe(rowsOf(again, 'edges'));
    await target.close();
  });

  it('a checksum notices a changed row', async () => {
    const to = await pg.createDatabase();
    await migrateData({ from: file, to });
    const target = postgresQueryDatabase(to);
    await target.db.updateTable('edges').set({ name: 'đổi tên' }).where('hamlet_code', '=', 'ap-1').execute();
    await target.close();
    const reports = await compareDatabases(file, to);
    const edges = reports.find((r) => r.table === 'edges')!;
    expect(edges.sourceRows).toBe(edges.targetRows);
    expect(edges.sourceChecksum).not.toBe(edges.targetChecksum);
    expect(formatReport(reports).ok).toBe(false);
  });

  it('runs from the command line: usage mistakes named, a report printed, exit codes', async () => {
    expect(parseCloudArgs(['migrate-data', '--from', 'cloud.db', '--to', 'postgres://x/y'])).toMatchObject({ error: expect.stringMatching(/^--from: must be sqlite:PATH/) });
    expect(parseCloudArgs(['migrate-data', '--from', 'sqlite:cloud.db'])).toMatchObject({ error: expect.stringMatching(/^--to: is required/) });
    expect(parseCloudArgs(['migrate-data', '--from', 'sqlite:a.db', '--to', 'mysql://x'])).toMatchObject({ error: expect.stringMatching(/^--to: must be a postgres:\/\/ address/) });
    expect(parseCloudArgs(['migrate-data', '--from', 'sqlite:a.db', '--to', 'postgres://h/d', '--force'])).toEqual({ migrateData: { from: 'a.db', to: 'postgres://h/d', force: true } });
    const to = await pg.createDatabase();
    const out: string[] = [];
    const err: string[] = [];
    expect(await runMigrateData({ from: file, to, force: false }, (t) => out.push(t), (t) => err.push(t))).toBe(0);
    expect(out.join('\n')).toMatch(/^incidents\s+\d+\s+\d+\s+[0-9a-f]{16}\s+[0-9a-f]{16}\s+ok$/m);
    expect(await runMigrateData({ from: file, to, force: false }, (t) => out.push(t), (t) => err.push(t))).toBe(1);
    expect(err.at(-1)).toMatch(/^migrate-data refused: the target database is not empty/);
  });
});
