/**
 * The calendar part of the province benchmark (issue 10, "Figures"): a database filled with a year's
 * worth of a province's radio (schedules of the province and of each commune, the occurrences given
 * to each box, and proof of play, one million rows by default), and the latency of a commune
 * operator's week calendar under it, two ways: `calendarHttpLatencies` as the console's schedule page
 * asks for it (GET /api/v1/schedules/occurrences on a real cloud, signed in as the operator: the
 * benchmark's calendar figures), and `calendarLatencies` through the function that route calls
 * (week-calendar.ts), on whichever database `q` is (SQLite or PostgreSQL): the database's part.
 * scripts/bench/province.ts seeds the fixture (communes, hamlets, boxes: province-fixture.ts) and runs both.
 */
import { performance } from 'node:perf_hooks';
import { DateTime } from 'luxon';
import type { Insertable } from 'kysely';
import type { QueryDatabase } from '../../../cloud/src/db/query/index.js';
import type { Database } from '../../../cloud/src/db/query/tables.js';
import { ScheduleStore, type Schedule } from '../../../cloud/src/radio/schedules/schedule-store.js';
import { weekCalendar } from '../../../cloud/src/radio/schedules/week-calendar.js';
import { COMMUNE_TIME_ZONE } from '../../../shared/src/index.js';
import type { ProvinceFixture } from './province-fixture.js';
import { timedGet, type BenchCloud } from './province-http.js';

/** The province's places as the fill walks them: each hamlet and box with its commune. */
interface Places {
  communes: string[];
  hamlets: { code: string; commune: string }[];
  edges: { id: string; hamlet: string; commune: string }[];
}

/** The seeded province (one box per hamlet, in the order of its hamlets) as places. */
function placesOf(f: ProvinceFixture): Places {
  const commune = (hamlet: string) => f.hamletCommune.get(hamlet)!;
  return {
    communes: f.communes,
    hamlets: f.hamlets.map((code) => ({ code, commune: commune(code) })),
    edges: f.edges.map((id, i) => ({ id, hamlet: f.hamlets[i]!, commune: commune(f.hamlets[i]!) })),
  };
}

export const DEFAULT_PLAYBACK_ROWS = 1_000_000;
/** Proof of play and given occurrences span this many days, ending today. */
export const DAYS = 90;
const DAY_MS = 86_400_000;
/** Rows per INSERT (playback has 16 columns: 16,000 parameters, under SQLite's 32,766) and INSERTs per transaction. */
const ROWS_PER_INSERT = 1000;
const INSERTS_PER_TRANSACTION = 20;

type Row<T extends keyof Database> = Insertable<Database[T]>;

/** Inserts rows in multi-row INSERTs, INSERTS_PER_TRANSACTION of them per transaction. */
async function insertBatched<T extends keyof Database & string>(q: QueryDatabase, table: T, rows: Iterable<Row<T>>): Promise<number> {
  let count = 0;
  let batch: Row<T>[] = [];
  let batches: Row<T>[][] = [];
  const flush = async () => {
    if (batch.length) batches.push(batch);
    batch = [];
    if (!batches.length) return;
    const pending = batches;
    batches = [];
    await q.db.transaction().execute(async (trx) => {
      // the table is chosen by the caller: Kysely cannot narrow a generic table name's row type
      for (const rowsOf of pending) await trx.insertInto(table).values(rowsOf as never).execute();
    });
  };
  for (const row of rows) {
    batch.push(row);
    count++;
    if (batch.length === ROWS_PER_INSERT) {
      batches.push(batch);
      batch = [];
      if (batches.length === INSERTS_PER_TRANSACTION) await flush();
    }
  }
  await flush();
  return count;
}

/** Local midnight of today in the commune's zone, minus `days`. */
const dayStart = (days: number) => DateTime.now().setZone(COMMUNE_TIME_ZONE).startOf('day').minus({ days }).toMillis();
const localDate = (ms: number) => DateTime.fromMillis(ms, { zone: COMMUNE_TIME_ZONE }).toFormat("yyyy-MM-dd'T'HH:mm");

interface Programme {
  schedule: Schedule;
  /** Minutes after local midnight of its daily slot (for occurrences and proof of play). */
  minute: number;
}

