import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { prepareClip, type PreparedClip } from './clip-cache.js';
import { startDiscovery, WS_DISCOVERY_PORT, type DiscoveryResponder } from './discovery.js';
import { DigestAuth } from './http-digest.js';
import { OnvifDevice, type UserStore } from './onvif-device.js';
import { defaultPython, RtspProcess } from './rtsp-process.js';

/**
 * A simulated ONVIF camera bound to 127.0.0.1: an RTSP server looping a real clip (GStreamer, in a
 * child process, no re-encoding), an ONVIF device (Profile S essentials) with WS-Discovery, a JPEG
 * snapshot behind HTTP Digest, and faults on demand through the handle or an HTTP control endpoint.
 */

/** `stream-stopped`: the RTSP server is gone (connection refused). `stream-stalled`: RTSP accepts and
 * answers but sends no frames. `unreachable`: ONVIF, snapshot, discovery and RTSP all down. */
export type CameraFault = 'stream-stopped' | 'stream-stalled' | 'unreachable';
export const CAMERA_FAULTS: readonly CameraFault[] = ['stream-stopped', 'stream-stalled', 'unreachable'];

export interface SimCameraPorts {
  /** ONVIF device and media services and the snapshot (HTTP). */
  onvif?: number;
  rtsp?: number;
  /** WS-Discovery unicast port (directed probes). */
  discovery?: number;
  /** HTTP control endpoint for faults. */
  control?: number;
  /** WS-Discovery multicast port (3702 by default); null to not join the multicast group. */
  multicast?: number | null;
}

export interface SimCameraOptions {
  name: string;
  /** Hamlet code (or name), published in the scope onvif://www.onvif.org/location/<hamlet>. */
  hamlet?: string;
  username: string;
  password: string;
  /** Path of the video clip to loop (any format ffmpeg reads; the shared one is H.264 MP4). */
  clip: string;
  host?: '127.0.0.1';
  /** Ports; 0 or absent picks free ones. */
  ports?: SimCameraPorts;
  /** Interface address on which to join the WS-Discovery group; default the host. */
  multicastInterface?: string;
  /** RTSP mount path; default /stream1. */
  rtspPath?: string;
  /** Require RTSP Digest authentication with the camera's credentials (default false: open RTSP). */
  rtspAuth?: boolean;
  /** Seconds into the clip where the stream starts (cameras of a commune need not show the same moment). */
  clipStartSeconds?: number;
  /** Offset of the camera's clock from the host's, to simulate a camera with a wrong clock. */
  clockSkewMs?: number;
  /** Where prepared clips are cached; default $SC_CAMERA_CACHE or <tmp>/smart-commune-camera-cache. */
  cacheDir?: string;
  /** Python with GStreamer bindings; default $SC_GST_PYTHON or /usr/bin/python3. */
  python?: string;
  log?: (line: string) => void;
}

export interface SimCameraStatus {
  name: string;
  hamlet: string | null;
  fault: CameraFault | null;
  onvif: 'up' | 'down';
  rtsp: 'streaming' | 'stalled' | 'stopped' | 'restarting';
  rtspPid: number | null;
  /** Unexpected exits of the RTSP server that the supervisor restarted. */
  rtspRestarts: number;
  onvifUrl: string;
  rtspUrl: string;
  snapshotUrl: string;
}

