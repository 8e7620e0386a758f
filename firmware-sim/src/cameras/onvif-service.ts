import { createServer, type Server } from 'node:http';
import { readBody, send } from './camera-http.js';
import { hostnameOf } from './camera-identity.js';
import type { PreparedClip } from './clip-cache.js';
import { OnvifDevice, type OnvifContext } from './onvif-device.js';
import { SNAPSHOT_PATH, type SnapshotHandler } from './snapshot.js';

/** The camera's ONVIF services over HTTP: the device model it presents and the server routing to it. */

export const DEVICE_SERVICE_PATH = '/onvif/device_service';
export const MEDIA_SERVICE_PATH = '/onvif/media_service';

export interface SimOnvifDeviceOptions extends Omit<OnvifContext, 'info' | 'video' | 'clockMs' | 'timeZone'> {
  name: string;
  serial: string;
  clip: PreparedClip;
  /** Offset of the camera's clock from the host's. */
  clockSkewMs: number;
}

export function createSimOnvifDevice(options: SimOnvifDeviceOptions): OnvifDevice {
  const { name, serial, clip, clockSkewMs, ...context } = options;
  return new OnvifDevice({
    info: {
      manufacturer: 'Smart Commune',
      model: 'SC-SIM-CAM',
      firmwareVersion: '1.0.0',
      serialNumber: serial,
      hardwareId: 'sim-h264-1',
      hostname: hostnameOf(name),
    },
    video: { width: clip.width, height: clip.height, fps: clip.fps, gopFrames: clip.gopFrames, bitrateKbps: clip.bitrateKbps },
    ...context,
    clockMs: () => Date.now() + clockSkewMs,
    timeZone: { posix: 'ICT-7', offsetMinutes: 420 },
  });
}

/** SOAP to the device and media services, GET the snapshot; anything else 404. */
export function createOnvifServer(device: OnvifDevice, serveSnapshot: SnapshotHandler, log: (line: string) => void): Server {
  return createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === DEVICE_SERVICE_PATH || path === MEDIA_SERVICE_PATH) {
        if (req.method !== 'POST') return send(res, 405, 'POST only\n', { Allow: 'POST', 'Content-Type': 'text/plain' });
        const body = await readBody(req);
        if (body === null) return send(res, 413, 'request too large\n', { 'Content-Type': 'text/plain', Connection: 'close' });
        const reply = device.handle(body, req.headers, req.url ?? path);
        return send(res, reply.status, reply.body, { 'Content-Type': 'application/soap+xml; charset=utf-8', ...reply.headers });
      }
      if (path === SNAPSHOT_PATH) return serveSnapshot(req, res);
      send(res, 404, 'not found\n', { 'Content-Type': 'text/plain' });
    })().catch((err: unknown) => {
      log(`onvif http: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) send(res, 500, 'internal error\n', { 'Content-Type': 'text/plain' });
      else res.destroy();
    });
  });
}
