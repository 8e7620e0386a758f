import { join } from 'node:path';
import { VI_TAN } from '@smart-commune/shared';
import { SHARED_DIR } from '../paths.js';
import { prepareClip } from './clip-cache.js';
import { startSimCamera, type SimCamera, type SimCameraOptions } from './sim-camera.js';

/** The clip the demo's cameras loop: $SC_CAMERA_CLIP, else the shared test media. */
export function defaultClip(): string {
  return process.env.SC_CAMERA_CLIP ?? join(SHARED_DIR, 'media', 'vtest-20s.mp4');
}

/** What an edge box needs to know about one of its hamlet's cameras. */
export interface SimCameraConfig {
  name: string;
  hamlet: string;
  endpoint: string;
  onvifUrl: string;
  rtspUrl: string;
  snapshotUrl: string;
  controlUrl: string;
  discoveryPort: number;
  username: string;
  password: string;
}

export interface CommuneCamerasOptions
  extends Omit<SimCameraOptions, 'name' | 'hamlet' | 'username' | 'password' | 'clip' | 'ports' | 'clipStartSeconds'> {
  /** Default: the nine hamlets of the pilot commune. */
  hamlets?: { code: string; name?: string }[];
  perHamlet?: number;
  /** Default admin / admin (the demo's). */
  username?: string;
  password?: string;
  clip?: string;
  /** WS-Discovery multicast port for all cameras (default 3702); null for none. */
  multicastPort?: number | null;
  /** Camera name; default `cam-<hamlet code>-<n>`. */
  cameraName?: (hamletCode: string, index: number) => string;
}

export interface CommuneCameras {
  cameras: SimCamera[];
  configs: SimCameraConfig[];
  byHamlet(code: string): SimCamera[];
  stop(): Promise<void>;
}

/**
 * Starts `perHamlet` cameras in every hamlet, each on free ports, their clips staggered so that they
 * do not all show the same moment.
 */
export async function startCommuneCameras(options: CommuneCamerasOptions = {}): Promise<CommuneCameras> {
  const {
    hamlets = VI_TAN.hamlets,
    perHamlet = 1,
    username = 'admin',
    password = 'admin',
    clip = defaultClip(),
    multicastPort,
    cameraName = (code, i) => `cam-${code}-${i + 1}`,
    ...cameraOptions
  } = options;
  const prepared = await prepareClip(clip, cameraOptions.cacheDir); // once, before the cameras race for it
  const plan = hamlets.flatMap((h) => Array.from({ length: perHamlet }, (_, i) => ({ hamlet: h.code, name: cameraName(h.code, i) })));
  const started = await Promise.allSettled(
    plan.map((p, i) =>
      startSimCamera({
        ...cameraOptions,
        name: p.name,
        hamlet: p.hamlet,
        username,
        password,
        clip,
        clipStartSeconds: (i * prepared.durationSeconds) / plan.length,
        ...(cameraOptions.log ? { log: (line: string) => cameraOptions.log!(`${p.name}: ${line}`) } : {}),
        ports: multicastPort === undefined ? {} : { multicast: multicastPort },
      }),
    ),
  );
  const cameras = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(cameras.map((c) => c.stop()));
    throw failed.reason;
  }
  return {
    cameras,
    get configs() {
      return cameras.map((c) => ({
        name: c.name,
        hamlet: c.hamlet!,
        endpoint: c.endpoint,
        onvifUrl: c.onvifUrl,
        rtspUrl: c.rtspUrl,
        snapshotUrl: c.snapshotUrl,
        controlUrl: c.controlUrl,
        discoveryPort: c.discoveryPort,
        username,
        password,
      }));
    },
    byHamlet: (code) => cameras.filter((c) => c.hamlet === code),
    stop: async () => {
      await Promise.all(cameras.map((c) => c.stop()));
    },
  };
}
