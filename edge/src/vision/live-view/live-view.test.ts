import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@smart-commune/shared/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSimCamera, type SimCamera } from '../../../../firmware-sim/src/cameras/sim-camera.js';
import { alive, childPids, commandLine, run } from '../../../../firmware-sim/src/cameras/testing/camera-test-kit.js';
import { waitFor } from '../../../../test-support/wait.js';
import { CLIP, WALKWAY } from '../testing/media.js';
import { withCredentials } from '../onvif/resolve.js';
import { PLAYER_PATH } from './page.js';
import { startLiveView, type LiveView } from './server.js';
import type { LiveCamera } from './page.js';

const PASSWORD = 'tu-ap-3-xem-truc-tiep';
const PLAYER_FILE = createRequire(import.meta.url).resolve('@cycjimmy/jsmpeg-player').replace(/jsmpeg-player\.cjs$/, 'jsmpeg-player.umd.min.js');

/** The relay's ffmpeg processes: children of this process transcoding to MPEG-1. */
const relayFfmpegs = () => childPids(process.pid).filter((pid) => alive(pid) && commandLine(pid).includes('mpeg1video'));

interface Viewer {
  socket: WebSocket;
  bytes: () => Buffer;
  closed: Promise<number>;
}

function watch(url: string, headers: Record<string, string>): Promise<Viewer> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    const chunks: Buffer[] = [];
    socket.on('message', (data: Buffer) => chunks.push(data));
    const closed = new Promise<number>((r) => socket.once('close', (code) => r(code)));
    socket.once('open', () => resolve({ socket, bytes: () => Buffer.concat(chunks), closed }));
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.once('error', reject);
  });
}

