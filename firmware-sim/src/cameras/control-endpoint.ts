import { createServer, type Server } from 'node:http';
import { CAMERA_FAULTS, type CameraFault } from './camera-faults.js';
import { readBody, send } from './camera-http.js';
import type { SimCameraStatus } from './sim-camera.js';

/** The camera's HTTP control endpoint: GET /status, POST /fault (or /fault/<kind>), /restore, /password. */

export interface CameraControls {
  status(): SimCameraStatus;
  /** Puts the camera in this fault, or back to normal with null. */
  applyFault(fault: CameraFault | null): Promise<void>;
  setPassword(password: string): Promise<void>;
}

export function createControlServer(controls: CameraControls): Server {
  return createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const json = (code: number, value: unknown) => send(res, code, `${JSON.stringify(value)}\n`, { 'Content-Type': 'application/json' });
      if (req.method === 'GET' && (path === '/' || path === '/status')) return json(200, controls.status());
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
        await controls.applyFault(kind as CameraFault);
        return json(200, controls.status());
      }
      if (path === '/restore') {
        await controls.applyFault(null);
        return json(200, controls.status());
      }
      if (path === '/password') {
        if (typeof body.password !== 'string' || !body.password) return json(400, { error: 'password (string) required' });
        await controls.setPassword(body.password);
        return json(200, controls.status());
      }
      json(404, { error: 'not found' });
    })().catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, `${JSON.stringify({ error: err instanceof Error ? err.message : String(err) })}\n`, { 'Content-Type': 'application/json' });
    });
  });
}
