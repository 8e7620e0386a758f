import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import onvif from 'onvif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test-support/wait.js';
import { prepareClip } from './clip-cache.js';
import { defaultClip } from './launcher.js';
import { startSimCamera, type SimCamera } from './sim-camera.js';
import {
  alive,
  childPids,
  commandLine,
  ffprobeRtsp,
  frameHashesOfFile,
  postSoap,
  readRtspFrames,
  rtspRequest,
  run,
  soapRequest,
  tcpConnect,
  type Frame,
} from './testing/camera-test-kit.js';

const CLIP = defaultClip();
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

function connectError(port: number): Promise<string> {
  return new Promise((resolve) => {
    new onvif.Cam({ hostname: '127.0.0.1', port, username: 'admin', password: 'admin', timeout: 5000 }, (err) => resolve(err ? ((err as NodeJS.ErrnoException).code ?? err.message) : 'connected'));
  });
}

describe('simulated camera: the RTSP stream', () => {
  let cam: SimCamera;
  let reference: string[];

  beforeAll(async () => {
    reference = await frameHashesOfFile((await prepareClip(CLIP)).stream);
    // starts 2.5 s before the loop point, so that the first reader crosses it soon
    cam = await startSimCamera({ name: 'cam-stream', hamlet: 'ap-1', username: 'admin', password: 'admin', clip: CLIP, clipStartSeconds: 17.5, ports: { multicast: null } });
  }, 60_000);
  afterAll(() => cam?.stop());

  it('keeps ffmpeg decoding across the loop point: the clip\'s frames in order, wrapping from the last to the first, PTS increasing', async () => {
    const last = reference[reference.length - 1]!;
    let wrapAt = -1;
    const { frames, stderr } = await readRtspFrames(cam.rtspUrl, {
      maxFrames: 250, // more than one loop: the wrap is always inside
      onFrame: (got) => {
        if (wrapAt < 0) wrapAt = got.findIndex((f, i) => i > 0 && got[i - 1]!.md5 === last && f.md5 === reference[0]);
        return wrapAt > 0 && got.length >= wrapAt + 30; // 3 s of the next loop decoded
      },
    });
    expect(stderr).toBe('');
    expect(reference).toHaveLength(200);
    expect(wrapAt).toBeGreaterThan(0);
    // every decoded frame is the next frame of the clip (cyclically): no frame lost, repeated or damaged
    const start = reference.indexOf(frames[0]!.md5);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(frames.map((f) => f.md5)).toEqual(frames.map((_, i) => reference[(start + i) % reference.length]));
    // PTS advance by exactly one frame (9000 at 90 kHz, 10 fps) all along, across the loop point too.
    // The first frame is left out: ffmpeg has no timestamp for the first RTP packet and makes one up.
    const steps = frames.slice(2).map((f: Frame, i) => f.pts - frames[i + 1]!.pts);
    expect(steps.length).toBeGreaterThan(wrapAt);
    expect(steps.filter((s) => s !== 9000)).toEqual([]);
  }, 90_000);

  it('is H.264 768x576 at 10 fps that ffprobe reads over TCP', async () => {
    const { stream, result } = await ffprobeRtsp(cam.rtspUrl);
    expect(result.stderr).toBe('');
    expect(stream).toEqual({ codec_name: 'h264', width: 768, height: 576, r_frame_rate: '10/1' });
  }, 60_000);

  it('stream-stopped: the RTSP server is gone (connection refused) while ONVIF answers; restore brings it back', async () => {
    const pid = cam.status().rtspPid!;
    await cam.fault('stream-stopped');
    expect(alive(pid)).toBe(false);
    expect(await tcpConnect(cam.ports.rtsp)).toBe('ECONNREFUSED');
    const { stream, result } = await ffprobeRtsp(cam.rtspUrl);
    expect(stream).toBeNull();
    expect(result.stderr).toMatch(/Connection refused/);
    expect((await postSoap(cam.onvifUrl, soapRequest('<tds:GetSystemDateAndTime/>'))).status).toBe(200);
    expect(cam.status()).toMatchObject({ fault: 'stream-stopped', rtsp: 'stopped', onvif: 'up', rtspPid: null });
    // no video pipeline, no snapshot
    const snapshot = await run('curl', ['-sS', '--digest', '-u', 'admin:admin', '-o', '/dev/null', '-w', '%{http_code}', cam.snapshotUrl]);
    expect(snapshot.stdout).toBe('503');

    await cam.restore();
    expect(cam.status()).toMatchObject({ fault: null, rtsp: 'streaming' });
    const back = await ffprobeRtsp(cam.rtspUrl);
    expect(back.stream).toMatchObject({ codec_name: 'h264', width: 768, height: 576 });
  }, 60_000);

  it('stream-stalled: connections are accepted and RTSP answers, but no frame arrives; restore resumes', async () => {
    const frames: Frame[] = [];
    const stopWatching = new AbortController();
    const watcher = readRtspFrames(cam.rtspUrl, {
      maxFrames: 10_000,
      signal: stopWatching.signal,
      onFrame: (got) => {
        frames.splice(0, frames.length, ...got);
        return false;
      },
    });
    await waitFor(() => frames.length >= 10, 'frames flowing before the stall', 20_000);
    await cam.fault('stream-stalled');
    expect(cam.status()).toMatchObject({ fault: 'stream-stalled', rtsp: 'stalled', onvif: 'up' });
    await new Promise((r) => setTimeout(r, 1000)); // frames already in flight may still land
    const settled = frames.length;
    await new Promise((r) => setTimeout(r, 3000));
    expect(frames.length).toBe(settled); // the reader that was watching gets nothing more

    // a new reader connects and talks RTSP, but no frame comes: ffmpeg's socket timeout ends it
    expect(await tcpConnect(cam.ports.rtsp)).toBe('connected');
    expect(await rtspRequest(cam.ports.rtsp, 'OPTIONS', cam.rtspUrl)).toBe('RTSP/1.0 200 OK');
    const fresh = await readRtspFrames(cam.rtspUrl, { maxFrames: 1, timeoutUs: 2_000_000, killAfterMs: 60_000 });
    expect(fresh.frames).toEqual([]);
    expect(fresh.stderr).toMatch(/timed out/i);
    stopWatching.abort();
    expect((await watcher).frames.length).toBe(settled);

    await cam.restore();
    expect(cam.status()).toMatchObject({ fault: null, rtsp: 'streaming' });
    const resumed = await readRtspFrames(cam.rtspUrl, { maxFrames: 20, timeoutUs: 5_000_000 });
    expect(resumed.frames).toHaveLength(20);
    const start = reference.indexOf(resumed.frames[0]!.md5);
    expect(resumed.frames.map((f) => f.md5)).toEqual(resumed.frames.map((_, i) => reference[(start + i) % reference.length]));
  }, 120_000);

  it('unreachable: ONVIF, snapshot and RTSP all refuse connections; restore brings everything back', async () => {
    await cam.fault('unreachable');
    expect(await tcpConnect(cam.ports.onvif)).toBe('ECONNREFUSED');
    expect(await tcpConnect(cam.ports.rtsp)).toBe('ECONNREFUSED');
    expect(await connectError(cam.ports.onvif)).toBe('ECONNREFUSED');

    await cam.restore();
    expect(await connectError(cam.ports.onvif)).toBe('connected');
    const { stream } = await ffprobeRtsp(cam.rtspUrl);
    expect(stream).toMatchObject({ codec_name: 'h264' });
  }, 60_000);

  it('restarts its RTSP server when it dies on its own, on the same port', async () => {
    const { rtspPid, rtspRestarts } = cam.status();
    process.kill(rtspPid!, 'SIGKILL');
    await waitFor(() => cam.status().rtsp === 'streaming' && cam.status().rtspPid !== rtspPid, 'the RTSP server back up', 20_000);
    expect(cam.status().rtspRestarts).toBe(rtspRestarts + 1);
    expect(await rtspRequest(cam.ports.rtsp, 'OPTIONS', cam.rtspUrl)).toBe('RTSP/1.0 200 OK');
  }, 30_000);
});

