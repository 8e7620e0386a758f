import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCamera, type SimCamera } from '../../../../firmware-sim/src/cameras/sim-camera.js';
import { ffprobeRtsp } from '../../../../firmware-sim/src/cameras/testing/camera-test-kit.js';
import { freePort } from '../../../../test-support/ports.js';
import { CLIP } from '../testing/media.js';
import { CameraSourceError } from './errors.js';
import { resolveCameraSource, withCredentials } from './resolve.js';
import { fetchSnapshot } from './snapshot.js';

/** A password a technician might choose, with the characters a URL must escape. */
const CHANGED = 'Vị Tân@2025:/#?% x';

async function rejection(p: Promise<unknown>): Promise<CameraSourceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CameraSourceError);
  return err as CameraSourceError;
}

describe('resolveCameraSource and fetchSnapshot against a simulated ONVIF camera', () => {
  let cam: SimCamera;

  beforeAll(async () => {
    // RTSP behind Digest too, so that the credentials inserted into the stream URL are put to use
    cam = await startSimCamera({ name: 'Cổng ấp 3', hamlet: 'ap-3', username: 'admin', password: 'admin', clip: CLIP, rtspAuth: true, ports: { multicast: null } });
  }, 60_000);
  afterAll(async () => {
    await cam?.stop();
  });

  it('resolves the profile stream and snapshot of an ONVIF device with the right credentials; ffprobe reads the stream', async () => {
    const resolved = await resolveCameraSource({ kind: 'onvif', xaddr: cam.onvifUrl, username: 'admin', password: 'admin' }, { timeoutMs: 10_000 });
    expect(resolved.streamUrl).toBe(cam.rtspUrl.replace('rtsp://', 'rtsp://admin:admin@'));
    expect(resolved.snapshotUrl).toBe(cam.snapshotUrl);
    expect(resolved.device).toEqual({ manufacturer: 'Smart Commune', model: 'SC-SIM-CAM', firmware: '1.0.0' });
    const { stream, result } = await ffprobeRtsp(resolved.streamUrl);
    expect(stream, result.stderr).toMatchObject({ codec_name: 'h264', width: 768, height: 576 });

    const { stream: anonymous } = await ffprobeRtsp(cam.rtspUrl);
    expect(anonymous).toBeNull();
  }, 60_000);

  it('names the profile it was given, and says so when the camera lacks it', async () => {
    const source = { kind: 'onvif' as const, xaddr: cam.onvifUrl, username: 'admin', password: 'admin' };
    expect((await resolveCameraSource({ ...source, profileToken: 'profile_1' })).streamUrl).toContain(new URL(cam.onvifUrl).hostname);
    const err = await rejection(resolveCameraSource({ ...source, profileToken: 'main' }));
    expect(err.code).toBe('no-profile');
    expect(err.message).toContain('profile "main" not found (the camera has: profile_1)');
  });

  it('refuses a wrong password as unauthorized, in words a technician reads, without the password', async () => {
    const err = await rejection(resolveCameraSource({ kind: 'onvif', xaddr: cam.onvifUrl, username: 'admin', password: 'sai-mat-khau' }));
    expect(err.code).toBe('unauthorized');
    expect(err.message).toMatch(/^Camera từ chối tên đăng nhập hoặc mật khẩu/);
    expect(err.message).toContain(cam.onvifUrl);
    expect(err.message).not.toContain('sai-mat-khau');
  });

  it('gives up on a port where nothing listens as unreachable, within the timeout', async () => {
    const port = await freePort();
    const err = await rejection(resolveCameraSource({ kind: 'onvif', xaddr: `http://127.0.0.1:${port}/onvif/device_service`, username: 'admin', password: 'admin' }, { timeoutMs: 3000 }));
    expect(err.code).toBe('unreachable');
    expect(err.message).toMatch(/^Không kết nối được camera/);
  });

  it('reports a camera that went off the network (fault "unreachable") as unreachable', async () => {
    await cam.fault('unreachable');
    try {
      const err = await rejection(resolveCameraSource({ kind: 'onvif', xaddr: cam.onvifUrl, username: 'admin', password: 'admin' }, { timeoutMs: 2000 }));
      expect(err.code).toBe('unreachable');
    } finally {
      await cam.restore();
    }
  }, 20_000);

  it('works with a camera whose password was changed: URL-encoded in the stream URL, Digest for the snapshot', async () => {
    await cam.setPassword(CHANGED);
    try {
      const source = { kind: 'onvif' as const, xaddr: cam.onvifUrl, username: 'admin', password: CHANGED };
      const resolved = await resolveCameraSource(source);
      expect(resolved.streamUrl).toBe(cam.rtspUrl.replace('rtsp://', `rtsp://admin:${encodeURIComponent(CHANGED)}@`));
      const { stream, result } = await ffprobeRtsp(resolved.streamUrl);
      expect(stream, result.stderr).toMatchObject({ codec_name: 'h264' });

      const jpeg = await fetchSnapshot(resolved.snapshotUrl!, { username: 'admin', password: CHANGED });
      expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
      expect(cam.clip.frames.some((f) => readFileSync(f).equals(jpeg))).toBe(true);

      expect((await rejection(resolveCameraSource({ ...source, password: 'admin' }))).code).toBe('unauthorized');
      expect((await rejection(fetchSnapshot(resolved.snapshotUrl!, { username: 'admin', password: 'admin' }))).code).toBe('unauthorized');
      expect((await rejection(fetchSnapshot(resolved.snapshotUrl!, undefined))).code).toBe('unauthorized');
    } finally {
      await cam.setPassword('admin');
    }
  }, 60_000);

  it('inserts credentials into a plain RTSP source, percent-encoded', async () => {
    const resolved = await resolveCameraSource({ kind: 'rtsp', url: cam.rtspUrl, username: 'admin', password: 'admin' });
    expect(resolved).toEqual({ streamUrl: cam.rtspUrl.replace('rtsp://', 'rtsp://admin:admin@') });
    expect(withCredentials('rtsp://old:pw@10.0.0.5:554/h264?ch=1', 'kỹ thuật', 'a@b:c/d')).toBe(
      'rtsp://k%E1%BB%B9%20thu%E1%BA%ADt:a%40b%3Ac%2Fd@10.0.0.5:554/h264?ch=1',
    );
    expect(withCredentials('rtsp://10.0.0.5/live', undefined, undefined)).toBe('rtsp://10.0.0.5/live');
  });
});

