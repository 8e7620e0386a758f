import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childProcessCounts, startEdgeDaemon, type EdgeDaemon } from '@smart-commune/edge';
import { silentLogger } from '@smart-commune/shared/runtime';
import { CLIP, MODEL_DIR } from '../../../edge/src/vision/testing/media.js';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { provisionTestEdge, TEST_BACKOFF, type ProvisionedEdge } from '../../../test-support/edge.js';
import { waitFor } from '../../../test-support/wait.js';
import { startSimCamera, type SimCamera } from '../cameras/index.js';

interface FootageView {
  id: string;
  state: string;
  incidentId: string | null;
  missing: Array<{ fromMs: number; toMs: number }>;
  held: { fromMs: number; toMs: number } | null;
  edgeOnline: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

function probe(bytes: Buffer): { duration: number; codec: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'sc-footage-')), 'clip.mp4');
  writeFileSync(file, bytes);
  const out = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', file], { encoding: 'utf8' }));
  return { duration: Number(out.format.duration), codec: out.streams[0].codec_name };
}

describe('footage by time: police ask, the box cuts it from its 24/7 recording, it becomes an evidence item', () => {
  let test: TestCloud;
  let edge: ProvisionedEdge;
  let camera: SimCamera;
  let daemon: EdgeDaemon | undefined;
  let police: string;
  const startBox = async () => {
    daemon = await startEdgeDaemon({ dataDir: edge.dataDir, logger: silentLogger(), backoff: TEST_BACKOFF, modelDir: MODEL_DIR });
    await waitFor(async () => (await test.api('GET', `/api/v1/edges/${edge.edgeId}`)).body.online, 'edge online', 30_000);
  };
  const ask = (fromMs: number, toMs: number, reason = 'Công an xã cần xem cổng chợ') =>
    test.api<FootageView>('POST', `/api/v1/cameras/${edge.edgeId}/cong-cho/footage-requests`, { from: iso(fromMs), to: iso(toMs), reason }, police);
  const state = async (id: string) => (await test.api<FootageView>('GET', `/api/v1/footage-requests/${id}`, undefined, police)).body;
  const answered = (id: string, what: string) => waitFor(async () => ((await state(id)).state !== 'waiting' ? state(id) : undefined), what, 60_000, 250);

  beforeAll(async () => {
    test = await startTestCloud();
    edge = await provisionTestEdge(test, 'ap-5');
    const created = await test.api('POST', '/api/v1/users', { username: 'cong-an', role: 'police', password: 'cong-an-xa-2026', mustChangePassword: false });
    expect(created.status).toBe(201);
    police = await test.login('cong-an', 'cong-an-xa-2026');
    camera = await startSimCamera({ name: 'Cổng chợ', hamlet: 'ap-5', username: 'admin', password: 'admin', clip: CLIP, ports: { multicast: null } });
    await startBox();
    const added = await test.api('POST', `/api/v1/edges/${edge.edgeId}/cameras`, {
      id: 'cong-cho',
      name: 'Cổng chợ',
      source: { kind: 'rtsp', url: camera.rtspUrl },
      detect: { fps: 1 },
      record: { mode: 'continuous', continuousDays: 3 },
    });
    expect(added.status).toBe(201);
  }, 90_000);

  afterAll(async () => {
    await daemon?.stop();
    await camera?.stop();
    await test?.stop();
  });

  it('cuts an asked range without re-encoding into an incident with a verified clip, with one ffmpeg and no ffprobe', async () => {
    const recordingFrom = Date.now();
    await waitFor(() => (daemon!.vision.recorderOf('cong-cho')?.status().toMs ?? 0) > recordingFrom + 12_000, '12 s recorded', 60_000, 250);
    // 24/7 recording files its segments by day (Vietnam's calendar)
    const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
    expect(readdirSync(daemon!.vision.recordingDir('cong-cho'))).toContain(today);
    const fromMs = recordingFrom + 3000;
    const toMs = recordingFrom + 11_000;
    const before = childProcessCounts();
    const asked = await ask(fromMs, toMs);
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ state: 'waiting', incidentId: null, edgeOnline: true });

    const done = await answered(asked.body.id, 'the footage answered');
    expect(done).toMatchObject({ state: 'done', missing: [] });
    const after = childProcessCounts();
    expect((after.ffprobe ?? 0) - (before.ffprobe ?? 0)).toBe(0);
    expect((after.ffmpeg ?? 0) - (before.ffmpeg ?? 0)).toBe(2); // the clip, and its first picture
    const incident = await waitFor(async () => {
      const res = await test.api('GET', `/api/v1/incidents/${done.incidentId}`, undefined, police);
      return res.body.clip?.verified && res.body.snapshot?.verified ? res.body : undefined;
    }, 'the evidence item with its verified clip', 60_000, 250);
    expect(incident).toMatchObject({ edgeId: edge.edgeId, cameraId: 'cong-cho', ruleId: 'footage', label: 'footage', status: 'new' });
    const clip = await fetch(`${test.cloud.httpUrl}${incident.clip.url}`, { headers: { authorization: `Bearer ${police}` } });
    expect(clip.status).toBe(200);
    const bytes = Buffer.from(await clip.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(incident.clip.sha256);
    const probed = probe(bytes);
    expect(probed.codec).toBe('h264');
    expect(Math.abs(probed.duration - 8)).toBeLessThan(1); // within one GOP (1 s) of the asked 8 s

    // the request and its answer are on the record
    const audit = (await test.api('GET', `/api/v1/audit?limit=50`)).body.items as Array<{ action: string; target: string }>;
    expect(audit.map((a) => `${a.action} ${a.target}`)).toEqual(expect.arrayContaining([`footage.request footage:${asked.body.id}`, `footage.answered footage:${asked.body.id}`]));
  }, 120_000);

  it('says plainly that a range the box does not hold is unavailable, and which part of one it holds in part', async () => {
    const now = Date.now();
    const old = await ask(now - 3_600_000, now - 3_000_000);
    const unavailable = await answered(old.body.id, 'the old range answered');
    expect(unavailable).toMatchObject({ state: 'unavailable', incidentId: null, missing: [{ fromMs: now - 3_600_000, toMs: now - 3_000_000 }] });
    expect(unavailable.held!.fromMs).toBeGreaterThan(now - 3_000_000);

    const heldFrom = unavailable.held!.fromMs;
    const partial = await answered((await ask(heldFrom - 60_000, heldFrom + 4000)).body.id, 'the straddling range answered');
    expect(partial.state).toBe('partial');
    expect(partial.incidentId).toMatch(/^inc_/);
    expect(partial.missing).toHaveLength(1);
    expect(partial.missing[0]!.fromMs).toBe(heldFrom - 60_000);
    expect(Math.abs(partial.missing[0]!.toMs - heldFrom)).toBeLessThan(100);

    // a range that is not a range, or too long, is refused with the field named
    const tooLong = await ask(now - 40 * 60_000, now - 5 * 60_000);
    expect(tooLong.status).toBe(400);
    expect(JSON.stringify(tooLong.body)).toContain('30 minutes');
    const viewer = await test.api('POST', '/api/v1/users', { username: 'xem', role: 'viewer', password: 'chi-xem-thoi-2026', mustChangePassword: false });
    expect(viewer.status).toBe(201);
    const refused = await test.api('POST', `/api/v1/cameras/${edge.edgeId}/cong-cho/footage-requests`, { from: iso(now - 60_000), to: iso(now), reason: 'tò mò' }, await test.login('xem', 'chi-xem-thoi-2026'));
    expect(refused.status).toBe(403);
  }, 120_000);

  it('keeps a request for a box that is offline waiting, and the box answers it when it comes back', async () => {
    const recorded = daemon!.vision.recorderOf('cong-cho')!.status();
    const toMs = recorded.toMs! - 1000;
    await daemon!.stop();
    daemon = undefined;
    await waitFor(async () => !(await test.api('GET', `/api/v1/edges/${edge.edgeId}`)).body.online, 'edge offline', 60_000, 250);

    const asked = await ask(toMs - 5000, toMs);
    expect(asked.status).toBe(202);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await state(asked.body.id)).toMatchObject({ state: 'waiting', edgeOnline: false });

    await startBox();
    const done = await answered(asked.body.id, 'the footage answered after the box came back');
    expect(done.state).toBe('done');
    await waitFor(async () => (await test.api('GET', `/api/v1/incidents/${done.incidentId}`, undefined, police)).body.clip?.verified, 'its clip verified', 60_000, 250);

    // the box's telemetry carries the child processes it started; the cloud exposes them per box and tool
    const metrics = (await test.api<string>('GET', '/metrics', undefined, null)).body;
    const ffmpeg = new RegExp(`sc_edge_child_processes_total\\{edge="${edge.edgeId}",tool="ffmpeg"\\} (\\d+)`).exec(metrics);
    expect(Number(ffmpeg?.[1])).toBeGreaterThanOrEqual(4);
  }, 150_000);
});
