import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { SESSION_COOKIE } from '../auth/session-cookie.js';
import { announce, CLIP, connectIncidentEdge, getRaw, incidentEvent, SNAPSHOT, userWithRole, type IncidentEdge } from './testing/incident-kit.js';

describe("a box's later reports of an incident police already handle", () => {
  let test: TestCloud;
  let edge: IncidentEdge;
  let police: { id: string; token: string };
  beforeEach(async () => {
    test = await startTestCloud();
    edge = await connectIncidentEdge(test, 'ap-5');
    police = await userWithRole(test, 'police');
  });
  afterEach(async () => {
    await edge.close();
    await test.stop();
  });

  const detail = async (id: string) => {
    const res = await test.request('GET', `/api/v1/incidents/${id}`, undefined, police.token);
    expect(res.status).toBe(200);
    return res.body;
  };
  const versionedCount = async () => (await test.cloud.metrics.incidentsReceived.get()).values.find((v) => v.labels.outcome === 'versioned')?.value ?? 0;

  it('leave a confirmed incident as reviewed: the contradicting report is kept as version 2, audited, shown in the detail and the export', async () => {
    const event = incidentEvent();
    await edge.publish(event);
    expect((await edge.upload(event.incidentId, 'snapshot', SNAPSHOT)).status).toBe(201);
    const path = `/api/v1/incidents/${event.incidentId}`;
    expect((await test.request('PATCH', path, { status: 'reviewing' }, police.token)).status).toBe(200);
    expect((await test.request('PATCH', path, { status: 'confirmed' }, police.token)).status).toBe(200);
    expect((await test.request('POST', `${path}/notes`, { text: 'Đã xác minh tại hiện trường.' }, police.token)).status).toBe(201);
    const reviewed = await detail(event.incidentId);

    // the audit's replay: later timestamp, other label, score and camera, detected in 1970
    const rewrite = { ...event, label: 'car', score: 0.99, cameraId: 'cho-bac', startedAt: 0, detectedAt: 0 };
    const sentAt = Date.now() + 60_000;
    const eventId = await edge.publish(rewrite, { ts: sentAt });

    const after = await detail(event.incidentId);
    const { versions, ...facts } = after;
    const { versions: none, ...factsBefore } = reviewed;
    expect(none).toEqual([]);
    expect(facts).toEqual(factsBefore); // updatedAt included: nothing was written to the incident
    expect(after).toMatchObject({ label: 'person', score: 0.82, cameraId: 'cong-truong', detectedAt: event.detectedAt, status: 'confirmed' });
    const { incidentId: _id, ...sent } = rewrite;
    expect(versions).toEqual([{ version: 2, eventId, sentAt, receivedAt: expect.any(Number), changed: ['cameraId', 'label', 'score', 'startedAt', 'detectedAt'],
      // as the cloud read it: an older box's report with the item fields' defaults
      facts: { ...sent, severity: 'alert', state: 'closed', continues: null, objects: [], timeline: [], clipParts: [], flood: false } }]);

    expect((await test.cloud.audit.trail(`incident:${event.incidentId}`)).at(-1)).toMatchObject({
      actor: `edge:${edge.edgeId}`,
      action: 'incident.edge_version',
      details: { version: 2, eventId, changed: ['cameraId', 'label', 'score', 'startedAt', 'detectedAt'] },
    });
    expect(await versionedCount()).toBe(1);

    await edge.publish({ ...rewrite, label: 'truck' });
    expect((await detail(event.incidentId)).versions.map((v: { version: number; facts: { label: string } }) => [v.version, v.facts.label])).toEqual([
      [2, 'car'],
      [3, 'truck'],
    ]);

    // the police page says so too, with what the box claimed
    const page = await test.cloud.app.request(`/police/incidents/${event.incidentId}`, { headers: { cookie: `${SESSION_COOKIE}=${police.token}` } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('Thiết bị báo lại thông tin khác');
    expect(html).toContain('Phiên bản 2');
    expect(html).toContain('label: car · score: 0.99');

    const zip = await getRaw(test, `${path}/export.zip`, police.token);
    expect(zip.status).toBe(200);
    const dir = mkdtempSync(join(tmpdir(), 'sc-export-'));
    try {
      writeFileSync(join(dir, 'export.zip'), Buffer.from(await zip.arrayBuffer()));
      execFileSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', join(dir, 'export.zip'), join(dir, 'x')]);
      const metadata = JSON.parse(readFileSync(join(dir, 'x', 'incident.json'), 'utf8'));
      expect(metadata).toMatchObject({ label: 'person', detectedAt: event.detectedAt, notes: [{ text: 'Đã xác minh tại hiện trường.' }] });
      expect(metadata.versions.map((v: { version: number; facts: { label: string; detectedAt: number } }) => [v.version, v.facts.label, v.facts.detectedAt])).toEqual([
        [2, 'car', 0],
        [3, 'truck', 0],
      ]);
      const trail = JSON.parse(readFileSync(join(dir, 'x', 'audit.json'), 'utf8')) as { action: string }[];
      expect(trail.filter((e) => e.action === 'incident.edge_version')).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('still let the box complete a settled incident (its end and its clip) without a version', async () => {
    const event = incidentEvent({ endedAt: null, clip: null });
    await edge.publish(event);
    expect((await edge.upload(event.incidentId, 'snapshot', SNAPSHOT)).status).toBe(201); // a verified file settles it
    const finished = { ...event, endedAt: event.detectedAt + 5000, clip: { ...announce(CLIP), durationMs: 10_000 } };
    await edge.publish(finished);
    await edge.publish(event); // a late resend of the first report says nothing new

    const shown = await detail(event.incidentId);
    expect(shown).toMatchObject({ endedAt: event.detectedAt + 5000, clip: { sha256: announce(CLIP).sha256, durationMs: 10_000, verified: false }, versions: [] });
    expect((await test.cloud.audit.trail(`incident:${event.incidentId}`)).map((e) => e.action)).not.toContain('incident.edge_version');
    expect(await versionedCount()).toBe(0);
  });

  it('follow the newest report while the incident is new and has no verified file', async () => {
    const event = incidentEvent();
    await edge.publish(event);
    await edge.publish({ ...event, label: 'car', score: 0.9 }, { ts: Date.now() + 1000 });
    expect(await detail(event.incidentId)).toMatchObject({ label: 'car', score: 0.9, versions: [] });
  });
});
