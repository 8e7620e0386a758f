import type { CameraEvent, DiscoveryEvent } from '@smart-commune/shared';
import type { AuditLog } from '../audit/audit-log.js';
import type { Db } from '../db/database.js';
import type { Fleet } from '../fleet/fleet.js';
import type { StoredEvent } from '../fleet/edge-events.js';
import type { Guard } from '../http/access.js';
import { API_PREFIX, type Mount } from '../http/app.js';
import { CameraSettingsService } from './camera-settings.js';
import { CameraStatusStore } from './camera-status.js';
import { createVisionRoutes } from './vision-routes.js';

export type Vision = ReturnType<typeof createVision>;

/** The cameras domain: what each box should watch (its config's surveillance part) and what it says of its streams. */
export function createVision(deps: { db: Db; fleet: Fleet; audit: AuditLog }) {
  const { db, fleet, audit } = deps;
  const settings = new CameraSettingsService({ documents: fleet.documents, fleet: fleet.service });
  const status = new CameraStatusStore(db);
  const onCamera = ({ edgeId, message }: StoredEvent<'camera'>) => status.onCameraEvent(edgeId, message.ts, message.body as CameraEvent);
  const onDiscovery = ({ edgeId, message }: StoredEvent<'discovery'>) => status.onDiscovered(edgeId, message.ts, (message.body as DiscoveryEvent).devices);
  fleet.events.on('camera', onCamera);
  fleet.events.on('discovery', onDiscovery);
  return {
    settings,
    status,
    routes(guard: Guard): Mount[] {
      return [{ prefix: API_PREFIX, app: createVisionRoutes({ guard, audit, edges: fleet.edges, fleet: fleet.service, settings, status }) }];
    },
    stop() {
      fleet.events.off('camera', onCamera);
      fleet.events.off('discovery', onDiscovery);
    },
  };
}