export interface SimCamera {
  readonly name: string;
  readonly hamlet: string | null;
  /** `urn:uuid:…`, stable for a given hamlet and name. */
  readonly endpoint: string;
  readonly host: string;
  /** http://127.0.0.1:PORT/onvif/device_service */
  readonly onvifUrl: string;
  readonly rtspUrl: string;
  readonly snapshotUrl: string;
  /** http://127.0.0.1:PORT/ (GET status, POST fault, POST restore, POST password) */
  readonly controlUrl: string;
  /** WS-Discovery unicast port. */
  readonly discoveryPort: number;
  readonly ports: { onvif: number; rtsp: number; discovery: number; control: number; multicast: number | null };
  readonly clip: PreparedClip;
  status(): SimCameraStatus;
  fault(kind: CameraFault): Promise<void>;
  restore(): Promise<void>;
  /** Changes the password (ONVIF, snapshot and, with rtspAuth, RTSP), as ONVIF SetUser does. */
  setPassword(password: string): Promise<void>;
  stop(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;
const frameCache = new Map<string, Promise<Buffer>>();
const readFrame = (path: string) => {
  let p = frameCache.get(path);
  if (!p) {
    p = readFile(path);
    frameCache.set(path, p);
    p.catch(() => frameCache.delete(path));
  }
  return p;
};

function stableId(hamlet: string | undefined, name: string): { uuid: string; serial: string } {
  const h = createHash('sha1').update(`smart-commune-sim-camera\0${hamlet ?? ''}\0${name}`).digest('hex');
  const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  return { uuid, serial: `SC${h.slice(0, 10).toUpperCase()}` };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(null);
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { ...headers, 'Content-Length': String(buf.length) });
  res.end(res.req.method === 'HEAD' ? undefined : buf);
}

export async function startSimCamera(options: SimCameraOptions): Promise<SimCamera> {
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1') throw new Error('simulated cameras bind 127.0.0.1 only');
  if (!options.name.trim()) throw new Error('a camera needs a name');
  if (!options.username) throw new Error('a camera needs a username');
  const log = options.log ?? (() => undefined);
  const rtspPath = options.rtspPath ?? '/stream1';
  const clockSkewMs = options.clockSkewMs ?? 0;
  const clip = await prepareClip(options.clip, options.cacheDir);
  const clipStartMs = (((options.clipStartSeconds ?? 0) % clip.durationSeconds) + clip.durationSeconds) % clip.durationSeconds * 1000;
  const { uuid, serial } = stableId(options.hamlet, options.name);
  const endpoint = `urn:uuid:${uuid}`;

  const passwords = new Map([[options.username, options.password]]);
  const digest = new DigestAuth(`SC-SIM-CAM ${serial}`);

  // ---- state
  let fault: CameraFault | null = null;
  let stopped = false;
  let onvifPort = options.ports?.onvif ?? 0;
  let rtspPort = options.ports?.rtsp ?? 0;
  let rtsp: RtspProcess | null = null;
  let rtspState: SimCameraStatus['rtsp'] = 'stopped';
  let rtspRestarts = 0;
  let restartTimer: NodeJS.Timeout | null = null;
  let crashesInRow = 0;
  let streamEpoch = Date.now();
  let frozenPositionMs: number | null = null;

  const onvifUrl = () => `http://${host}:${onvifPort}/onvif/device_service`;
  const mediaUrl = () => `http://${host}:${onvifPort}/onvif/media_service`;
  const snapshotUrl = () => `http://${host}:${onvifPort}/onvif/snapshot.jpg`;
  const rtspUrl = () => `rtsp://${host}:${rtspPort}${rtspPath}`;
  const positionMs = () => frozenPositionMs ?? (clipStartMs + Date.now() - streamEpoch) % (clip.durationSeconds * 1000);

  const scopes = () => [
    'onvif://www.onvif.org/type/video_encoder',
    'onvif://www.onvif.org/type/Network_Video_Transmitter',
    'onvif://www.onvif.org/Profile/Streaming',
    'onvif://www.onvif.org/hardware/SC-SIM-CAM',
    `onvif://www.onvif.org/name/${encodeURIComponent(options.name)}`,
    ...(options.hamlet ? [`onvif://www.onvif.org/location/${encodeURIComponent(options.hamlet)}`] : []),
  ];

  const changePassword = async (username: string, password: string) => {
    passwords.set(username, password);
    log(`password of ${username} changed`);
    if (options.rtspAuth && username === options.username) await rtsp?.command({ cmd: 'password', password });
  };

  const users: UserStore = {
    passwordOf: (u) => passwords.get(u),
    setPassword: (u, p) => {
      if (!passwords.has(u)) return false;
      void changePassword(u, p);
      return true;
    },
    list: () => [...passwords.keys()].map((username) => ({ username, level: 'Administrator' as const })),
  };

  const device = new OnvifDevice({
    info: {
      manufacturer: 'Smart Commune',
      model: 'SC-SIM-CAM',
      firmwareVersion: '1.0.0',
      serialNumber: serial,
      hardwareId: 'sim-h264-1',
      hostname: options.name.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'camera',
    },
    video: { width: clip.width, height: clip.height, fps: clip.fps, gopFrames: clip.gopFrames, bitrateKbps: clip.bitrateKbps },
    host,
    deviceUrl: onvifUrl,
    mediaUrl,
    streamUri: rtspUrl,
    snapshotUri: snapshotUrl,
    scopes,
    endpoint,
    users,
    digest,
    clockMs: () => Date.now() + clockSkewMs,
    timeZone: { posix: 'ICT-7', offsetMinutes: 420 },
    log,
  });

  // ---- ONVIF and snapshot over HTTP
  const onvifServer = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/onvif/device_service' || path === '/onvif/media_service') {
        if (req.method !== 'POST') return send(res, 405, 'POST only\n', { Allow: 'POST', 'Content-Type': 'text/plain' });
        const body = await readBody(req);
        if (body === null) return send(res, 413, 'request too large\n', { 'Content-Type': 'text/plain', Connection: 'close' });
        const reply = device.handle(body, req.headers, req.url ?? path);
        return send(res, reply.status, reply.body, { 'Content-Type': 'application/soap+xml; charset=utf-8', ...reply.headers });
      }
      if (path === '/onvif/snapshot.jpg') {
        if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'GET only\n', { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' });
        const auth = digest.verify(req.headers.authorization, req.method, req.url ?? path, (u) => passwords.get(u));
        if (auth !== 'ok') {
          return send(res, 401, 'authentication required\n', { 'WWW-Authenticate': digest.challenge(auth === 'stale'), 'Content-Type': 'text/plain' });
        }
        if (rtspState !== 'streaming' && rtspState !== 'stalled') return send(res, 503, 'video pipeline not running\n', { 'Content-Type': 'text/plain', 'Retry-After': '5' });
        const index = Math.floor((positionMs() / 1000) * clip.fps / clip.frameStep) % clip.frames.length;
        const jpeg = await readFrame(clip.frames[index]!);
        return send(res, 200, jpeg, { 'Content-Type': 'image/jpeg', 'Cache-Control': 'no-store' });
      }
      send(res, 404, 'not found\n', { 'Content-Type': 'text/plain' });
    })().catch((err: unknown) => {
      log(`onvif http: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) send(res, 500, 'internal error\n', { 'Content-Type': 'text/plain' });
      else res.destroy();
    });
  });

  // ---- RTSP server process, supervised
  const startRtsp = async (stalled: boolean) => {
    const { process: proc, port } = await RtspProcess.start(
      {
        python: options.python ?? defaultPython(),
        file: clip.stream,
        host,
        port: rtspPort,
        path: rtspPath,
        start: clipStartMs / 1000,
        auth: options.rtspAuth ? { username: options.username, password: passwords.get(options.username)! } : null,
        stalled,
        log,
      },
      (code, expected) => onRtspExit(proc, code, expected),
    );
    rtsp = proc;
    rtspPort = port;
    streamEpoch = Date.now();
    frozenPositionMs = stalled ? clipStartMs : null;
    rtspState = stalled ? 'stalled' : 'streaming';
    const startedAt = Date.now();
    void proc.exited.then(() => {
      if (Date.now() - startedAt > 10_000) crashesInRow = 0;
    });
  };

  function onRtspExit(proc: RtspProcess, code: number | string, expected: boolean) {
    if (proc !== rtsp || expected || stopped) return;
    rtsp = null;
    rtspState = 'restarting';
    rtspRestarts++;
    log(`rtsp server exited unexpectedly (${code})`);
    scheduleRestart();
  }

  function scheduleRestart() {
    const delay = Math.min(10_000, 500 * 2 ** crashesInRow++);
    log(`restarting the rtsp server in ${delay} ms`);
    restartTimer = setTimeout(() => {
      restartTimer = null;
      apply(fault).catch((err: unknown) => {
        log(`rtsp restart failed: ${err instanceof Error ? err.message : String(err)}`);
        if (!stopped && !rtsp && rtspState === 'restarting') scheduleRestart();
      });
    }, delay);
  }

  // ---- faults: one chain, so that concurrent calls apply in order
  let chain: Promise<void> = Promise.resolve();
  const apply = (target: CameraFault | null): Promise<void> => {
    const next = chain.then(async () => {
      if (stopped) return;
      const wantOnvif = target !== 'unreachable';
      const wantRtsp = target === 'stream-stopped' || target === 'unreachable' ? 'down' : target === 'stream-stalled' ? 'stalled' : 'up';
      if (!wantOnvif && onvifServer.listening) await closeServer(onvifServer);
      if (wantRtsp === 'down') {
        if (restartTimer) clearTimeout(restartTimer);
        restartTimer = null;
        const proc = rtsp;
        rtsp = null;
        rtspState = 'stopped';
        await proc?.stop();
      } else if (!rtsp?.running) {
        if (restartTimer) clearTimeout(restartTimer);
        restartTimer = null;
        await startRtsp(wantRtsp === 'stalled');
      } else if (wantRtsp === 'stalled' && rtspState !== 'stalled') {
        frozenPositionMs = positionMs();
        await rtsp.command({ cmd: 'stall' });
        rtspState = 'stalled';
      } else if (wantRtsp === 'up' && rtspState === 'stalled') {
        await rtsp.command({ cmd: 'resume' });
        frozenPositionMs = null;
        rtspState = 'streaming';
      }
      if (wantOnvif && !onvifServer.listening) onvifPort = await listen(onvifServer, onvifPort, host);
      fault = target;
      log(`fault: ${target ?? 'none'}`);
    });
    chain = next.catch(() => undefined);
    return next;
  };

  // ---- control endpoint
  const status = (): SimCameraStatus => ({
    name: options.name,
    hamlet: options.hamlet ?? null,
    fault,
    onvif: onvifServer.listening ? 'up' : 'down',
    rtsp: rtspState,
    rtspPid: rtsp?.pid ?? null,
    rtspRestarts,
    onvifUrl: onvifUrl(),
    rtspUrl: rtspUrl(),
    snapshotUrl: snapshotUrl(),
  });

  const controlServer = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const json = (code: number, value: unknown) => send(res, code, `${JSON.stringify(value)}\n`, { 'Content-Type': 'application/json' });
      if (req.method === 'GET' && (path === '/' || path === '/status')) return json(200, status());
      if (req.method !== 'POST') return json(405, { error: 'GET /status, POST /fault, POST /restore, POST /password' });
      const raw = (await readBody(req)) ?? '';
      let body: Record<string, unknown> = {};
      try {
        body = raw.trim() ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        return json(400, { error: 'body must be JSON' });
      }
      if (path === '/fault' || path.startsWith('/fault/')) {
        const kind = path.startsWith('/fault/') ? decodeURIComponent(path.slice(7)) : body.kind;
        if (!CAMERA_FAULTS.includes(kind as CameraFault)) return json(400, { error: `kind must be one of ${CAMERA_FAULTS.join(', ')}` });
        await apply(kind as CameraFault);
        return json(200, status());
      }
      if (path === '/restore') {
        await apply(null);
        return json(200, status());
      }
      if (path === '/password') {
        if (typeof body.password !== 'string' || !body.password) return json(400, { error: 'password (string) required' });
        await changePassword(options.username, body.password);
        return json(200, status());
      }
      json(404, { error: 'not found' });
    })().catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, `${JSON.stringify({ error: err instanceof Error ? err.message : String(err) })}\n`, { 'Content-Type': 'application/json' });
    });
  });

  // ---- start everything (or nothing)
  let discovery: DiscoveryResponder | null = null;
  let controlPort = 0;
  try {
    onvifPort = await listen(onvifServer, onvifPort, host);
    controlPort = await listen(controlServer, options.ports?.control ?? 0, host);
    const multicastPort = options.ports?.multicast === undefined ? WS_DISCOVERY_PORT : options.ports.multicast;
    discovery = await startDiscovery({
      host,
      unicastPort: options.ports?.discovery ?? 0,
      multicast: multicastPort === null ? null : { port: multicastPort, interface: options.multicastInterface ?? host },
      endpoint,
      scopes,
      xaddrs: () => [onvifUrl()],
      answering: () => fault !== 'unreachable' && !stopped,
      log,
    });
    await startRtsp(false);
    if (Buffer.byteLength(rtspUrl()) > 128) throw new Error(`RTSP URI longer than 128 octets: ${rtspUrl()}`);
  } catch (err) {
    stopped = true;
    await (rtsp as RtspProcess | null)?.stop();
    await Promise.all([closeServer(onvifServer), closeServer(controlServer), discovery?.close()]);
    throw err;
  }
  const disc = discovery;
  log(`camera ${options.name} up: ${onvifUrl()} ${rtspUrl()}`);

  return {
    name: options.name,
    hamlet: options.hamlet ?? null,
    endpoint,
    host,
    get onvifUrl() {
      return onvifUrl();
    },
    get rtspUrl() {
      return rtspUrl();
    },
    get snapshotUrl() {
      return snapshotUrl();
    },
    controlUrl: `http://${host}:${controlPort}/`,
    discoveryPort: disc.unicastPort,
    get ports() {
      return { onvif: onvifPort, rtsp: rtspPort, discovery: disc.unicastPort, control: controlPort, multicast: disc.multicastPort };
    },
    clip,
    status,
    fault: (kind) => {
      if (!CAMERA_FAULTS.includes(kind)) return Promise.reject(new Error(`unknown fault ${String(kind)}`));
      return apply(kind);
    },
    restore: () => apply(null),
    setPassword: async (password) => {
      if (!password) throw new Error('empty password');
      await changePassword(options.username, password);
    },
    stop: async () => {
      await chain;
      if (stopped) return;
      stopped = true;
      if (restartTimer) clearTimeout(restartTimer);
      const proc = rtsp;
      rtsp = null;
      rtspState = 'stopped';
      await Promise.all([proc?.stop(), closeServer(onvifServer), closeServer(controlServer), disc.close()]);
    },
  };
}
