import { statfsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { EvictionCandidates } from './eviction-candidates.js';
import { announce, connectIncidentEdge, incidentEvent, sha256, SNAPSHOT, type IncidentEdge } from './testing/incident-kit.js';

/** Another JPEG each time: bytes after the end marker change the hash, not the picture. */
const jpeg = (n: number) => Buffer.concat([SNAPSHOT, Buffer.from([n])]);
const S = SNAPSHOT.length + 1;

describe('the byte budget of the cloud\'s incident media', () => {
  let test: TestCloud;
  let edge: IncidentEdge;
  beforeEach(async () => {
    test = await startTestCloud({ SC_INCIDENT_MEDIA_MAX_BYTES: Math.floor(3.5 * S) });
    edge = await connectIncidentEdge(test, 'ap-4');
  });
  afterEach(async () => {
    await edge.close();
    await test.stop();
  });

  const patch = (id: string, body: unknown) => test.request('PATCH', `/api/v1/incidents/${id}`, body).then((r) => expect(r.status).toBe(200));
  const published = async (n: number) => {
    const event = incidentEvent({ snapshot: announce(jpeg(n)) });
    await edge.publish(event);
    return event.incidentId;
  };
  const stored = async (n: number) => {
    const id = await published(n);
    expect((await edge.upload(id, 'snapshot', jpeg(n))).status).toBe(201);
    return id;
  };
  const exists = async (id: string) => (await test.cloud.incidents.store.get(id)) !== null;
  const health = async () => (await test.request('GET', '/healthz')).body.incidentMedia as { budgetBytes: number; usedBytes: number; source: string };
  const metric = async (name: string) => (await test.request('GET', '/metrics')).body.split('\n').filter((l: string) => l.startsWith(name));

  it('deletes dismissed items first, then the oldest unreviewed; never confirmed, held or in review; refuses with 507 when only those are left', async () => {
    const a = await stored(1);
    const b = await stored(2);
    const c = await stored(3);
    await patch(b, { status: 'reviewing' });
    await patch(b, { status: 'dismissed' });
    await patch(c, { status: 'reviewing' });
    await patch(c, { status: 'confirmed' });
    expect(await health()).toEqual({ budgetBytes: Math.floor(3.5 * S), usedBytes: 3 * S, source: 'configured' });

    // a fourth file does not fit: the dismissed item goes, though the unreviewed one is older
    const d = await stored(4);
    expect(await Promise.all([a, b, c, d].map(exists))).toEqual([true, false, true, true]);
    expect(await test.cloud.incidents.files.has(sha256(jpeg(2)), 'snapshot')).toBe(false);
    expect((await test.cloud.audit.trail(`incident:${b}`)).at(-1)).toMatchObject({
      actor: 'system',
      action: 'incident.evict',
      details: { reason: 'media_budget', tier: 'dismissed', freedBytes: S, budgetBytes: Math.floor(3.5 * S) },
    });

    // then the oldest unreviewed alert; the one on legal hold stays
    await patch(d, { legalHold: true });
    const e = await stored(5);
    expect(await Promise.all([a, c, d, e].map(exists))).toEqual([false, true, true, true]);
    expect((await test.cloud.audit.trail(`incident:${a}`)).at(-1)).toMatchObject({ action: 'incident.evict', details: { tier: 'alert' } });

    // only confirmed, held and in-review items: the upload is refused for now, the box keeps its file and retries
    await patch(e, { status: 'reviewing' });
    const f = await published(6);
    const full = await edge.upload(f, 'snapshot', jpeg(6));
    expect(full.status).toBe(507);
    expect(full.body.error).toMatchObject({ code: 'storage_full' });
    expect(full.body.error.message).toContain('incident media budget is full');
    expect(await Promise.all([c, d, e, f].map(exists))).toEqual([true, true, true, true]);
    expect((await test.cloud.incidents.store.get(f))!.snapshot!.receivedAt).toBeNull();
    expect(await health()).toMatchObject({ usedBytes: 3 * S });

    // a person dismisses the item under review: the retry fits
    await patch(e, { status: 'dismissed' });
    expect((await edge.upload(f, 'snapshot', jpeg(6))).status).toBe(201);
    expect(await Promise.all([c, d, e, f].map(exists))).toEqual([true, true, false, true]);

    expect(await metric('sc_incidents_evicted_total')).toEqual(['sc_incidents_evicted_total{tier="dismissed"} 2', 'sc_incidents_evicted_total{tier="alert"} 1']);
    expect(await metric('sc_incident_media_used_bytes')).toEqual([`sc_incident_media_used_bytes ${3 * S}`]);
    expect(await metric('sc_incident_media_budget_bytes')).toEqual([`sc_incident_media_budget_bytes ${Math.floor(3.5 * S)}`]);
    expect(await metric('sc_incident_media_budget_full_total')).toEqual(['sc_incident_media_budget_full_total 1']);
    expect(await metric('sc_incident_media_rejected_total{kind="snapshot",reason="storage_full"}')).toEqual(['sc_incident_media_rejected_total{kind="snapshot",reason="storage_full"} 1']);
  });

  it('holds room for uploads in progress: two arriving together cannot both take the last room', async () => {
    for (const n of [1, 2]) {
      const id = await stored(n);
      await patch(id, { status: 'reviewing' });
      await patch(id, { status: 'confirmed' });
    }
    const [c, d] = [await published(3), await published(4)];
    const replies = await Promise.all([edge.upload(c, 'snapshot', jpeg(3)), edge.upload(d, 'snapshot', jpeg(4))]);
    expect(replies.map((r) => r.status).sort()).toEqual([201, 507]);
    expect(await health()).toMatchObject({ usedBytes: 3 * S });
  });

  it('counts what is on disk at start and brings a store over a lowered budget under it', async () => {
    const ids = [await stored(1), await stored(2), await stored(3)];
    await test.stop({ keepData: true });
    test = await startTestCloud({ SC_INCIDENT_MEDIA_MAX_BYTES: Math.floor(1.5 * S) }, test.dataDir);
    await test.cloud.incidents.budget.enforce();
    expect(await Promise.all(ids.map(exists))).toEqual([false, false, true]);
    expect(await health()).toMatchObject({ usedBytes: S });
    await edge.close();
    edge = await connectIncidentEdge(test, 'ap-4');
  });

  it('orders by severity: dismissed, then unreviewed detections, then unreviewed alerts', async () => {
    const [alert, detection, dismissed] = [await stored(1), await stored(2), await stored(3)];
    await patch(dismissed, { status: 'reviewing' });
    await patch(dismissed, { status: 'dismissed' });
    await test.cloud.query.db.updateTable('incidents').set({ severity: 'detection' }).where('id', '=', detection).execute();
    expect((await new EvictionCandidates(test.cloud.query).next(10)).map((c) => [c.id, c.tier])).toEqual([
      [dismissed, 'dismissed'],
      [detection, 'detection'],
      [alert, 'alert'],
    ]);
  });
});

describe('the default budget', () => {
  it('is half the file system holding the media store, shown on the health page', async () => {
    const test = await startTestCloud();
    try {
      const fs = statfsSync(join(test.dataDir, 'incidents'));
      expect((await test.request('GET', '/healthz')).body.incidentMedia).toEqual({ budgetBytes: Math.floor((fs.blocks * fs.bsize) / 2), usedBytes: 0, source: 'volume' });
    } finally {
      await test.stop();
    }
  });
});
