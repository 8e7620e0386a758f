import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdgeDaemon, type EdgeDaemon } from '@smart-commune/edge';
import { silentLogger } from '@smart-commune/shared/runtime';
import { readStatus } from '../../../edge/src/cli/status.js';
import { CLIP, MODEL_DIR } from '../../../edge/src/vision/testing/media.js';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { patchEdgeConfig, provisionTestEdge, TEST_BACKOFF, type ProvisionedEdge } from '../../../test-support/edge.js';
import { freePort } from '../../../test-support/ports.js';
import { waitFor } from '../../../test-support/wait.js';
import { startSimCamera, type SimCamera } from '../cameras/index.js';

/** A model dir with the real 416x416 model and a corrupt 320x320 one (a download cut short). */
function modelDirWithCorruptSmallModel(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sc-models-'));
  for (const file of ['yolox_nano_416x416.onnx', 'coco-labels.txt']) symlinkSync(join(MODEL_DIR, file), join(dir, file));
  writeFileSync(join(dir, 'yolox_nano_320x320.onnx'), Buffer.alloc(4096, 7));
  return dir;
}

const ffprobeDuration = (bytes: Buffer) => {
  const file = join(mkdtempSync(join(tmpdir(), 'sc-clip-')), 'clip.mp4');
  writeFileSync(file, bytes);
  return Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim());
};