/**
 * A realistic radio for the province: the province's own programmes (daily news everywhere, a weekly
 * one for chosen communes, one for chosen hamlets across communes, a one-off emergency drill) and
 * each commune's own (morning and evening news, weekly programmes for some hamlets, a relay window,
 * one-off announcements, one disabled item, skipped and moved occurrences).
 */
function programmes(fixture: Places, bulletinOf: (commune: string | null) => string): Programme[] {
  const start = localDate(dayStart(DAYS));
  const base = (id: string, communeCode: string | null, title: string, extra: Partial<Schedule>): Schedule => ({
    id,
    title,
    source: { kind: 'bulletin', bulletinId: bulletinOf(communeCode) },
    durationMs: 300_000,
    startsLocal: start,
    timeZone: COMMUNE_TIME_ZONE,
    rrule: 'FREQ=DAILY',
    priority: 'normal',
    volume: 80,
    targets: { all: true },
    enabled: true,
    createdBy: null,
    createdAt: dayStart(DAYS),
    updatedAt: dayStart(DAYS),
    exceptions: [],
    communeCode,
    ...extra,
  });
  const at = (hhmm: string) => start.slice(0, 11) + hhmm;
  const result: Programme[] = [
    { minute: 6 * 60, schedule: base('sch_prov_news', null, 'Thời sự tỉnh', { startsLocal: at('06:00'), priority: 'priority' }) },
    { minute: 20 * 60, schedule: base('sch_prov_law', null, 'Pháp luật và đời sống', { startsLocal: at('20:00'), rrule: 'FREQ=WEEKLY;BYDAY=SA', targets: { communes: fixture.communes.filter((_, i) => i % 3 === 0) } }) },
    { minute: 11 * 60, schedule: base('sch_prov_farm', null, 'Khuyến nông', { startsLocal: at('11:00'), rrule: 'FREQ=WEEKLY;BYDAY=TU,TH', targets: { hamlets: fixture.hamlets.filter((_, i) => i % 7 === 0).slice(0, 50).map((h) => h.code) } }) },
    { minute: 9 * 60, schedule: base('sch_prov_drill', null, 'Diễn tập phòng chống lụt bão', { startsLocal: localDate(dayStart(-3) + 9 * 3600_000), rrule: null, priority: 'emergency' }) },
  ];
  for (const [c, commune] of fixture.communes.entries()) {
    const hamlets = fixture.hamlets.filter((h) => h.commune === commune).map((h) => h.code);
    const id = (name: string) => `sch_${commune}_${name}`;
    const own = (name: string, title: string, minute: number, extra: Partial<Schedule>) =>
      result.push({ minute, schedule: base(id(name), commune, title, { startsLocal: at(`${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`), ...extra }) });
    own('morning', 'Bản tin buổi sáng', 5 * 60 + 30, {
      exceptions: [{ occurrenceLocal: localDate(dayStart(2) + 330 * 60_000), action: 'move', movedToLocal: localDate(dayStart(2) + 390 * 60_000) }],
    });
    own('evening', 'Bản tin buổi chiều', 17 * 60, { exceptions: [{ occurrenceLocal: localDate(dayStart(1) + 17 * 3600_000), action: 'skip', movedToLocal: null }] });
    own('health', 'Sức khỏe cộng đồng', 19 * 60, { rrule: 'FREQ=WEEKLY;BYDAY=MO,WE,FR', targets: { hamlets: hamlets.slice(0, 3) } });
    own('youth', 'Đoàn thanh niên', 18 * 60 + 30, { rrule: 'FREQ=WEEKLY;BYDAY=SU', targets: { hamlets: hamlets.slice(3, 6) } });
    own('relay', 'Tiếp sóng đài tỉnh', 12 * 60, { source: { kind: 'stream', url: `https://radio.example/${commune}` }, durationMs: 1_800_000, rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR' });
    own('old', 'Thông báo cũ (tắt)', 7 * 60, { enabled: false });
    for (let k = 0; k < 6; k++) {
      const day = (c * 5 + k * 17) % (DAYS + 14);
      own(`notice${k}`, `Thông báo số ${k + 1}`, 8 * 60 + k * 10, { startsLocal: localDate(dayStart(DAYS - day) + (8 * 60 + k * 10) * 60_000), rrule: null, priority: k === 0 ? 'priority' : 'normal' });
    }
  }
  return result;
}

/**
 * Fills the database with the province's radio: one audio asset and bulletins, the programmes above,
 * the occurrences each box was given on each of the last DAYS days, and `n` proof-of-play rows
 * spread over communes, boxes and those days (batched multi-row inserts in transactions). Returns
 * what it wrote.
 */
export async function fillPlayback(q: QueryDatabase, province: ProvinceFixture, n = DEFAULT_PLAYBACK_ROWS): Promise<{ schedules: number; occurrences: number; playback: number; ms: number }> {
  const fixture = placesOf(province);
  const started = performance.now();
  const now = Date.now();
  const sha = 'b'.repeat(64);
  await q.db.insertInto('audio_assets').values({ sha256: sha, bytes: 48_000, duration_ms: 300_000, mime: 'audio/ogg', created_at: now }).onConflict((oc) => oc.doNothing()).execute();
  const bulletinOf = (commune: string | null) => `bul_bench_${commune ?? 'province'}`;
  await insertBatched(
    q,
    'bulletins',
    [null, ...fixture.communes].map((commune) => ({
      id: bulletinOf(commune),
      title: `Bản tin ${commune ?? 'tỉnh'}`,
      kind: 'tts',
      text: 'Kính thưa bà con',
      spoken_text: 'Kính thưa bà con',
      asset_sha256: sha,
      duration_ms: 300_000,
      loudness_lufs: -16,
      true_peak_dbtp: -1.5,
      created_at: now,
      commune_code: commune,
    })),
  );
  const list = programmes(fixture, bulletinOf);
  const store = new ScheduleStore(q);
  for (const { schedule } of list) {
    await store.save(schedule);
    for (const e of schedule.exceptions) await store.putException(schedule.id, e);
  }

  // what each box was given: its commune's daily items and the province's news, every day
  const daily = (commune: string) => list.filter((p) => p.schedule.enabled && p.schedule.rrule === 'FREQ=DAILY' && (p.schedule.communeCode === null || p.schedule.communeCode === commune));
  const dailyOf = new Map(fixture.communes.map((c) => [c, daily(c)]));
  const occurrences = await insertBatched(
    q,
    'plan_occurrences',
    (function* () {
      for (const edge of fixture.edges) {
        for (let d = DAYS; d >= 1; d--) {
          for (const p of dailyOf.get(edge.commune) ?? []) {
            const startAt = dayStart(d) + p.minute * 60_000;
            yield { edge_id: edge.id, occurrence_id: `${p.schedule.id}:${startAt}`, schedule_id: p.schedule.id, bulletin_id: bulletinOf(p.schedule.communeCode), start_at: startAt };
          }
        }
      }
    })(),
  );

  // proof of play: row i is box i mod E, on day (i / E) mod DAYS, in the slot (i / E / DAYS) of the day
  const programmesOf = new Map(fixture.communes.map((c) => [c, list.filter((p) => p.schedule.communeCode === null || p.schedule.communeCode === c)]));
  const states = ['completed', 'completed', 'completed', 'completed', 'completed', 'completed', 'completed', 'interrupted', 'missed', 'failed'] as const;
  const edges = fixture.edges;
  const playback = await insertBatched(
    q,
    'playback',
    (function* () {
      for (let i = 0; i < n; i++) {
        const edge = edges[i % edges.length]!;
        const k = Math.floor(i / edges.length);
        const day = 1 + (k % DAYS);
        const slot = Math.floor(k / DAYS);
        const own = programmesOf.get(edge.commune)!;
        const p = own[slot % own.length]!;
        // slots past the programmes' count are extra plays of the day, five minutes apart
        const planned = dayStart(day) + p.minute * 60_000 + Math.floor(slot / own.length) * 300_000;
        const state = states[i % states.length]!;
        const started = state === 'missed' || state === 'failed' ? null : planned + (i % 900);
        yield {
          event_id: `pb_${i}`,
          edge_id: edge.id,
          occurrence_id: `${p.schedule.id}:${planned}`,
          schedule_id: p.schedule.id,
          bulletin_id: p.schedule.source.kind === 'bulletin' ? p.schedule.source.bulletinId : null,
          state,
          planned_start_at: planned,
          actual_start_at: started,
          duration_ms: started === null ? null : state === 'interrupted' ? 120_000 : p.schedule.durationMs,
          reason: state === 'failed' ? 'decode_error' : state === 'missed' ? 'offline' : null,
          zones: null,
          received_at: planned + p.schedule.durationMs + 2000,
          hamlet_code: edge.hamlet,
          commune_code: edge.commune,
          title: p.schedule.title,
          priority: p.schedule.priority,
        };
      }
    })(),
  );
  return { schedules: list.length, occurrences, playback, ms: performance.now() - started };
}

/**
 * `samples` calls of the week calendar as a commune operator (the communes in turn, weeks across the
 * filled days and the next two, every third call filtered to one hamlet), after a few unmeasured
 * warm-up calls; ms per call. Each call must find occurrences: an empty calendar would measure nothing.
 */
export async function calendarLatencies(q: QueryDatabase, province: ProvinceFixture, samples: number): Promise<number[]> {
  const fixture = placesOf(province);
  const store = new ScheduleStore(q);
  const weeks = Math.floor(DAYS / 7) + 2;
  const call = async (i: number) => {
    const communeCode = fixture.communes[(i * 7) % fixture.communes.length]!;
    const from = dayStart(DAYS) + (i % weeks) * 7 * DAY_MS;
    const hamlets = fixture.hamlets.filter((h) => h.commune === communeCode);
    const hamlet = i % 3 === 2 ? hamlets[i % hamlets.length]?.code : undefined;
    const entries = await weekCalendar(store, { from, to: from + 7 * DAY_MS, hamlet, viewer: { communeCode } });
    if (entries.length === 0) throw new Error(`the week calendar of ${communeCode} from ${new Date(from).toISOString()} is empty: the fill did not reach it`);
  };
  for (let i = 0; i < 5; i++) await call(i);
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await call(i);
    ms.push(performance.now() - t0);
  }
  return ms;
}

/** A local date YYYY-MM-DD of the commune's zone, as the console's schedule page sends it. */
const localDay = (ms: number) => DateTime.fromMillis(ms, { zone: COMMUNE_TIME_ZONE }).toISODate()!;

/**
 * `samples` week calendars over HTTP as commune operators signed in (`tokens` by user id): the same
 * communes, weeks and hamlet filters as `calendarLatencies`, each a GET
 * /api/v1/schedules/occurrences?from=<first day>&to=<seventh day> as the schedule page sends it,
 * after a few unmeasured calls; ms per call. Every reply must be 200, not empty, and show only the
 * operator's commune: its own programmes or the province's, in its own hamlets.
 */
export async function calendarHttpLatencies(bench: BenchCloud, tokens: Map<string, string>, province: ProvinceFixture, samples: number): Promise<number[]> {
  type Calendar = { occurrences: { communeCode: string | null; hamlets: string[]; startAt: number }[] };
  const fixture = placesOf(province);
  const weeks = Math.floor(DAYS / 7) + 2;
  const call = async (i: number) => {
    const operator = province.operators[(i * 7) % province.operators.length]!;
    const communeCode = operator.communeCode;
    const token = tokens.get(operator.id);
    if (!token) throw new Error(`${operator.id} is not signed in`);
    const from = dayStart(DAYS) + (i % weeks) * 7 * DAY_MS;
    const hamlets = fixture.hamlets.filter((h) => h.commune === communeCode).map((h) => h.code);
    const hamlet = i % 3 === 2 ? hamlets[i % hamlets.length] : undefined;
    const query = new URLSearchParams({ from: localDay(from), to: localDay(from + 6 * DAY_MS) });
    if (hamlet) query.set('hamlet', hamlet);
    const { ms, body } = await timedGet<Calendar>(bench.cloud, `/api/v1/schedules/occurrences?${query}`, token);
    if (body.occurrences.length === 0) throw new Error(`the week calendar of ${communeCode} from ${localDay(from)} over HTTP is empty: the fill did not reach it`);
    const foreign = body.occurrences.find((o) => (o.communeCode !== null && o.communeCode !== communeCode) || o.hamlets.some((h) => !hamlets.includes(h)));
    if (foreign) throw new Error(`the week calendar of ${communeCode} over HTTP shows another commune's item: ${JSON.stringify(foreign)}`);
    return ms;
  };
  for (let i = 0; i < 5; i++) await call(i);
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) ms.push(await call(i));
  return ms;
}
