import { execFileSync, spawnSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { verifyExport } from '../evidence/verify-export.js';
import { CLOUD_VERSION } from '../version.js';
import { announce, CLIP, connectIncidentEdge, getRaw, incidentEvent, sha256, SNAPSHOT, userWithRole, type IncidentEdge } from './testing/incident-kit.js';

describe('the police queue: listing, review, notes, media and who may see them', () => {
  let test: TestCloud;
  let market: IncidentEdge;
  let school: IncidentEdge;
  let police: { id: string; token: string };
  let operator: { id: string; token: string };
  const ids: Record<string, string> = {};
  const day = (d: number, hour = 22) => Date.UTC(2026, 10, d, hour - 7); // local Asia/Ho_Chi_Minh time

  beforeAll(async () => {
    test = await startTestCloud();
    market = await connectIncidentEdge(test, 'ap-2a');
    school = await connectIncidentEdge(test, 'ap-3');
    police = await userWithRole(test, 'police');
    operator = await userWithRole(test, 'operator');
    const publish = async (key: string, edge: IncidentEdge, overrides: Parameters<typeof incidentEvent>[0]) => {
      const event = incidentEvent(overrides);
      ids[key] = event.incidentId;
      await edge.publish(event);
    };
    await publish('marketPerson', market, { detectedAt: day(20), startedAt: day(20) - 3000, clip: { ...announce(CLIP), durationMs: 20_000 } });
    await publish('marketCar', market, { detectedAt: day(21), startedAt: day(21), label: 'car', cameraId: 'cho-bac' });
    await publish('schoolPerson', school, { detectedAt: day(22), startedAt: day(22), snapshot: null });
    expect((await market.upload(ids.marketPerson!, 'snapshot', SNAPSHOT)).status).toBe(201);
    expect((await market.upload(ids.marketPerson!, 'clip', CLIP)).status).toBe(201);
  });
  afterAll(async () => {
    await market.close();
    await school.close();
    await test.stop();
  });

  const as = (token: string) => ({
    get: (path: string) => test.request('GET', path, undefined, token),
    patch: (path: string, body: unknown) => test.request('PATCH', path, body, token),
    post: (path: string, body: unknown) => test.request('POST', path, body, token),
  });
  const listIds = async (query: string) => ((await as(police.token).get(`/api/v1/incidents${query}`)).body.items as { id: string }[]).map((i) => i.id);

  it('lists newest first with filters and a total', async () => {
    expect(await listIds('')).toEqual([ids.schoolPerson, ids.marketCar, ids.marketPerson]);
    expect(await listIds('?hamlet=ap-2a')).toEqual([ids.marketCar, ids.marketPerson]);
    expect(await listIds(`?edge=${school.edgeId}`)).toEqual([ids.schoolPerson]);
    expect(await listIds('?camera=cho-bac')).toEqual([ids.marketCar]);
    expect(await listIds('?label=person')).toEqual([ids.schoolPerson, ids.marketPerson]);
    expect(await listIds('?class=person')).toEqual([ids.schoolPerson, ids.marketPerson]);
    expect(await listIds('?class=car')).toEqual([ids.marketCar]);
    expect(await listIds('?from=2026-11-21&to=2026-11-21')).toEqual([ids.marketCar]);
    expect(await listIds('?status=new')).toHaveLength(3);
    const page = (await as(police.token).get('/api/v1/incidents?limit=1&offset=1')).body;
    expect(page).toMatchObject({ total: 3, limit: 1, offset: 1, items: [{ id: ids.marketCar }] });
    expect((await as(police.token).get('/api/v1/incidents?status=closed')).status).toBe(400);
    const both = await as(police.token).get('/api/v1/incidents?class=car&label=person');
    expect(both.status).toBe(400);
    expect(both.body.error.message).toContain('"class" and "label"');
  });

  it('shows an incident with its evidence hashes and their verification', async () => {
    const res = await as(police.token).get(`/api/v1/incidents/${ids.marketPerson}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: ids.marketPerson,
      hamletCode: 'ap-2a',
      edgeName: 'Tủ ap-2a',
      snapshot: { sha256: sha256(SNAPSHOT), verified: true },
      clip: { sha256: sha256(CLIP), verified: true, durationMs: 20_000, url: `/api/v1/incidents/${ids.marketPerson}/clip.mp4` },
      notes: [],
    });
    expect((await as(police.token).get('/api/v1/incidents/inc_doesnotexist')).status).toBe(404);
  });

  it('serves the snapshot and the clip with Range to police, audited once per viewing', async () => {
    const snapshot = await getRaw(test, `/api/v1/incidents/${ids.marketPerson}/snapshot.jpg`, police.token);
    expect(snapshot.status).toBe(200);
    expect(snapshot.headers.get('content-type')).toBe('image/jpeg');
    expect(snapshot.headers.get('x-content-sha256')).toBe(sha256(SNAPSHOT));
    expect(Buffer.from(await snapshot.arrayBuffer()).equals(SNAPSHOT)).toBe(true);

    const part = await getRaw(test, `/api/v1/incidents/${ids.marketPerson}/clip.mp4`, police.token, { range: 'bytes=1000-1999' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-1999/${CLIP.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(CLIP.subarray(1000, 2000))).toBe(true);
    const tail = await getRaw(test, `/api/v1/incidents/${ids.marketPerson}/clip.mp4`, police.token, { range: 'bytes=-100' });
    expect(Buffer.from(await tail.arrayBuffer()).equals(CLIP.subarray(CLIP.length - 100))).toBe(true);

    const views = (await test.cloud.audit.page({ target: `incident:${ids.marketPerson}`, actor: 'police-1' }, 50, 0)).items.map((e) => e.action);
    expect(views.sort()).toEqual(['incident.clip_view', 'incident.snapshot_view']);
    expect((await getRaw(test, `/api/v1/incidents/${ids.schoolPerson}/snapshot.jpg`, police.token)).status).toBe(404);
  });

  it('refuses every other role, for media and metadata, and writes each refusal to the audit log', async () => {
    for (const path of [`/api/v1/incidents/${ids.marketPerson}/clip.mp4`, `/api/v1/incidents/${ids.marketPerson}/snapshot.jpg`, `/api/v1/incidents/${ids.marketPerson}/export.zip`]) {
      const res = await getRaw(test, path, operator.token);
      expect(res.status, path).toBe(403);
      expect(await res.text()).not.toContain('ftyp');
    }
    expect((await as(operator.token).get('/api/v1/incidents')).status).toBe(403);
    const refusals = (await test.cloud.audit.page({ actor: 'operator-1' }, 50, 0)).items;
    expect(refusals.filter((e) => e.action === 'incident.media_refused')).toHaveLength(3);
    expect(refusals.find((e) => e.action === 'incident.media_refused' && e.details?.path === `/api/v1/incidents/${ids.marketPerson}/clip.mp4`)).toMatchObject({
      target: `incident:${ids.marketPerson}`,
      details: { role: 'operator', method: 'GET' },
    });
    expect(refusals.filter((e) => e.action === 'incident.access_refused')).toHaveLength(1);
    expect((await test.request('GET', `/api/v1/incidents/${ids.marketPerson}/clip.mp4`, undefined, null)).status).toBe(401);
  });

  it('moves through the review workflow with an assignee, a legal hold and notes, all audited', async () => {
    const path = `/api/v1/incidents/${ids.marketCar}`;
    const admin = as(test.adminToken);
    const officer = police;

    expect(await admin.patch(path, { status: 'confirmed' })).toMatchObject({ status: 409, body: { error: { details: { from: 'new', allowed: ['reviewing'] } } } });
    expect((await admin.patch(path, { status: 'reviewing', assigneeId: officer.id })).body).toMatchObject({ status: 'reviewing', assignee: { id: officer.id, username: 'police-1' } });
    expect((await admin.patch(path, { assigneeId: operator.id })).status).toBe(400);
    expect((await admin.patch(path, {})).status).toBe(400);
    expect((await admin.patch(path, { status: 'confirmed', legalHold: true })).body).toMatchObject({ status: 'confirmed', legalHold: true });
    const note = await admin.post(`${path}/notes`, { text: 'Xe đỗ trước chợ lúc 22 giờ, đã xác minh với trưởng ấp.' });
    expect(note).toMatchObject({ status: 201, body: { text: 'Xe đỗ trước chợ lúc 22 giờ, đã xác minh với trưởng ấp.', authorName: 'Quản trị viên' } });
    expect((await admin.post(`${path}/notes`, { text: '   ' })).status).toBe(400);

    expect((await admin.get(path)).body.notes).toHaveLength(1);
    const trail = (await test.cloud.audit.trail(`incident:${ids.marketCar}`)).map((e) => [e.action, e.details]);
    expect(trail).toEqual([
      ['incident.status_change', { from: 'new', to: 'reviewing' }],
      ['incident.assign', { from: null, to: officer.id }],
      ['incident.status_change', { from: 'reviewing', to: 'confirmed' }],
      ['incident.legal_hold', { legalHold: true }],
      ['incident.note', { noteId: note.body.id }],
    ]);
    expect(await listIds('?status=confirmed')).toEqual([ids.marketCar]);
    expect(await listIds(`?assignee=${officer.id}`)).toEqual([ids.marketCar]);
  });
  it('exports a zip whose signed manifest and SHA256SUMS verify every file, with the incident\'s audit trail', async () => {
    const res = await getRaw(test, `/api/v1/incidents/${ids.marketPerson}/export.zip`, police.token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="incident-${ids.marketPerson}.zip"`);
    const dir = mkdtempSync(join(tmpdir(), 'sc-export-'));
    try {
      writeFileSync(join(dir, 'export.zip'), Buffer.from(await res.arrayBuffer()));
      execFileSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', join(dir, 'export.zip'), join(dir, 'x')]);
      const out = (name: string) => readFileSync(join(dir, 'x', name));
      expect(readdirSync(join(dir, 'x')).sort()).toEqual(['SHA256SUMS', 'audit.json', 'clip.mp4', 'incident.json', 'manifest.json', 'manifest.sig', 'public-key.pem', 'snapshot.jpg']);
      expect(out('clip.mp4').equals(CLIP)).toBe(true);
      expect(out('snapshot.jpg').equals(SNAPSHOT)).toBe(true);

      const manifest = JSON.parse(out('manifest.json').toString());
      const health = (await test.request('GET', '/healthz')).body as { exportSigningKey: { fingerprint: string; publicKeyPem: string } };
      expect(manifest).toMatchObject({ format: 'smart-commune-evidence-export/2', incidentId: ids.marketPerson, exportedBy: 'police-1', cloudVersion: CLOUD_VERSION });
      expect(manifest.keyFingerprint).toBe(health.exportSigningKey.fingerprint);
      expect(out('public-key.pem').toString()).toBe(health.exportSigningKey.publicKeyPem);
      // the signature is plain Ed25519 over the manifest's bytes: anyone can check it without our code
      expect(verify(null, out('manifest.json'), createPublicKey(out('public-key.pem').toString()), Buffer.from(out('manifest.sig').toString(), 'base64'))).toBe(true);
      expect(manifest.files.map((f: { name: string }) => f.name).sort()).toEqual(['audit.json', 'clip.mp4', 'incident.json', 'snapshot.jpg']);
      for (const file of manifest.files as { name: string; sha256: string; bytes: number }[]) {
        expect(sha256(out(file.name)), file.name).toBe(file.sha256);
        expect(out(file.name).length, file.name).toBe(file.bytes);
      }
      expect(manifest.files.find((f: { name: string }) => f.name === 'clip.mp4').sha256).toBe(sha256(CLIP)); // the edge's own hash
      expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: join(dir, 'x') }).toString().trim().split('\n')).toHaveLength(6);
      expect(await verifyExport(join(dir, 'export.zip'), { fingerprint: health.exportSigningKey.fingerprint })).toMatchObject({ ok: true, problems: [] });

      const metadata = JSON.parse(out('incident.json').toString());
      expect(metadata).toMatchObject({ id: ids.marketPerson, clip: { sha256: sha256(CLIP), verified: true }, notes: [] });
      const trail = JSON.parse(out('audit.json').toString()) as { action: string }[];
      expect(trail.map((e) => e.action)).toEqual(expect.arrayContaining(['incident.media_received', 'incident.clip_view', 'incident.export']));
      expect(trail.at(-1)).toMatchObject({ action: 'incident.export', actor: 'police-1' });

      // a recipient changing one byte is caught
      const clip = out('clip.mp4');
      clip[100] = (clip[100]! + 1) % 256;
      writeFileSync(join(dir, 'x', 'clip.mp4'), clip);
      const check = spawnSync('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], { cwd: join(dir, 'x') });
      expect(check.status).not.toBe(0);
      expect(check.stdout.toString().trim()).toBe('clip.mp4: FAILED');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('dismisses an incident after review with a note, audited, and will not send it back to new', async () => {
    const path = `/api/v1/incidents/${ids.schoolPerson}`;
    const officer = as(police.token);
    const stage = (expected: { from: string; allowed: string[] }, to: string) => ({
      status: 409,
      body: { error: { code: 'conflict', message: `an incident in status "${expected.from}" can move to ${expected.allowed.map((s) => `"${s}"`).join(' or ')}, not "${to}"`, details: expected } },
    });

    expect(await officer.patch(path, { status: 'dismissed' })).toMatchObject(stage({ from: 'new', allowed: ['reviewing'] }, 'dismissed'));
    expect(await officer.patch(path, { status: 'reviewing' })).toMatchObject({ status: 200, body: { status: 'reviewing' } });
    const text = 'Người trong hình là bảo vệ trường đi tuần, không phải đột nhập.';
    const note = await officer.post(`${path}/notes`, { text });
    expect(note.status).toBe(201);
    expect(await officer.patch(path, { status: 'dismissed' })).toMatchObject({ status: 200, body: { id: ids.schoolPerson, status: 'dismissed' } });

    expect((await officer.get(path)).body).toMatchObject({ status: 'dismissed', notes: [{ id: note.body.id, text }] });
    expect((await test.cloud.query.db.selectFrom('incidents').select('status').where('id', '=', ids.schoolPerson!).executeTakeFirst())?.status).toBe('dismissed');
    expect(await listIds('?status=dismissed')).toEqual([ids.schoolPerson]);

    expect(await officer.patch(path, { status: 'new' })).toMatchObject(stage({ from: 'dismissed', allowed: ['reviewing'] }, 'new'));
    expect(await officer.patch(path, { status: 'confirmed' })).toMatchObject(stage({ from: 'dismissed', allowed: ['reviewing'] }, 'confirmed'));
    expect((await officer.get(path)).body.status).toBe('dismissed');

    const trail = (await test.cloud.audit.trail(`incident:${ids.schoolPerson}`)).map((e) => [e.action, e.actor, e.details]);
    expect(trail).toEqual([
      ['incident.status_change', 'police-1', { from: 'new', to: 'reviewing' }],
      ['incident.note', 'police-1', { noteId: note.body.id }],
      ['incident.status_change', 'police-1', { from: 'reviewing', to: 'dismissed' }],
    ]);
  });
});
