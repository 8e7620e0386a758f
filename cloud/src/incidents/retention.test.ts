import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@smart-commune/shared/runtime';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { jsonText } from '../db/query/index.js';
import { IncidentRetention } from './retention.js';
import { announce, CLIP, connectIncidentEdge, incidentEvent, sha256, SNAPSHOT, type IncidentEdge } from './testing/incident-kit.js';

const DAY = 86_400_000;

describe('incident retention', () => {
  let test: TestCloud;
  let edge: IncidentEdge;
  beforeEach(async () => {
    test = await startTestCloud({ SC_INCIDENT_RETENTION_DAYS: 30 });
    edge = await connectIncidentEdge(test, 'ap-4');
  });
  afterEach(async () => {
    await edge.close();
    await test.stop();
  });

  const retentionAt = (now: () => number) => {
    const { store, files } = test.cloud.incidents;
    return new IncidentRetention({ store, files, audit: test.cloud.audit, metrics: test.cloud.metrics, logger: silentLogger(), retentionDays: 30, now });
  };

  it('deletes incidents past the policy with their files, except on legal hold or while another incident shares a file', async () => {
    const start = Date.now();
    let now = start;
    const { store, files } = test.cloud.incidents;
    const retention = retentionAt(() => now);
    const shared = Buffer.concat([SNAPSHOT, Buffer.from([0])]); // another JPEG (bytes after the end marker)

    const stored = async (snapshot: Buffer) => {
      const event = incidentEvent({ snapshot: announce(snapshot) });
      await edge.publish(event);
      expect((await edge.upload(event.incidentId, 'snapshot', snapshot)).status).toBe(201);
      return event.incidentId;
    };
    const old = await stored(SNAPSHOT);
    const held = await stored(shared);
    const oldSharing = await stored(shared);
    expect((await test.request('PATCH', `/api/v1/incidents/${held}`, { legalHold: true })).status).toBe(200);
    const exists = async (id: string) => (await store.get(id)) !== null;

    now = start + 29 * DAY;
    expect(await retention.sweep()).toBe(0);

    now = start + 31 * DAY;
    expect(await retention.sweep()).toBe(2);
    expect(await Promise.all([old, held, oldSharing].map(exists))).toEqual([false, true, false]);
    expect(await files.has(sha256(SNAPSHOT), 'snapshot')).toBe(false);
    expect(await files.has(sha256(shared), 'snapshot')).toBe(true); // the held incident still names it
    // the edge events that carried them are gone too, so a restart's catch-up cannot bring them back
    expect(await store.unapplied()).toEqual([]);
    const { db, dialect } = test.cloud.query;
    const carrying = db
      .selectFrom('edge_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', 'incident')
      .where((eb) => eb(jsonText(dialect, eb.ref('body'), ['incidentId']), '=', old));
    expect(await carrying.executeTakeFirst()).toEqual({ n: 0 });
    expect((await test.cloud.audit.trail(`incident:${old}`)).at(-1)).toMatchObject({ actor: 'system', action: 'incident.purge', details: { retentionDays: 30 } });

    expect((await test.request('PATCH', `/api/v1/incidents/${held}`, { legalHold: false })).status).toBe(200);
    expect(await retention.sweep()).toBe(1);
    expect(await files.has(sha256(shared), 'snapshot')).toBe(false);
    expect((await test.cloud.metrics.incidentsPurged.get()).values[0]?.value).toBe(3);
  });

  it("counts from when the cloud received an incident, not from the box's detectedAt", async () => {
    const start = Date.now();
    let now = start;
    const retention = retentionAt(() => now);
    const event = incidentEvent({ startedAt: 0, detectedAt: 0 }); // a box claiming 1970
    await edge.publish(event);
    const { receivedAt } = (await test.cloud.incidents.store.get(event.incidentId))!;
    expect(receivedAt).toBeGreaterThanOrEqual(start);

    expect(await retention.sweep()).toBe(0);
    expect(await test.cloud.incidents.store.get(event.incidentId)).not.toBeNull();
    now = receivedAt + 30 * DAY + 1;
    expect(await retention.sweep()).toBe(1);
    expect(await test.cloud.incidents.store.get(event.incidentId)).toBeNull();
  });

  it('never purges a confirmed incident; a dismissed one goes with the policy', async () => {
    const retention = retentionAt(() => Date.now() + 400 * DAY);
    const confirmed = incidentEvent();
    const dismissed = incidentEvent();
    for (const [event, end] of [
      [confirmed, 'confirmed'],
      [dismissed, 'dismissed'],
    ] as const) {
      await edge.publish(event);
      expect((await test.request('PATCH', `/api/v1/incidents/${event.incidentId}`, { status: 'reviewing' })).status).toBe(200);
      expect((await test.request('PATCH', `/api/v1/incidents/${event.incidentId}`, { status: end })).status).toBe(200);
    }
    expect(await retention.sweep()).toBe(1);
    expect(await test.cloud.incidents.store.get(confirmed.incidentId)).toMatchObject({ status: 'confirmed' });
    expect(await test.cloud.incidents.store.get(dismissed.incidentId)).toBeNull();
  });
  it("deletes an item with its objects' pictures and clip parts, files included", async () => {
    const start = Date.now();
    let now = start;
    const { store, files } = test.cloud.incidents;
    const picture = Buffer.concat([SNAPSHOT, Buffer.from([1, 2])]);
    const part = Buffer.concat([CLIP, Buffer.alloc(8)]);
    const base = incidentEvent({ snapshot: announce(SNAPSHOT) });
    const object = (trackId: number, shot: Buffer) => ({ trackId, label: 'person', score: 0.8, firstSeenAt: base.startedAt, lastSeenAt: base.detectedAt, box: base.box, snapshot: announce(shot) });
    await edge.publish({
      ...base,
      state: 'closed',
      endedAt: base.detectedAt + 40_000,
      objects: [object(base.trackId, SNAPSHOT), object(99, picture)],
      clipParts: [{ index: 0, startMs: base.startedAt, durationMs: 20_000, ...announce(CLIP) }, { index: 1, startMs: base.startedAt + 20_000, durationMs: 20_000, ...announce(part) }],
      clip: { ...announce(CLIP), durationMs: 20_000 },
    });
    expect((await edge.upload(base.incidentId, 'snapshot', picture, { ref: { trackId: 99 } })).status).toBe(201);
    expect((await edge.upload(base.incidentId, 'clip', part, { ref: { part: 1 } })).status).toBe(201);
    expect(await files.has(sha256(picture), 'snapshot')).toBe(true);

    now = start + 31 * DAY;
    expect(await retentionAt(() => now).sweep()).toBe(1);
    expect(await store.get(base.incidentId)).toBeNull();
    expect(await store.objects(base.incidentId)).toEqual([]);
    expect(await store.parts(base.incidentId)).toEqual([]);
    expect(await files.has(sha256(picture), 'snapshot')).toBe(false);
    expect(await files.has(sha256(part), 'clip')).toBe(false);
  });
});