describe('a camera that names another host for its stream or snapshot', () => {
  // a device on the LAN that would like the camera's credentials: it asks for them on a 401
  let rogue: Server;
  let roguePort: number;
  const asked: IncomingHttpHeaders[] = [];
  beforeAll(async () => {
    rogue = createServer((req, res) => {
      asked.push(req.headers);
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="camera"' }).end();
    });
    await new Promise<void>((resolve) => rogue.listen(0, '127.0.0.2', resolve));
    roguePort = (rogue.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => rogue?.close(resolve));
  });

  type Source = { kind: 'onvif'; xaddr: string; username: string; password: string };
  const refusedWith = async (advertise: { streamUri?: string; snapshotUri?: string }, use: (source: Source) => Promise<unknown>) => {
    const cam = await startSimCamera({ name: 'Cổng ấp 4', hamlet: 'ap-4', username: 'admin', password: 'mat-khau-cam', clip: CLIP, ports: { multicast: null }, advertise });
    try {
      const err = await rejection(use({ kind: 'onvif', xaddr: cam.onvifUrl, username: 'admin', password: 'mat-khau-cam' }));
      expect(err.code).toBe('foreign-host');
      expect(err.message).toMatch(/^Camera đưa địa chỉ video hoặc ảnh thuộc một máy khác, không phải chính camera; tủ không gửi mật khẩu tới đó/);
      expect(err.message).toContain(cam.onvifUrl);
      expect(err.message).not.toContain('mat-khau-cam');
      return err;
    } finally {
      await cam.stop();
    }
  };

  it('refuses a snapshot URI on another host, so the credentials are never offered to it', async () => {
    // the box's way to a picture when the camera is not streaming (vision/service.ts): resolve, then fetch with the credentials
    const boxSnapshot = (source: Source) => resolveCameraSource(source).then((r) => fetchSnapshot(r.snapshotUrl!, { username: source.username, password: source.password }));
    const err = await refusedWith({ snapshotUri: `http://127.0.0.2:${roguePort}/onvif/snapshot.jpg` }, boxSnapshot);
    expect(err.message).toContain(`GetSnapshotUri named host "127.0.0.2", not the camera's 127.0.0.1`);
    expect(asked).toEqual([]);
  }, 60_000);

  it('refuses a stream URI on another host (the credentials would be in its RTSP URL)', async () => {
    const err = await refusedWith({ streamUri: `rtsp://127.0.0.2:${roguePort}/stream1` }, (source) => resolveCameraSource(source));
    expect(err.message).toContain(`GetStreamUri named host "127.0.0.2", not the camera's 127.0.0.1`);
  }, 60_000);
});
