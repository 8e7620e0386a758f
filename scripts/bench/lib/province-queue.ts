/**
 * The police queue under a province's data (issue 10): `fillIncidents` writes N incidents spread over
 * the province's communes, hamlets, cameras, classes, statuses and the last 90 days (batched multi-row
 * inserts, a transaction per few batches). Commune police officers use the queue with the filters of
 * `officerFilters` (their commune's alerts, new ones, one hamlet, one camera, one class, last week,
 * the next pages), timed two ways: `queueHttpLatencies` as the console asks for them (GET
 * /api/v1/incidents on a real cloud, signed in as the officer: the benchmark's queue figures), and
 * `queueLatencies` through the store method the route calls (IncidentStore.page), the part of that
 * time the database takes.
 */
import { listCommune } from '../../../cloud/src/communes/edge-commune.js';
import type { QueryDatabase } from '../../../cloud/src/db/query/index.js';
import type { IncidentFilter } from '../../../cloud/src/incidents/incident-records.js';
import { IncidentStore } from '../../../cloud/src/incidents/incident-store.js';
import { IncidentVersions } from '../../../cloud/src/incidents/incident-versions.js';
import type { ProvinceFixture } from './province-fixture.js';
import { timedGet, type BenchCloud } from './province-http.js';

const DAY = 86_400_000;
const CAMERAS = ['cong-truong', 'cho', 'ben-do'];
const LABELS = ['person', 'person', 'person', 'motorcycle', 'motorcycle', 'car', 'bicycle', 'dog'];
/** Rows per INSERT: 25 columns each stays under both databases' parameter limits. */
const BATCH = 1000;
const BATCHES_PER_TRANSACTION = 10;
/** The console's page size (police-pages.ts). */
const PAGE = 20;

