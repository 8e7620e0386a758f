import { CAMERA_FAULTS, type CameraFault } from './camera-faults.js';
import { closeServer, listen } from './camera-http.js';
import { onvifScopes, stableId } from './camera-identity.js';
import { prepareClip, type PreparedClip } from './clip-cache.js';
import { createControlServer } from './control-endpoint.js';
import { startDiscovery, WS_DISCOVERY_PORT, type DiscoveryResponder } from './discovery.js';
import { DigestAuth } from './http-digest.js';
import type { UserStore } from './onvif-device.js';
import { createOnvifServer, createSimOnvifDevice, DEVICE_SERVICE_PATH, MEDIA_SERVICE_PATH } from './onvif-service.js';
import { defaultPython, RtspProcess } from './rtsp-process.js';
import { SNAPSHOT_PATH, snapshotHandler } from './snapshot.js';

/**
 * A simulated ONVIF camera bound to 127.0.0.1: an RTSP server looping a real clip (GStreamer, in a
 * child process, no re-encoding), an ONVIF device (Profile S essentials) with WS-Discovery, a JPEG
 * snapshot behind HTTP Digest, and faults on demand through the handle or an HTTP control endpoint.
 */

export { CAMERA_FAULTS, type CameraFault } from './camera-faults.js';

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
  /** URIs answered to GetStreamUri / GetSnapshotUri instead of the camera's own: a device pointing the box at another host. */
  advertise?: { streamUri?: string; snapshotUri?: string };
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

  const onvifUrl = () => `http://${host}:${onvifPort}${DEVICE_SERVICE_PATH}`;
  const mediaUrl = () => `http://${host}:${onvifPort}${MEDIA_SERVICE_PATH}`;
  const snapshotUrl = () => `http://${host}:${onvifPort}${SNAPSHOT_PATH}`;
  const rtspUrl = () => `rtsp://${host}:${rtspPort}${rtspPath}`;
  const positionMs = () => frozenPositionMs ?? (clipStartMs + Date.now() - streamEpoch) % (clip.durationSeconds * 1000);

  const scopes = () => onvifScopes(options.name, options.hamlet);

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

  const device = createSimOnvifDevice({
    name: options.name,
    serial,
    clip,
    clockSkewMs,
    host,
    deviceUrl: onvifUrl,
    mediaUrl,
    streamUri: () => options.advertise?.streamUri ?? rtspUrl(),
    snapshotUri: () => options.advertise?.snapshotUri ?? snapshotUrl(),
    scopes,
    endpoint,
    users,
    digest,
    log,
  });
  const serveSnapshot = snapshotHandler({
    clip,
    digest,
    passwordOf: (u) => passwords.get(u),
    pipelineRunning: () => rtspState === 'streaming' || rtspState === 'stalled',
    positionMs,
  });
  const onvifServer = createOnvifServer(device, serveSnapshot, log);

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

  // ---- status, as the handle and the control endpoint report it
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

  const controlServer = createControlServer({
    status,
    applyFault: apply,
    setPassword: (password) => changePassword(options.username, password),
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
