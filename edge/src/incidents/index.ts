import { EvidenceItems } from './evidence.js';
import { join } from 'node:path';
import type { Logger } from '@smart-commune/shared/runtime';
import type { Db } from '../db/database.js';
import type { DeviceCredentials } from '../link/device-http.js';
import type { Outbox } from '../outbox/outbox.js';
import { IncidentStore } from './incident-store.js';
import { EdgeIncidents } from './incidents.js';
import { enforceIncidentRetention, type IncidentRetention } from './retention.js';
import { MediaUploader } from './uploader.js';

export { EdgeIncidents, type ClipPlan, type ClipWriter, type IncidentHit } from './incidents.js';
export { IncidentStore, type StoredIncident } from './incident-store.js';
export type { IncidentRetention } from './retention.js';

export interface EdgeIncidentsOptions {
  db: Db;
  outbox: Outbox;
  /** Media goes to `{dataDir}/incidents/{day}/`. */
  dataDir: string;
  cloudUrl: string;
  credentials: () => DeviceCredentials;
  logger: Logger;
}

const RETENTION_EVERY_MS = 10 * 60_000;

/** Incidents on the box: creation, the upload queue and retention, with one lifecycle. */
export function createEdgeIncidents(options: EdgeIncidentsOptions) {
  const logger = options.logger.child({ component: 'incidents' });
  const store = new IncidentStore(options.db);
  const uploader = new MediaUploader({ cloudUrl: options.cloudUrl, credentials: options.credentials, store, logger });
  const itemDeps = { db: options.db, store, outbox: options.outbox, uploader, dir: join(options.dataDir, 'incidents'), logger };
  const incidents = new EdgeIncidents(itemDeps);
  let retention: IncidentRetention = { maxAgeMs: 30 * 86_400_000, maxBytes: 1_000_000_000 };
  const retentionTimer = setInterval(() => enforceIncidentRetention(store, retention, logger), RETENTION_EVERY_MS);
  retentionTimer.unref();
  return {
    incidents,
    /** Footage asked by time becomes evidence items through the same store, outbox and uploader. */
    evidence: new EvidenceItems(itemDeps),
    store,
    uploader,
    start() {
      const recovered = incidents.recoverInterrupted();
      if (recovered) logger.warn({ recovered }, 'items open when the box stopped are reported closed with the clip parts they had');
      incidents.start();
      uploader.start();
    },
    setRetention(limits: IncidentRetention) {
      retention = limits;
      enforceIncidentRetention(store, retention, logger);
    },
    async stop(clipWaitMs: number) {
      clearInterval(retentionTimer);
      await incidents.close(clipWaitMs);
      await uploader.stop();
    },
  };
}
export type EdgeIncidentsHandle = ReturnType<typeof createEdgeIncidents>;