/** A small deterministic generator: both databases get the same rows. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Writes `n` incidents (and an object joined to one in five); `now` ends the 90 days. */
export async function fillIncidents(q: QueryDatabase, fixture: ProvinceFixture, n: number, now = Date.now()): Promise<void> {
  const rnd = random(42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  for (let done = 0; done < n; ) {
    await q.db.transaction().execute(async (trx) => {
      for (let b = 0; b < BATCHES_PER_TRANSACTION && done < n; b++) {
        const rows = [];
        const objects = [];
        for (let i = 0; i < BATCH && done < n; i++, done++) {
          const at = now - Math.floor(rnd() * 90 * DAY);
          const e = Math.floor(rnd() * fixture.edges.length);
          const hamlet = fixture.hamlets[e]!;
          const label = pick(LABELS);
          const age = (now - at) / DAY;
          // what is a few days old is mostly reviewed; the newest mostly waits
          const status = age < 2 ? (rnd() < 0.7 ? 'new' : 'reviewing') : rnd() < 0.6 ? 'dismissed' : rnd() < 0.8 ? 'confirmed' : rnd() < 0.5 ? 'reviewing' : 'new';
          const id = `inc_${done.toString(36).padStart(8, '0')}`;
          rows.push({
            id,
            edge_id: fixture.edges[e]!,
            hamlet_code: hamlet,
            commune_code: fixture.hamletCommune.get(hamlet)!,
            camera_id: pick(CAMERAS),
            rule_id: 'dem-nguoi',
            zone_id: 'san',
            label,
            score: 0.5 + rnd() / 2,
            track_id: done % 10_000,
            started_at: at - 2000,
            detected_at: at,
            ended_at: at + 8000,
            box: '{"x":0.4,"y":0.3,"width":0.1,"height":0.3}',
            facts_ts: at,
            snapshot_sha256: null,
            status,
            legal_hold: 0,
            created_at: at,
            updated_at: at,
            received_at: at + 500,
            severity: rnd() < 0.3 ? 'alert' : 'detection',
            state: 'closed',
            flood: 0,
            timeline: '[]',
          });
          if (rnd() < 0.2) objects.push({ incident_id: id, track_id: 1_000_000 + done, label: pick(LABELS), score: 0.6, zone_ids: '["san"]', rule_ids: '[]', first_seen_at: at, last_seen_at: at + 4000, box: '{"x":0.1,"y":0.1,"width":0.1,"height":0.1}' });
        }
        await trx.insertInto('incidents').values(rows).execute();
        if (objects.length > 0) await trx.insertInto('incident_objects').values(objects).execute();
      }
    });
  }
}

/** The filters an officer of `communeCode` sets, in turn; `now` as when the data was filled. */
function officerFilters(communeCode: string | undefined, hamlet: string, now: number): { name: string; filter: IncidentFilter; offset: number }[] {
  return [
    { name: 'alerts', filter: { communeCode, severity: 'alert' }, offset: 0 },
    { name: 'new alerts', filter: { communeCode, severity: 'alert', status: 'new' }, offset: 0 },
    { name: 'one hamlet', filter: { communeCode, severity: 'alert', hamletCode: hamlet }, offset: 0 },
    { name: 'one camera', filter: { communeCode, severity: 'alert', cameraId: 'ben-do' }, offset: 0 },
    { name: 'one class', filter: { communeCode, label: 'car' }, offset: 0 },
    { name: 'last week', filter: { communeCode, severity: 'alert', from: now - 7 * DAY, to: now }, offset: 0 },
    { name: 'page 3', filter: { communeCode, severity: 'alert' }, offset: 2 * PAGE },
    { name: 'everything', filter: { communeCode }, offset: 0 },
  ];
}

/** The officers whose queues are timed: up to eight, spread over the communes. */
const officersOf = (fixture: ProvinceFixture) => fixture.police.filter((_, i) => i % Math.max(1, Math.floor(fixture.police.length / 8)) === 0);

/** The query string the console's queue sends for `filter` (the commune is the server's: the officer's own). */
function queueQuery(filter: IncidentFilter, offset: number): string {
  const q = new URLSearchParams({ severity: filter.severity ?? 'all' });
  if (filter.status) q.set('status', filter.status);
  if (filter.hamletCode) q.set('hamlet', filter.hamletCode);
  if (filter.cameraId) q.set('camera', filter.cameraId);
  if (filter.label) q.set('class', filter.label);
  if (filter.from !== undefined) q.set('from', new Date(filter.from).toISOString());
  if (filter.to !== undefined) q.set('to', new Date(filter.to).toISOString());
  q.set('limit', String(PAGE));
  q.set('offset', String(offset));
  return q.toString();
}

/**
 * Milliseconds per queue page over HTTP: `samples` GET /api/v1/incidents as commune officers signed
 * in (`tokens` by user id), the filters of `officerFilters` in turn, after one unmeasured call per
 * officer. Every reply must be 200 and hold only the officer's commune's incidents; the unfiltered
 * lists must not be empty (an empty page would measure nothing).
 */
export async function queueHttpLatencies(bench: BenchCloud, tokens: Map<string, string>, fixture: ProvinceFixture, samples: number, now = Date.now()): Promise<number[]> {
  type Page = { items: { communeCode: string | null }[]; total: number };
  const officers = officersOf(fixture);
  const tokenOf = (id: string) => {
    const token = tokens.get(id);
    if (!token) throw new Error(`${id} is not signed in`);
    return token;
  };
  for (const officer of officers) await timedGet(bench.cloud, `/api/v1/incidents?${queueQuery({ severity: 'alert' }, 0)}`, tokenOf(officer.id));
  const rnd = random(7);
  const times: number[] = [];
  const byFilter = new Map<string, number[]>();
  for (let i = 0; i < samples; i++) {
    const officer = officers[i % officers.length]!;
    const hamlets = fixture.hamlets.filter((h) => fixture.hamletCommune.get(h) === officer.communeCode);
    const filters = officerFilters(officer.communeCode, hamlets[Math.floor(rnd() * hamlets.length)]!, now);
    const { name, filter, offset } = filters[i % filters.length]!;
    const { ms, body } = await timedGet<Page>(bench.cloud, `/api/v1/incidents?${queueQuery(filter, offset)}`, tokenOf(officer.id));
    times.push(ms);
    byFilter.set(name, [...(byFilter.get(name) ?? []), ms]);
    if (body.items.some((item) => item.communeCode !== officer.communeCode)) throw new Error(`the queue of ${officer.communeCode} over HTTP shows another commune's incident`);
    if ((name === 'alerts' || name === 'everything') && body.items.length === 0) throw new Error(`the queue of ${officer.communeCode} over HTTP (${name}) is empty: the fill did not reach it`);
  }
  console.log(`  queue over HTTP, slowest call per filter: ${[...byFilter].map(([name, ms]) => `${name} ${Math.max(...ms).toFixed(1)} ms`).join(', ')}`);
  return times;
}

/** Milliseconds per queue page (one `IncidentStore.page` call), `samples` calls over several communes' officers. */
export async function queueLatencies(q: QueryDatabase, fixture: ProvinceFixture, samples: number, now = Date.now()): Promise<number[]> {
  const store = new IncidentStore(q, new IncidentVersions(q));
  const officers = officersOf(fixture);
  const rnd = random(7);
  // one warm-up call per officer: the first reads of a cold cache are not what an officer waits for all day
  for (const officer of officers) await store.page({ communeCode: listCommune(officer, undefined), severity: 'alert' }, PAGE, 0);
  const times: number[] = [];
  const byFilter = new Map<string, number[]>();
  for (let i = 0; i < samples; i++) {
    const officer = officers[i % officers.length]!;
    const hamlets = fixture.hamlets.filter((h) => fixture.hamletCommune.get(h) === officer.communeCode);
    const filters = officerFilters(listCommune(officer, undefined), hamlets[Math.floor(rnd() * hamlets.length)]!, now);
    const { name, filter, offset } = filters[i % filters.length]!;
    const started = performance.now();
    const page = await store.page(filter, PAGE, offset);
    const ms = performance.now() - started;
    times.push(ms);
    byFilter.set(name, [...(byFilter.get(name) ?? []), ms]);
    if (page.items.some((item) => item.communeCode !== officer.communeCode)) throw new Error(`the queue of ${officer.communeCode} shows another commune's incident`);
  }
  // which filter is slow, when one is
  console.log(`  queue, slowest call per filter: ${[...byFilter].map(([name, ms]) => `${name} ${Math.max(...ms).toFixed(1)} ms`).join(', ')}`);
  return times;
}