describe('live view', () => {
  let cam: SimCamera;
  let live: LiveView;
  let cameras: LiveCamera[];
  let base: string;
  let cookie: string;
  const work = mkdtempSync(join(tmpdir(), 'sc-live-view-'));

  beforeAll(async () => {
    cam = await startSimCamera({ name: 'Cổng ấp 3', username: 'admin', password: 'admin', clip: CLIP, rtspAuth: true, ports: { multicast: null } });
    cameras = [
      {
        id: 'cong-ap-3',
        name: 'Cổng ấp 3',
        streamUrl: withCredentials(cam.rtspUrl, 'admin', 'admin'),
        zones: [{ id: 'loi-di', name: 'Lối đi <chính>', polygon: WALKWAY.map(([x, y]) => [x, y] as [number, number]) }],
      },
    ];
    live = await startLiveView({ host: '127.0.0.1', port: 0, cameras: () => cameras, password: PASSWORD, logger: silentLogger() });
    base = live.url.replace(/\/$/, '');
  }, 60_000);
  afterAll(async () => {
    await live?.stop();
    await cam?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const streamUrl = (id = 'cong-ap-3') => `${base.replace('http:', 'ws:')}/cameras/${id}/stream`;

  it('refuses everything but the login page and the public assets without the password, and starts no ffmpeg', async () => {
    for (const path of ['/', '/cameras/cong-ap-3']) {
      const res = await fetch(`${base}${path}`, { redirect: 'manual' });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
    expect((await fetch(`${base}/`, { headers: { Authorization: 'Bearer wrong-password' }, redirect: 'manual' })).status).toBe(401);
    expect((await fetch(`${base}/cameras/cong-ap-3/stream`)).status).toBe(401);
    await expect(watch(streamUrl(), {})).rejects.toThrow('HTTP 401');
    await expect(watch(streamUrl(), { Authorization: 'Bearer wrong-password' })).rejects.toThrow('HTTP 401');
    await expect(watch(streamUrl(), { Cookie: 'sc_live=made-up' })).rejects.toThrow('HTTP 401');

    const login = await fetch(`${base}/login`, { method: 'POST', body: new URLSearchParams({ password: 'wrong-password' }), redirect: 'manual' });
    expect(login.status).toBe(401);
    expect(await login.text()).toContain('Mật khẩu không đúng.');
    expect(relayFfmpegs()).toEqual([]);
  });

  it('logs a technician in with the password and serves the camera page: local assets only, zones drawn over the video', async () => {
    const login = await fetch(`${base}/login`, { method: 'POST', body: new URLSearchParams({ password: PASSWORD, next: '/cameras/cong-ap-3' }), redirect: 'manual' });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/cameras/cong-ap-3');
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^sc_live=[\w-]{32}; Path=\/; HttpOnly; SameSite=Strict/);
    cookie = setCookie.split(';')[0]!;

    const list = await fetch(`${base}/`, { headers: { Cookie: cookie } });
    expect(list.status).toBe(200);
    expect(await list.text()).toContain('<a href="/cameras/cong-ap-3">Cổng ấp 3</a>');

    const page = await fetch(`${base}/cameras/cong-ap-3`, { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<html lang="vi">');
    const references = [...html.matchAll(/\b(?:src|href|action)="([^"]*)"/g)].map((m) => m[1]!);
    expect(references).toContain(PLAYER_PATH);
    for (const ref of references) expect(ref).toMatch(/^\/(?!\/)/);
    expect(html).toContain(`data-stream="/cameras/cong-ap-3/stream"`);
    expect(html).toContain(`<polygon data-zone="loi-di" points="${WALKWAY.map(([x, y]) => `${x},${y}`).join(' ')}"`);
    expect(html).toContain('viewBox="0 0 1 1"');
    expect(html).toContain('Lối đi &lt;chính&gt;');
    expect(html).not.toContain('rtsp://');

    const player = await fetch(`${base}${PLAYER_PATH}`);
    expect(player.status).toBe(200);
    expect(player.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(Buffer.from(await player.arrayBuffer()).equals(readFileSync(PLAYER_FILE))).toBe(true);
    const client = await (await fetch(`${base}/assets/live-view.js`)).text();
    expect(client).toContain('new JSMpeg.Player(');

    expect((await fetch(`${base}/cameras/nope`, { headers: { Cookie: cookie } })).status).toBe(404);
  });

  it('relays the camera as MPEG-TS with MPEG-1 video over the websocket, one ffmpeg for all viewers, gone when the last leaves', async () => {
    const first = await watch(streamUrl(), { Cookie: cookie, Origin: base });
    const second = await watch(streamUrl(), { Authorization: `Bearer ${PASSWORD}` });
    await waitFor(() => first.bytes().length > 188 * 200 && second.bytes().length > 188 * 50, 'video bytes for both viewers', 30_000);
    const [ffmpeg, ...others] = relayFfmpegs();
    expect(ffmpeg).toBeDefined();
    expect(others).toEqual([]);
    expect(commandLine(ffmpeg!)).toContain('-r 25');
    expect(commandLine(ffmpeg!)).toMatch(/^ffmpeg -rtsp_transport tcp -i rtsp:\/\//); // TCP, as the detection reads it
    expect(live.status()).toEqual([{ cameraId: 'cong-ap-3', viewers: 2, ffmpegPid: ffmpeg }]);

    const ts = first.bytes();
    const packets = Math.floor(ts.length / 188);
    for (let i = 0; i < packets; i++) expect(ts[i * 188]).toBe(0x47);
    const file = join(work, 'relayed.ts');
    writeFileSync(file, ts.subarray(0, packets * 188));
    const probe = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', file]);
    expect((JSON.parse(probe.stdout) as { streams: unknown[] }).streams).toEqual([{ codec_name: 'mpeg1video', width: 640, height: 480 }]);

    first.socket.close();
    await first.closed;
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(ffmpeg!)).toBe(true); // the second viewer still watches
    second.socket.close();
    await second.closed;
    await waitFor(() => !alive(ffmpeg!), 'the relay ffmpeg to end after the last viewer left');
    expect(relayFfmpegs()).toEqual([]);
  }, 60_000);

  it('refuses a stream opened by a page of another site, even with the cookie', async () => {
    await expect(watch(streamUrl(), { Cookie: cookie, Origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
  });

  it('disconnects the viewers of a camera that was removed, and stops its ffmpeg', async () => {
    const viewer = await watch(streamUrl(), { Cookie: cookie });
    const [ffmpeg] = await waitFor(() => (relayFfmpegs().length ? relayFfmpegs() : undefined), 'ffmpeg for the viewer');
    const before = cameras;
    cameras = [];
    try {
      await live.updateCameras();
      expect(await viewer.closed).toBe(1012);
      expect(alive(ffmpeg!)).toBe(false);
      await expect(watch(streamUrl(), { Cookie: cookie })).rejects.toThrow('HTTP 404');
    } finally {
      cameras = before;
    }
  }, 30_000);

  it('refuses further logins from an address after five wrong passwords, even the right one', async () => {
    const attempt = (password: string) => fetch(`${base}/login`, { method: 'POST', body: new URLSearchParams({ password }), redirect: 'manual' });
    for (let i = 0; i < 5; i++) expect((await attempt(`wrong-${i}-password`)).status).toBe(401);
    const refused = await attempt(PASSWORD);
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain('Sai mật khẩu quá nhiều lần');
  });

  it('stop() closes the viewers and ends ffmpeg', async () => {
    const viewer = await watch(streamUrl(), { Cookie: cookie });
    const [ffmpeg] = await waitFor(() => (relayFfmpegs().length ? relayFfmpegs() : undefined), 'ffmpeg for the viewer');
    await live.stop();
    expect(await viewer.closed).toBe(1001);
    expect(alive(ffmpeg!)).toBe(false);
    expect(relayFfmpegs()).toEqual([]);
  }, 30_000);

  it('will not start without a password worth the name', async () => {
    await expect(startLiveView({ host: '127.0.0.1', port: 0, cameras: () => [], password: 'short', logger: silentLogger() })).rejects.toThrow(/at least 8 characters/);
  });
});