describe('a hamlet camera watched by its box, incidents delivered to the cloud', () => {
  let test: TestCloud;
  let edge: ProvisionedEdge;
  let camera: SimCamera;
  let daemon: EdgeDaemon;
  let modelDir: string;
  let liveViewUrl: string;
  const LIVE_VIEW_PASSWORD = 'xem-truc-tiep-ap-3';
  const cameraApi = () => `/api/v1/edges/${edge.edgeId}/cameras`;
  const reportedConfig = async () => (await test.api('GET', `/api/v1/edges/${edge.edgeId}/config`)).body;
  const liveOf = async (cameraId: string) => (await test.api('GET', `${cameraApi()}/${cameraId}`)).body.live;

  beforeAll(async () => {
    test = await startTestCloud();
    edge = await provisionTestEdge(test, 'ap-3');
    // the camera's password was changed from the factory admin/admin, as the commune should
    camera = await startSimCamera({ name: 'Cổng chợ', hamlet: 'ap-3', username: 'admin', password: 'cho-vi-tan-2026', clip: CLIP, ports: { multicast: null } });
    modelDir = modelDirWithCorruptSmallModel();
    // the technician's live view, on the cabinet LAN (here loopback), behind the box's password
    const liveViewPort = await freePort();
    liveViewUrl = `http://127.0.0.1:${liveViewPort}`;
    patchEdgeConfig(edge.dataDir, { liveView: { host: '127.0.0.1', port: liveViewPort, password: LIVE_VIEW_PASSWORD, width: 640 } });
    daemon = await startEdgeDaemon({ dataDir: edge.dataDir, logger: silentLogger(), backoff: TEST_BACKOFF, modelDir });
    await waitFor(async () => (await test.api('GET', `/api/v1/edges/${edge.edgeId}`)).body.online, 'edge online');
  }, 60_000);

  afterAll(async () => {
    await daemon?.stop();
    await camera?.stop();
    await test?.stop();
  });

  it('streams an ONVIF camera added in the cloud and turns people into review items with a verified snapshot and the clip in parts', async () => {
    const added = await test.api('POST', cameraApi(), {
      id: 'cong-cho',
      name: 'Cổng chợ',
      source: { kind: 'onvif', xaddr: camera.onvifUrl, username: 'admin', password: 'cho-vi-tan-2026' },
      // people walk by all the time in the clip: items reach their maximum length and continue
      review: { closeAfterSeconds: 10, maxSeconds: 30 },
      rules: [{ id: 'nguoi', name: 'Có người', classes: ['person'] }],
    });
    expect(added.status).toBe(201);
    await waitFor(async () => (await reportedConfig()).reported?.status === 'applied', 'config applied', 30_000);
    await waitFor(async () => (await liveOf('cong-cho')).status === 'streaming', 'camera streaming', 30_000);
    // the recording ring starts with the stream: only later incidents have their full pre-capture
    const fullPreCaptureFrom = Date.now() + 6000;

    const withClip = await waitFor(
      async () =>
        (await test.api('GET', `/api/v1/incidents?edge=${edge.edgeId}`)).body.items?.find(
          (i: { clip: { verified: boolean } | null; detectedAt: number }) => i.clip?.verified && i.detectedAt > fullPreCaptureFrom,
        ),
      'an incident with its clip in the cloud',
      90_000,
      500,
    );
    expect(withClip).toMatchObject({ cameraId: 'cong-cho', ruleId: 'nguoi', label: 'person', hamletCode: 'ap-3', snapshot: { verified: true } });
    expect(withClip.score).toBeGreaterThanOrEqual(0.4);

    const snapshot = await fetch(`${test.cloud.httpUrl}/api/v1/incidents/${withClip.id}/snapshot.jpg`, { headers: { authorization: `Bearer ${test.adminToken}` } });
    expect(snapshot.status).toBe(200);
    expect([...new Uint8Array(await snapshot.arrayBuffer()).slice(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    const clip = await fetch(`${test.cloud.httpUrl}/api/v1/incidents/${withClip.id}/clip.mp4`, { headers: { authorization: `Bearer ${test.adminToken}` } });
    expect(clip.status).toBe(200);
    const seconds = ffprobeDuration(Buffer.from(await clip.arrayBuffer()));
    // the first part, cut while the item is open: 5 s pre-capture before its first object, then 10 s
    const expected = (withClip.detectedAt + 10_000 - (withClip.startedAt - 5000)) / 1000;
    expect(Math.abs(seconds - expected)).toBeLessThanOrEqual(1);
    expect(Math.abs(withClip.clip.durationMs / 1000 - seconds)).toBeLessThan(0.5);
    // the item: its objects with their pictures, its parts, and (people keep coming) the item it continues
    const item = (await test.api('GET', `/api/v1/incidents/${withClip.id}`)).body;
    expect(item.objects.length).toBeGreaterThanOrEqual(1);
    expect(item.parts[0]).toMatchObject({ index: 0, sha256: withClip.clip.sha256, verified: true });
    expect(item.continues).toMatch(/^inc_/);
    expect((await test.api('GET', `/api/v1/incidents/${item.continues}`)).body).toMatchObject({ state: 'closed', continuedBy: withClip.id });

    const telemetry = await waitFor(async () => (await test.api('GET', `/api/v1/edges/${edge.edgeId}`)).body.telemetry?.cameras?.[0], 'camera in telemetry', 30_000);
    expect(telemetry).toMatchObject({ id: 'cong-cho', status: 'streaming' });
    // the technician at the cabinet sees it too (`sc-edge status` reads the data dir)
    const status = readStatus(edge.dataDir);
    expect(status.cameras).toEqual([expect.objectContaining({ id: 'cong-cho', status: 'streaming' })]);
    expect(status.liveViewUrls).toEqual([`${liveViewUrl}/`]); // where the technician at the cabinet opens it
  }, 180_000);

  it('shows the current picture of the camera to a technician', async () => {
    const res = await fetch(`${test.cloud.httpUrl}${cameraApi()}/cong-cho/snapshot.jpg`, { headers: { authorization: `Bearer ${test.adminToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
  }, 30_000);

  it('lists the camera on the box’s live view, for the password only', async () => {
    const anonymous = await fetch(`${liveViewUrl}/`);
    expect(await anonymous.text()).not.toContain('/cameras/cong-cho'); // the login form, nothing of the cameras
    const page = await fetch(`${liveViewUrl}/`, { headers: { authorization: `Bearer ${LIVE_VIEW_PASSWORD}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/cameras/cong-cho');
  });

  it('reopens a stalled stream and reports the stall meanwhile', async () => {
    await camera.fault('stream-stalled');
    const stalled = await waitFor(async () => {
      const live = await liveOf('cong-cho');
      return live.status === 'reconnecting' ? live : null;
    }, 'stall reported', 40_000, 250);
    expect(stalled.error).toMatch(/no video/);
    await camera.restore();
    await waitFor(async () => (await liveOf('cong-cho')).status === 'streaming', 'streaming again', 60_000, 250);
  }, 120_000);

  it('reports a bad stream URL with the reason, masks its password, and keeps the other camera going', async () => {
    const added = await test.api('POST', cameraApi(), {
      id: 'hong',
      name: 'Camera hỏng',
      source: { kind: 'rtsp', url: 'rtsp://127.0.0.1:9/khong-co', username: 'admin', password: 'bi-mat-123' },
    });
    expect(added.status).toBe(201);
    const live = await waitFor(async () => {
      const l = await liveOf('hong');
      return l.status === 'reconnecting' ? l : null;
    }, 'bad camera reported', 30_000);
    expect(live.error).toMatch(/127\.0\.0\.1:9/);
    expect(live.error).not.toContain('bi-mat-123');
    expect((await liveOf('cong-cho')).status).toBe('streaming');
  }, 60_000);

  it('refuses a corrupt model with an error naming its path, the cameras still running on the old one', async () => {
    const changed = await test.api('PATCH', `/api/v1/edges/${edge.edgeId}/surveillance`, { model: '320x320' });
    expect(changed.status).toBe(200);
    const reported = await waitFor(async () => {
      const config = await reportedConfig();
      return config.reported?.version === config.version ? config.reported : null;
    }, 'model change answered', 30_000);
    expect(reported.status).toBe('rejected');
    expect(reported.error).toContain(join(modelDir, 'yolox_nano_320x320.onnx'));
    const before = (await liveOf('cong-cho')).lastFrameAt ?? 0;
    await waitFor(async () => (await test.api('GET', `/api/v1/edges/${edge.edgeId}`)).body.telemetry?.cameras?.find((c: { id: string }) => c.id === 'cong-cho')?.lastFrameAt > before, 'frames still analysed', 30_000);
  }, 60_000);

  it('starts without the model it had, keeping the rest of the box running, and says why', async () => {
    await daemon.stop();
    const model = join(modelDir, 'yolox_nano_416x416.onnx');
    renameSync(model, `${model}.gone`);
    try {
      daemon = await startEdgeDaemon({ dataDir: edge.dataDir, logger: silentLogger(), backoff: TEST_BACKOFF, modelDir });
      await waitFor(async () => (await test.api('POST', `/api/v1/edges/${edge.edgeId}/ping`)).status === 200, 'the box answers', 30_000, 250);
      expect(daemon.vision.telemetry()).toEqual([]); // no camera runs without its model
    } finally {
      renameSync(`${model}.gone`, model);
    }
  }, 60_000);
});
