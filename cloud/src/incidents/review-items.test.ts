import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, type IncidentEventInput } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { announce, CLIP, connectIncidentEdge, getRaw, incidentEvent, SNAPSHOT, userWithRole, type IncidentEdge } from './testing/incident-kit.js';

/** A second picture (different bytes, so a different hash) for the second object. */
const SNAPSHOT_2 = Buffer.concat([SNAPSHOT, Buffer.from([0xff, 0xd9])]);
/** A second clip part: bytes differ from the first part (an MP4 followed by padding still starts like one). */
const CLIP_2 = Buffer.concat([CLIP, Buffer.alloc(16)]);

describe('review items: one incident per period of activity, from new boxes and old ones', () => {
  let test: TestCloud;
  let edge: IncidentEdge;
  let police: { id: string; token: string };
  const seen: { name: string; payload: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    test = await startTestCloud();
    edge = await connectIncidentEdge(test, 'ap-2a');
    police = await userWithRole(test, 'police');
    for (const name of ['incident.opened', 'incident.updated', 'incident.closed'] as const) {
      test.cloud.events.subscribe(name, (payload) => void seen.push({ name, payload: payload as Record<string, unknown> }), `test-${name}`);
    }
  });
  afterAll(async () => {
    await edge.close();
    await test.stop();
  });
  const get = (path: string) => test.request('GET', path, undefined, police.token);

  /** An item as a new box reports it: two people who walked in together, the first part of the clip written. */
  const item = (overrides: Partial<IncidentEventInput> = {}): IncidentEventInput => {
    const at = Date.now() - 60_000;
    const base = incidentEvent({ detectedAt: at, startedAt: at - 1000, trackId: 3 });
    return {
      ...base,
      severity: 'alert',
      state: 'open',
      objects: [
        { trackId: 3, label: 'person', score: 0.9, zoneIds: ['san'], ruleIds: ['dem-nguoi'], firstSeenAt: at - 1000, lastSeenAt: at + 5000, box: base.box, snapshot: announce(SNAPSHOT) },
        { trackId: 4, label: 'person', score: 0.7, zoneIds: ['san'], ruleIds: ['dem-nguoi'], firstSeenAt: at - 500, lastSeenAt: at + 5000, box: base.box, snapshot: announce(SNAPSHOT_2) },
      ],
      timeline: [
        { at: at - 1000, trackId: 3, label: 'person', kind: 'entered', zoneId: 'san' },
        { at: at - 500, trackId: 4, label: 'person', kind: 'entered', zoneId: 'san' },
      ],
      clipParts: [{ index: 0, startMs: at - 6000, durationMs: 20_000, ...announce(CLIP) }],
      clip: { ...announce(CLIP), durationMs: 20_000 },
      ...overrides,
    };
  };

  it('stores an open item with its objects, timeline and parts, and follows it until it closes', async () => {
    const open = item();
    await edge.publish(open);
    const opened = seen.find((e) => e.name === 'incident.opened' && e.payload.incidentId === open.incidentId);
    expect(opened?.payload).toMatchObject({ severity: 'alert', continues: null, label: 'person' });

    let detail = (await get(`/api/v1/incidents/${open.incidentId}`)).body;
    expect(detail).toMatchObject({ state: 'open', severity: 'alert', continues: null, continuedBy: null });
    expect(detail.objects.map((o: { trackId: number }) => o.trackId)).toEqual([3, 4]);
    expect(detail.timeline).toHaveLength(2);
    expect(detail.parts).toMatchObject([{ index: 0, verified: false, url: `/api/v1/incidents/${open.incidentId}/parts/0/clip.mp4` }]);

    // files: the second object's picture and the first part (which is also the item's clip: one upload)
    expect((await edge.upload(open.incidentId, 'snapshot', SNAPSHOT_2, { ref: { trackId: 4 } })).status).toBe(201);
    expect((await edge.upload(open.incidentId, 'snapshot', SNAPSHOT_2, { ref: { trackId: 3 } })).status).toBe(422); // not object 3's hash
    expect((await edge.upload(open.incidentId, 'clip', CLIP, { ref: { part: 0 } })).status).toBe(201);
    expect((await edge.upload(open.incidentId, 'clip', CLIP)).status).toBe(200); // same content: already received
    expect((await edge.upload(open.incidentId, 'clip', CLIP_2, { ref: { part: 1 } })).status).toBe(409); // not announced yet

    // a third person joins, a second part is written, then the item closes
    const later = item({
      incidentId: open.incidentId,
      state: 'closed',
      endedAt: open.detectedAt + 40_000,
      objects: [...item().objects!, { trackId: 9, label: 'person', score: 0.8, zoneIds: [], ruleIds: ['dem-nguoi'], firstSeenAt: open.detectedAt + 10_000, lastSeenAt: open.detectedAt + 30_000, box: open.box, snapshot: null }],
      timeline: [...item().timeline!, { at: open.detectedAt + 10_000, trackId: 9, label: 'person', kind: 'entered' }, { at: open.detectedAt + 30_000, trackId: 9, label: 'person', kind: 'left' }],
      clipParts: [...item().clipParts!, { index: 1, startMs: open.detectedAt + 14_000, durationMs: 20_000, ...announce(CLIP_2) }],
    });
    await edge.publish(later, { ts: Date.now() + 1000 });
    expect((await edge.upload(open.incidentId, 'clip', CLIP_2, { ref: { part: 1 } })).status).toBe(201);
    detail = (await get(`/api/v1/incidents/${open.incidentId}`)).body;
    expect(detail).toMatchObject({ state: 'closed', endedAt: open.detectedAt + 40_000 });
    expect(detail.objects.map((o: { trackId: number }) => o.trackId)).toEqual([3, 4, 9]);
    expect(detail.objects[1].snapshot).toMatchObject({ verified: true, url: `/api/v1/incidents/${open.incidentId}/objects/4/snapshot.jpg` });
    expect(detail.parts.map((p: { verified: boolean }) => p.verified)).toEqual([true, true]);
    expect(detail.timeline.at(-1)).toMatchObject({ trackId: 9, kind: 'left' });
    expect(seen.filter((e) => e.name === 'incident.closed' && e.payload.incidentId === open.incidentId)).toHaveLength(1);
    expect(seen.some((e) => e.name === 'incident.updated' && e.payload.incidentId === open.incidentId && e.payload.objects === 3)).toBe(true);

    // media routes serve the object's picture and each part, verified
    const picture = await getRaw(test, `/api/v1/incidents/${open.incidentId}/objects/4/snapshot.jpg`, police.token);
    expect(picture.status).toBe(200);
    expect(picture.headers.get('x-content-sha256')).toBe(announce(SNAPSHOT_2).sha256);
    const part = await getRaw(test, `/api/v1/incidents/${open.incidentId}/parts/1/clip.mp4`, police.token);
    expect(part.status).toBe(200);
    expect(part.headers.get('x-content-sha256')).toBe(announce(CLIP_2).sha256);
    expect((await getRaw(test, `/api/v1/incidents/${open.incidentId}/objects/9/snapshot.jpg`, police.token)).status).toBe(404);

    // the evidence bundle holds the whole item: every part and every other object's picture, hashed
    const zip = await getRaw(test, `/api/v1/incidents/${open.incidentId}/export.zip`, police.token);
    expect(zip.status).toBe(200);
    const dir = mkdtempSync(join(tmpdir(), 'sc-item-export-'));
    try {
      writeFileSync(join(dir, 'export.zip'), Buffer.from(await zip.arrayBuffer()));
      execFileSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', join(dir, 'export.zip'), join(dir, 'x')]);
      expect(readdirSync(join(dir, 'x')).sort()).toEqual(['SHA256SUMS', 'audit.json', 'clip-part-1.mp4', 'clip.mp4', 'incident.json', 'manifest.json', 'object-4.jpg']);
      expect(readFileSync(join(dir, 'x', 'clip-part-1.mp4')).equals(CLIP_2)).toBe(true);
      const metadata = JSON.parse(readFileSync(join(dir, 'x', 'incident.json'), 'utf8'));
      expect(metadata.objects).toHaveLength(3);
      expect(metadata.parts).toHaveLength(2);
      expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: join(dir, 'x'), encoding: 'utf8' })).toContain('clip-part-1.mp4: OK');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a late resend of an earlier report does not reopen a closed item or drop its objects', async () => {
    const first = item();
    await edge.publish(first, { ts: Date.now() });
    await edge.publish(item({ incidentId: first.incidentId, state: 'closed', endedAt: first.detectedAt + 9000 }), { ts: Date.now() + 5000 });
    await edge.publish(first, { eventId: newId('evt', 16), ts: Date.now() - 5000 });
    const detail = (await get(`/api/v1/incidents/${first.incidentId}`)).body;
    expect(detail).toMatchObject({ state: 'closed', endedAt: first.detectedAt + 9000 });
    expect(detail.objects).toHaveLength(2);
  });

  it('links an item that continues one which reached its maximum length, both ways', async () => {
    const first = item({ state: 'closed', endedAt: Date.now() - 1000 });
    await edge.publish(first);
    const next = item({ continues: first.incidentId });
    await edge.publish(next);
    expect((await get(`/api/v1/incidents/${first.incidentId}`)).body.continuedBy).toBe(next.incidentId);
    expect((await get(`/api/v1/incidents/${next.incidentId}`)).body.continues).toBe(first.incidentId);
  });

  it('accepts an older box’s incident as a closed alert item of one object with its clip as the only part', async () => {
    const old = incidentEvent({ endedAt: Date.now(), clip: { ...announce(CLIP), durationMs: 20_000 } });
    expect(old).not.toHaveProperty('objects');
    await edge.publish(old);
    const detail = (await get(`/api/v1/incidents/${old.incidentId}`)).body;
    expect(detail).toMatchObject({ severity: 'alert', state: 'closed', continues: null });
    expect(detail.objects).toMatchObject([{ trackId: old.trackId, label: 'person', zoneIds: ['san'], ruleIds: ['dem-nguoi'], snapshot: { sha256: old.snapshot!.sha256 } }]);
    expect(detail.timeline).toEqual([{ at: old.startedAt, trackId: old.trackId, label: 'person', kind: 'entered', zoneId: 'san' }]);
    expect(detail.parts).toMatchObject([{ index: 0, sha256: announce(CLIP).sha256, durationMs: 20_000, startMs: old.endedAt! - 20_000 }]);
    // its old upload paths verify the object's picture and the part too
    expect((await edge.upload(old.incidentId, 'snapshot', SNAPSHOT)).status).toBe(201);
    const after = (await get(`/api/v1/incidents/${old.incidentId}`)).body;
    expect(after.objects[0].snapshot.verified).toBe(true);
  });

  /** The console as a police officer's browser sees it (cookie session over app.request()). */
  const consolePage = async (path: string): Promise<string> => {
    const jar = new Map<string, string>();
    const send = async (method: string, url: string, form?: Record<string, string>) => {
      const headers: Record<string, string> = {};
      if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
      const res = await test.cloud.app.request(url, { method, headers, body: form ? new URLSearchParams(form).toString() : undefined, redirect: 'manual' });
      for (const cookie of res.headers.getSetCookie()) {
        const [name, value] = cookie.split(';')[0]!.split('=');
        jar.set(name!, value!);
      }
      return res.text();
    };
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await send('GET', '/login'))![1]!;
    await send('POST', '/login', { _csrf: csrf, username: 'police-1', password: 'password-police-1', next: '/' });
    return send('GET', path);
  };

  it("the police pages: the queue shows alerts unless asked, an item's page plays every part and links the items it continues", async () => {
    const first = item({ state: 'closed', endedAt: Date.now() - 1000 });
    await edge.publish(first);
    const next = item({
      continues: first.incidentId,
      clipParts: [...item().clipParts!, { index: 1, startMs: first.detectedAt + 14_000, durationMs: 20_000, ...announce(CLIP_2) }],
    });
    await edge.publish(next);
    await edge.upload(next.incidentId, 'clip', CLIP, { ref: { part: 0 } });
    await edge.upload(next.incidentId, 'clip', CLIP_2, { ref: { part: 1 } });
    const detection = item({ severity: 'detection', state: 'closed', endedAt: Date.now() });
    await edge.publish(detection);

    const queue = await consolePage('/police/incidents?limit=200');
    expect(queue).toContain(`/police/incidents/${next.incidentId}`);
    expect(queue).not.toContain(`/police/incidents/${detection.incidentId}`);
    expect(await consolePage('/police/incidents?severity=detection')).toContain(`/police/incidents/${detection.incidentId}`);

    const page = await consolePage(`/police/incidents/${next.incidentId}`);
    // one player for the whole item, starting on its first part; every part playable from the part list
    expect(page).toContain(`src="/api/v1/incidents/${next.incidentId}/parts/0/clip.mp4" data-part="0"`);
    expect(page).toContain('<button type="button" class="play-part" data-part="1">');
    expect(page).toContain(`"url":"/api/v1/incidents/${next.incidentId}/parts/1/clip.mp4"`); // the player's list (page data)
    expect(page).toContain(`href="/police/incidents/${first.incidentId}"`);
    expect(page).toContain('Sự việc đang diễn ra');
    expect(await consolePage(`/police/incidents/${first.incidentId}`)).toContain(`href="/police/incidents/${next.incidentId}"`);
  });

  it('the police queue is alerts by default; detections on request', async () => {
    const detection = item({ severity: 'detection', state: 'closed', endedAt: Date.now() });
    await edge.publish(detection);
    const ids = async (query: string) => ((await get(`/api/v1/incidents${query}`)).body.items as { id: string }[]).map((i) => i.id);
    expect(await ids('')).not.toContain(detection.incidentId);
    expect(await ids('?severity=detection')).toContain(detection.incidentId);
    expect((await get('/api/v1/incidents?severity=detection')).body.items.every((i: { severity: string }) => i.severity === 'detection')).toBe(true);
    expect(await ids('?severity=all')).toContain(detection.incidentId);
    expect((await get('/api/v1/incidents?severity=critical')).status).toBe(400);
    // an unknown future severity from a newer box reads as an alert rather than losing the item
    const future = { ...item({ state: 'closed', endedAt: Date.now() }), severity: 'critical' } as unknown as IncidentEventInput;
    await edge.publish(future);
    expect((await get(`/api/v1/incidents/${future.incidentId}`)).body.severity).toBe('alert');
  });
});
