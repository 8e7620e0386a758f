import type { SimCamera } from './cameras/index.js';
import type { CloudClient } from './cloud-client.js';

/**
 * The demo camera films a campus walkway with people passing and vehicles parked beside it. A commune
 * would watch the walkway: people there at night are an alert for the police, vehicles driving onto it
 * are an alert at any hour, people there by day are detections (kept, searchable, not in the queue).
 * Grouped into review items (one per period of activity), this gives a queue a person can read at any
 * hour: a handful of items per camera-hour, not one per passer-by.
 */
const DEMO_ZONES = [
  {
    id: 'loi-di',
    name: 'Lối đi',
    polygon: [[0, 0.32], [0.4, 0.34], [0.62, 0.26], [0.8, 0.19], [1, 0.19], [1, 0.87], [0.5, 0.57], [0, 0.43]],
  },
];
const DEMO_RULES = [
  { id: 'nguoi-ban-dem', name: 'Người trên lối đi ban đêm', zone: 'loi-di', classes: ['person'], windows: [{ start: '22:00', end: '05:00' }], severity: 'alert' },
  { id: 'xe-vao-loi-di', name: 'Xe chạy vào lối đi', zone: 'loi-di', classes: ['car', 'motorcycle', 'truck', 'bus'], minDwellSeconds: 2, severity: 'alert' },
  { id: 'nguoi-ban-ngay', name: 'Người trên lối đi ban ngày', zone: 'loi-di', classes: ['person'], windows: [{ start: '05:00', end: '22:00' }], severity: 'detection' },
];
/** The rule the demo's cameras had before review items; a camera still on it is moved to the rules above. */
const OLD_DEMO_RULE = 'co-nguoi';

/**
 * Points the hamlet's box at its simulated camera by ONVIF, as a technician would from the console;
 * on later starts the camera keeps its zones and rules and only its (new) address changes.
 */
export async function configureCamera(cloud: CloudClient, edgeId: string, camera: SimCamera, credentials: { username: string; password: string }): Promise<void> {
  const id = 'cam-1';
  const source = { kind: 'onvif', xaddr: camera.onvifUrl, ...credentials };
  const existing = await cloud.request<{ cameras: { id: string; rules?: { id: string }[] }[] }>('GET', `/api/v1/edges/${edgeId}/cameras`);
  const current = existing.cameras.find((c) => c.id === id);
  const oldDemo = current?.rules?.some((r) => r.id === OLD_DEMO_RULE) ?? false;
  if (current) await cloud.request('PUT', `/api/v1/edges/${edgeId}/cameras/${id}`, { ...current, source, ...(oldDemo ? { zones: DEMO_ZONES, rules: DEMO_RULES } : {}) });
  else await cloud.request('POST', `/api/v1/edges/${edgeId}/cameras`, { id, name: camera.name, source, zones: DEMO_ZONES, rules: DEMO_RULES });
}
