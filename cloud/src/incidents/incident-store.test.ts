import { incidentEventSchema, type IncidentEvent, type IncidentEventInput } from '@smart-commune/shared';
import { expect, it } from 'vitest';
import { forEachDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { EvictionCandidates } from './eviction-candidates.js';
import { IncidentNotes } from './incident-notes.js';
import type { IncidentFilter } from './incident-records.js';
import { IncidentStore } from './incident-store.js';
import { IncidentVersions } from './incident-versions.js';
import { insertPlaces } from '../../../test-support/places.js';
import { incidentEvent } from './testing/incident-kit.js';

const HOUR = 3600_000;
const T0 = Date.UTC(2026, 10, 1);
const hash = (n: number) => n.toString(16).padStart(64, '0');

/** The kit's event at T0, with a snapshot and an end, as the store takes it. */
function event(overrides: Partial<IncidentEventInput> = {}): IncidentEvent {
  const detectedAt = overrides.detectedAt ?? T0;
  return incidentEventSchema.parse(incidentEvent({ startedAt: detectedAt - 2000, detectedAt, endedAt: detectedAt + 5000, snapshot: { sha256: hash(1), bytes: 100 }, ...overrides }));
}

/** Two communes, two hamlets each, a box per hamlet. */
async function seed(q: TestDatabase) {
  await insertPlaces(q, [
    { code: 'vi-tan', name: 'Vị Tân', hamlets: [{ code: 'ap-1', name: 'Ấp 1', edge: 'e-ap-1' }, { code: 'ap-2', name: 'Ấp 2', edge: 'e-ap-2' }] },
    { code: 'vi-thuy', name: 'Vị Thủy', district: 'Vị Thủy', hamlets: [{ code: 'vt-1', name: 'Ấp Vị Thủy 1', edge: 'e-vt-1' }, { code: 'vt-2', name: 'Ấp Vị Thủy 2', edge: 'e-vt-2' }] },
  ]);
}

function stores(q: TestDatabase, now = () => T0 + 10 * HOUR) {
  const versions = new IncidentVersions(q);
  return { store: new IncidentStore(q, versions, now), versions, notes: new IncidentNotes(q, now) };
}

forEachDatabase('the incident store', (get) => {
  it('applies events: created, then the newest facts win, a late resend rolls nothing back, another box is foreign', async () => {
    const q = get();
    await seed(q);
    const { store } = stores(q);
    const first = event({ state: 'open', endedAt: null });
    expect(await store.upsert('e-ap-1', 'ev1', T0, first, T0 + 1)).toEqual({ outcome: 'created', wasOpen: false });
    const created = (await store.get(first.incidentId))!;
    expect(created).toMatchObject({ edgeId: 'e-ap-1', edgeName: 'Tủ ap-1', hamletCode: 'ap-1', hamletName: 'Ấp 1', communeCode: 'vi-tan', state: 'open', receivedAt: T0 + 1 });
    expect(created.snapshot).toEqual({ sha256: hash(1), bytes: 100, receivedAt: null });
    expect(await store.objects(first.incidentId)).toHaveLength(1);

    const closing = { ...first, state: 'closed' as const, endedAt: T0 + 9000, score: 0.9, clip: { sha256: hash(2), bytes: 500, durationMs: 9000 } };
    expect(await store.upsert('e-ap-1', 'ev2', T0 + 9000, closing, T0 + 9001)).toEqual({ outcome: 'updated', wasOpen: true });
    // the first event again, late: the newer facts stay, the clip announced stays
    expect((await store.upsert('e-ap-1', 'ev1b', T0, first, T0 + 9500)).outcome).toBe('updated');
    const after = (await store.get(first.incidentId))!;
    expect(after).toMatchObject({ state: 'closed', endedAt: T0 + 9000, score: 0.9, receivedAt: T0 + 1 });
    expect(after.clip).toEqual({ sha256: hash(2), bytes: 500, durationMs: 9000, receivedAt: null });
    expect((await store.parts(first.incidentId)).map((p) => p.sha256)).toEqual([hash(2)]);

    expect((await store.upsert('e-vt-1', 'ev3', T0 + 10_000, closing, T0 + 10_001)).outcome).toBe('foreign');
    expect((await store.get(first.incidentId))!.edgeId).toBe('e-ap-1');
    expect(await store.unapplied()).toEqual([]);
  });

  it('keeps a contradiction of a settled incident as the next version, numbered from 2, and changes nothing', async () => {
    const q = get();
    await seed(q);
    const { store, versions } = stores(q);
    const first = event();
    await store.upsert('e-ap-1', 'ev1', T0, first, T0);
    await store.update(first.incidentId, { status: 'reviewing' });
    const v2 = await store.upsert('e-ap-1', 'ev2', T0 + 1000, { ...first, label: 'car' }, T0 + 1000);
    const v3 = await store.upsert('e-ap-1', 'ev3', T0 + 2000, { ...first, score: 0.5 }, T0 + 2000);
    expect(v2).toEqual({ outcome: 'versioned', version: 2, changed: ['label'], wasOpen: false });
    expect(v3).toMatchObject({ outcome: 'versioned', version: 3, changed: ['score'] });
    expect((await store.get(first.incidentId))!).toMatchObject({ label: 'person', score: 0.82, status: 'reviewing' });
    expect((await versions.list(first.incidentId)).map((v) => [v.version, v.eventId, v.facts.label])).toEqual([
      [2, 'ev2', 'car'],
      [3, 'ev3', 'person'],
    ]);
  });

  it('reviews: each field of a patch alone, notes oldest first', async () => {
    const q = get();
    await seed(q);
    const { store } = stores(q);
    let clock = T0;
    const notes = new IncidentNotes(q, () => (clock += 1000));
    const e = event();
    await store.upsert('e-ap-1', 'ev1', T0, e, T0);
    await q.db.insertInto('users').values({ id: 'u1', username: 'cong-an', display_name: 'Công an xã', role: 'police', password_hash: 'x', created_at: 1, updated_at: 1 }).execute();
    await store.update(e.incidentId, { assigneeId: 'u1' });
    await store.update(e.incidentId, { legalHold: true });
    await store.update(e.incidentId, { status: 'reviewing' });
    expect((await store.get(e.incidentId))!).toMatchObject({ status: 'reviewing', legalHold: true, assignee: { id: 'u1', username: 'cong-an', displayName: 'Công an xã' } });
    await store.update(e.incidentId, { assigneeId: null });
    expect((await store.get(e.incidentId))!).toMatchObject({ status: 'reviewing', legalHold: true, assignee: null });
    const author = { id: 'u1', username: 'cong-an', displayName: 'Công an xã' } as Parameters<IncidentNotes['add']>[1];
    await notes.add(e.incidentId, author, 'một');
    await notes.add(e.incidentId, author, 'hai');
    expect((await notes.list(e.incidentId)).map((n) => [n.text, n.authorName])).toEqual([
      ['một', 'Công an xã'],
      ['hai', 'Công an xã'],
    ]);
  });

  it('marks a verified file everywhere the item names it, finds what names a hash, deletes an item with the edge events that carried it', async () => {
    const q = get();
    await seed(q);
    const { store } = stores(q);
    const e = event({ clip: { sha256: hash(2), bytes: 500, durationMs: 9000 } });
    await store.upsert('e-ap-1', 'ev1', T0, e, T0);
    await q.db.insertInto('edge_events').values({ event_id: 'ev1', edge_id: 'e-ap-1', kind: 'incident', ts: T0, received_at: T0, body: JSON.stringify(e) }).execute();
    expect(await store.announced(e.incidentId, 'snapshot', { trackId: 7 })).toEqual({ sha256: hash(1), bytes: 100, receivedAt: null });
    await store.markReceived(e.incidentId, 'snapshot', hash(1));
    await store.markReceived(e.incidentId, 'clip', hash(2));
    const item = (await store.item(e.incidentId))!;
    expect(item.snapshot!.receivedAt).toBe(T0 + 10 * HOUR);
    expect(item.objects[0]!.snapshot!.receivedAt).toBe(T0 + 10 * HOUR);
    expect(item.parts[0]!.receivedAt).toBe(T0 + 10 * HOUR);
    expect(await store.contentHashes(e.incidentId)).toEqual([hash(1), hash(2)]);
    expect(await store.references(hash(2))).toBe(true);
    expect(await new EvictionCandidates(q).next(10)).toEqual([{ id: e.incidentId, tier: 'alert' }]);

    await store.delete(e.incidentId);
    expect(await store.get(e.incidentId)).toBeNull();
    expect(await store.references(hash(1))).toBe(false);
    expect(await q.db.selectFrom('edge_events').select('event_id').execute()).toEqual([]);
  });

  it('orders eviction: dismissed, then detections, then alerts, oldest first; retention skips holds and confirmed', async () => {
    const q = get();
    await seed(q);
    const { store } = stores(q);
    const ids: string[] = [];
    for (const [i, severity] of (['alert', 'detection', 'alert', 'detection'] as const).entries()) {
      const e = event({ severity, detectedAt: T0 + i * HOUR });
      await store.upsert('e-ap-1', `ev${i}`, T0 + i * HOUR, e, T0 + i * HOUR);
      await store.markReceived(e.incidentId, 'snapshot', hash(1));
      ids.push(e.incidentId);
    }
    await store.update(ids[2]!, { status: 'dismissed' });
    await store.update(ids[3]!, { legalHold: true });
    expect((await new EvictionCandidates(q).next(10)).map((c) => [c.id, c.tier])).toEqual([
      [ids[2], 'dismissed'],
      [ids[1], 'detection'],
      [ids[0], 'alert'],
    ]);
    await store.update(ids[0]!, { status: 'confirmed' });
    expect((await store.expired(T0 + 10 * HOUR, 10)).map((x) => x.id)).toEqual([ids[1], ids[2]]);
  });

  it('the police queue: commune scope, status, hamlet, camera, class, time range and paging, newest first, the same on both databases', async () => {
    const q = get();
    await seed(q);
    const { store } = stores(q);
    const edges = ['e-ap-1', 'e-ap-2', 'e-vt-1', 'e-vt-2'];
    const all: { id: string; edge: string; camera: string; detectedAt: number; label: string }[] = [];
    for (let i = 0; i < 40; i++) {
      const edge = edges[i % 4]!;
      const camera = i % 3 === 0 ? 'cong-truong' : 'cho';
      // two items per hour: ties on detectedAt are broken by id
      const e = event({ cameraId: camera, detectedAt: T0 + Math.floor(i / 2) * HOUR, label: i % 5 === 0 ? 'car' : 'person' });
      await store.upsert(edge, `ev${i}`, T0, e, T0);
      all.push({ id: e.incidentId, edge, camera, detectedAt: e.detectedAt, label: e.label });
    }
    // a motorcycle joined one person's item: its class finds it
    const joined = all.find((x) => x.label === 'person' && x.edge === 'e-ap-1')!;
    await q.db.insertInto('incident_objects').values({ incident_id: joined.id, track_id: 99, label: 'motorcycle', score: 0.7, zone_ids: '[]', rule_ids: '[]', first_seen_at: T0, last_seen_at: T0, box: '{"x":0,"y":0,"width":0.1,"height":0.1}' }).execute();
    await store.update(all[4]!.id, { status: 'reviewing' });
    await store.update(all[8]!.id, { status: 'reviewing' });

    const newestFirst = (xs: typeof all) => [...xs].sort((a, b) => b.detectedAt - a.detectedAt || (a.id < b.id ? -1 : 1)).map((x) => x.id);
    const viTan = all.filter((x) => x.edge === 'e-ap-1' || x.edge === 'e-ap-2');
    const ids = async (filter: IncidentFilter, limit = 100, offset = 0) => {
      const page = await store.page(filter, limit, offset);
      return { ids: page.items.map((i) => i.id), total: page.total };
    };
    expect(await ids({ communeCode: 'vi-tan' })).toEqual({ ids: newestFirst(viTan), total: 20 });
    expect(await ids({})).toEqual({ ids: newestFirst(all), total: 40 });
    expect(await ids({ communeCode: 'vi-tan', status: 'reviewing' })).toEqual({ ids: newestFirst([all[4]!, all[8]!]), total: 2 });
    expect(await ids({ communeCode: 'vi-thuy', status: 'reviewing' })).toEqual({ ids: [], total: 0 });
    expect(await ids({ communeCode: 'vi-tan', hamletCode: 'ap-2' })).toEqual({ ids: newestFirst(all.filter((x) => x.edge === 'e-ap-2')), total: 10 });
    expect(await ids({ communeCode: 'vi-tan', cameraId: 'cong-truong' })).toEqual({ ids: newestFirst(viTan.filter((x) => x.camera === 'cong-truong')), total: viTan.filter((x) => x.camera === 'cong-truong').length });
    expect(await ids({ communeCode: 'vi-tan', label: 'motorcycle' })).toEqual({ ids: [joined.id], total: 1 });
    expect((await ids({ communeCode: 'vi-tan', label: 'car' })).ids).toEqual(newestFirst(viTan.filter((x) => x.label === 'car')));
    const range = { from: T0 + 3 * HOUR, to: T0 + 9 * HOUR };
    const inRange = viTan.filter((x) => x.detectedAt >= range.from && x.detectedAt < range.to);
    expect(await ids({ communeCode: 'vi-tan', ...range })).toEqual({ ids: newestFirst(inRange), total: inRange.length });
    // paging: pages follow each other without gap or repeat, the total is the filter's
    const pages = [await ids({ communeCode: 'vi-tan' }, 7, 0), await ids({ communeCode: 'vi-tan' }, 7, 7), await ids({ communeCode: 'vi-tan' }, 7, 14)];
    expect(pages.map((p) => p.total)).toEqual([20, 20, 20]);
    expect(pages.flatMap((p) => p.ids)).toEqual(newestFirst(viTan));

    expect(await store.filterChoices('vi-thuy')).toEqual({ cameras: ['cho', 'cong-truong'], labels: ['car', 'person'] });
    expect((await store.filterChoices()).labels).toEqual(['car', 'motorcycle', 'person']);
    const summaries = await store.objectSummaries([joined.id, all[1]!.id]);
    expect(summaries.get(joined.id)).toEqual({ count: 2, labels: [{ label: 'motorcycle', count: 1 }, { label: 'person', count: 1 }] });
    expect(summaries.get(all[1]!.id)!.count).toBe(1);
  });
});
