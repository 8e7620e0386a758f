import type { SimCamera } from './cameras/index.js';
import type { CloudClient } from './cloud-client.js';

/** The rules a demo camera starts with: anyone seen (quiet for a minute after each), and people at night. */
const DEMO_RULES = [
  { id: 'co-nguoi', name: 'Có người trước camera', classes: ['person'], cooldownSeconds: 60 },
  { id: 'nguoi-ban-dem', name: 'Người qua lại ban đêm', classes: ['person'], windows: [{ start: '22:00', end: '05:00' }] },
];

/**
 * Points the hamlet's box at its simulated camera by ONVIF, as a technician would from the console;
 * on later starts the camera keeps its zones and rules and only its (new) address changes.
 */
export async function configureCamera(cloud: CloudClient, edgeId: string, camera: SimCamera, credentials: { username: string; password: string }): Promise<void> {
  const id = 'cam-1';
  const source = { kind: 'onvif', xaddr: camera.onvifUrl, ...credentials };
  const existing = await cloud.request<{ cameras: { id: string }[] }>('GET', `/api/v1/edges/${edgeId}/cameras`);
  const current = existing.cameras.find((c) => c.id === id);
  if (current) await cloud.request('PUT', `/api/v1/edges/${edgeId}/cameras/${id}`, { ...current, source });
  else await cloud.request('POST', `/api/v1/edges/${edgeId}/cameras`, { id, name: camera.name, source, rules: DEMO_RULES });
}