describe('simulated cameras leave no processes behind', () => {
  it('stop() ends the GStreamer server and frees every port', async () => {
    const cam = await startSimCamera({ name: 'cam-stop', username: 'admin', password: 'admin', clip: CLIP, ports: { multicast: null } });
    const pid = cam.status().rtspPid!;
    expect(commandLine(pid)).toContain('rtsp-server.py');
    await cam.stop();
    expect(alive(pid)).toBe(false);
    for (const port of [cam.ports.onvif, cam.ports.rtsp, cam.ports.control]) expect(await tcpConnect(port)).toBe('ECONNREFUSED');
  }, 60_000);

  it('the GStreamer servers die with the Node process that started them, even on SIGKILL', async () => {
    const node = spawn(process.execPath, ['--import', 'tsx', MAIN, '--hamlets', 'ap-5,ap-6', '--multicast-port', 'none'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: node.stdout! }).once('line', resolve);
        node.once('exit', (code) => reject(new Error(`camera process exited (${code})`)));
      });
      const configs = (JSON.parse(line) as { cameras: { name: string; rtspUrl: string }[] }).cameras;
      expect(configs.map((c) => c.name)).toEqual(['cam-ap-5-1', 'cam-ap-6-1']);
      const servers = childPids(node.pid!).filter((p) => commandLine(p).includes('rtsp-server.py'));
      expect(servers).toHaveLength(2);
      expect(await rtspRequest(Number(new URL(configs[0]!.rtspUrl).port), 'OPTIONS', configs[0]!.rtspUrl)).toBe('RTSP/1.0 200 OK');

      node.kill('SIGKILL');
      await waitFor(() => servers.every((p) => !alive(p)), 'the GStreamer servers gone', 10_000);
    } finally {
      node.kill('SIGKILL');
    }
  }, 60_000);
});
