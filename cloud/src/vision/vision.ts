import type { AuditLog } from '../audit/audit-log.js';
import type { QueryDatabase } from '../db/query/index.js';
import type { BoxEvent } from '../events/domain-events.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { Fleet } from '../fleet/fleet.js';
import type { Guard } from '../http/access.js';
import { API_PREFIX, type Mount } from '../http/app.js';
import { CameraSettingsService } from './camera-settings.js';
import { floodedCameras } from './camera-floods.js';
import { CameraStatusStore, isDown } from './camera-status.js';
import { createVisionRoutes } from './vision-routes.js';

export type Vision = ReturnType<typeof createVision>;

/** The cameras domain: what each box should watch (its config's surveillance part) and what it says of its streams. */
export function createVision(deps: { query: QueryDatabase; fleet: Fleet; audit: AuditLog; bus: DomainEventBus }) {
  const { query, fleet, audit, bus } = deps;
  const settings = new CameraSettingsService({ documents: fleet.documents, fleet: fleet.service });
  const status = new CameraStatusStore(query);
  /** A stream that goes down, or comes back from being down, is published. */
  const onCamera = async ({ edgeId, ts, body }: BoxEvent<'camera'>) => {
    const from = await status.onCameraEvent(edgeId, ts, body);
    if (from === undefined) return; // older than what is known
    const wasDown = from !== null && isDown(from);
    if (isDown(body.status) && !wasDown) bus.publish('camera.offline', { edgeId, cameraId: body.cameraId, at: ts, status: body.status, error: body.error ?? null });
    if (body.status === 'streaming' && wasDown) bus.publish('camera.online', { edgeId, cameraId: body.cameraId, at: ts });
  };
  const unsubscribe = [
    bus.subscribe('edge.event.camera', onCamera, 'vision'),
    bus.subscribe('edge.event.discovery', ({ edgeId, ts, body }) => status.onDiscovered(edgeId, ts, body.devices), 'vision'),
  ];
  return {
    settings,
    status,
    /** Cameras over their items-per-hour limit now, by their online boxes' telemetry (police queue, fleet pages). */
    floods: async () => {
      const edges = await fleet.edges.list({ status: 'active', online: true });
      // the names of the cameras of the boxes that report a flood only: most boxes have none
      const names = new Map<string, string>();
      for (const edge of edges) {
        if (!edge.telemetry?.cameras?.some((c) => c.flood)) continue;
        for (const camera of await settings.camerasOf(edge.id)) names.set(`${edge.id}/${camera.id}`, camera.name);
      }
      return floodedCameras(edges, (edgeId, cameraId) => names.get(`${edgeId}/${cameraId}`) ?? null);
    },
    routes(guard: Guard): Mount[] {
      return [{ prefix: API_PREFIX, app: createVisionRoutes({ guard, audit, edges: fleet.edges, fleet: fleet.service, settings, status }) }];
    },
    async stop() {
      await Promise.all(unsubscribe.map((u) => u()));
    },
  };
}
