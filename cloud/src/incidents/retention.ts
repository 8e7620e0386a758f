import type { Logger } from '@smart-commune/shared/runtime';
import type { AuditLog } from '../audit/audit-log.js';
import type { CloudMetrics } from '../metrics.js';
import type { IncidentStore } from './incident-store.js';
import type { MediaFiles } from './media-files.js';

const DAY_MS = 86_400_000;
/** Incidents deleted per database transaction batch, so a first sweep over years of data does not block the API. */
const BATCH = 200;

export interface RetentionDeps {
  store: IncidentStore;
  files: MediaFiles;
  audit: AuditLog;
  metrics: CloudMetrics;
  logger: Logger;
  retentionDays: number;
  now(): number;
}

/**
 * Deletes incidents the cloud received more than `retentionDays` ago, unless on legal hold or
 * confirmed (confirmed evidence is only ever deleted by a person), with their notes and files. A file is shared by every incident with the same content, so it goes only when no
 * incident names it any more. The audit log keeps a line per deleted incident.
 */
export class IncidentRetention {
  constructor(private readonly deps: RetentionDeps) {}

  async sweep(): Promise<number> {
    const { store, files, audit, metrics, logger } = this.deps;
    const before = this.deps.now() - this.deps.retentionDays * DAY_MS;
    let deleted = 0;
    for (let batch = await store.expired(before, BATCH); batch.length > 0; batch = await store.expired(before, BATCH)) {
      for (const incident of batch) {
        await store.delete(incident.id);
        await audit.record({ actor: 'system', action: 'incident.purge', target: `incident:${incident.id}`, details: { retentionDays: this.deps.retentionDays } });
        for (const sha256 of incident.sha256s) {
          if (!(await store.references(sha256))) await files.remove(sha256);
        }
      }
      deleted += batch.length;
      metrics.incidentsPurged.inc(batch.length);
    }
    if (deleted > 0) logger.info({ deleted, retentionDays: this.deps.retentionDays }, 'incidents past retention deleted');
    return deleted;
  }
}
